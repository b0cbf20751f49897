package io.tidegate.spi.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ConfigNodeTest {

    @ParameterizedTest
    @CsvSource({"250ms,250", "30s,30000", "1m30s,90000", "1.5s,1500", "2h,7200000", "1d,86400000"})
    void parsesDurations(String text, long millis) {
        assertThat(ConfigNode.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource({"60", "s", "10 s", "-1s", "1x"})
    void refusesAmbiguousOrBadDurations(String text) {
        assertThat(ConfigNode.parseDuration(text)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"1024,1024", "512k,524288", "10m,10485760", "1g,1073741824", "2MiB,2097152", "3kb,3072"})
    void parsesByteSizesAsNginxDoes(String text, long bytes) {
        assertThat(ConfigNode.parseByteSize(text)).isEqualTo(bytes);
    }

    @Test
    void unknownKeyNamesKeyPathAndAlternatives() {
        ConfigNode node = ConfigNode.fromObject(Map.of("listeners", List.of(Map.of("nmae", "web"))), "tidegate.yaml");
        ConfigNode listener = node.get("listeners").items().get(0);
        assertThatThrownBy(() -> listener.requireOnlyKeys("name", "address"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("tidegate.yaml: listeners[0].nmae: unknown key (expected one of: address, name)");
    }

    @Test
    void missingAndWrongShapesNameTheKey() {
        ConfigNode node = ConfigNode.fromObject(Map.of("port", "eighty", "list", "x"), "f.yaml");
        assertThatThrownBy(() -> node.get("address")).hasMessage("f.yaml: address: is required but missing");
        assertThatThrownBy(() -> node.get("port").asInt()).hasMessage("f.yaml: port: 'eighty' is not an integer");
        assertThatThrownBy(() -> node.get("list").items()).hasMessage("f.yaml: list: is a scalar (expected: a list)");
        assertThat(node.get("list").asStringList()).containsExactly("x");
    }

    enum Balancer { ROUND_ROBIN, LEAST_REQUEST }

    @Test
    void enumsReadKebabCaseAndListChoices() {
        ConfigNode node = ConfigNode.fromObject(Map.of("a", "least-request", "b", "fastest"), "f");
        assertThat(node.get("a").asEnum(Balancer.class)).isEqualTo(Balancer.LEAST_REQUEST);
        assertThatThrownBy(() -> node.get("b").asEnum(Balancer.class))
                .hasMessage("f: b: 'fastest' (expected one of: round-robin, least-request)");
    }

    @Test
    void exactlyOneOfChoices() {
        ConfigNode both = ConfigNode.fromObject(Map.of("forward", "a", "respond", Map.of()), "f");
        assertThatThrownBy(() -> both.requireExactlyOne("forward", "redirect", "respond"))
                .hasMessageContaining("has both 'forward' and 'respond'");
        ConfigNode none = ConfigNode.fromObject(Map.of(), "f");
        assertThatThrownBy(() -> none.requireExactlyOne("forward", "redirect"))
                .hasMessageContaining("needs one of: forward, redirect");
    }

    @Test
    void equalityIgnoresLocations() {
        assertThat(ConfigNode.fromObject(Map.of("a", "1"), "x.yaml"))
                .isEqualTo(ConfigNode.fromObject(Map.of("a", "1"), "y.yaml"));
    }
}
