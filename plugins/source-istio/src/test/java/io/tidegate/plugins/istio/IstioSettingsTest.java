package io.tidegate.plugins.istio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings are validated when the source is created (start-up and {@code tidegate validate}), naming the key. */
class IstioSettingsTest {

    @TempDir
    Path home;

    private IstioSettings parse(String yaml) {
        try (TestContext context = new TestContext(home)) {
            return IstioSettings.parse(TestContext.settings(yaml), context);
        }
    }

    @Test
    void defaultsAndMappings() {
        IstioSettings s = parse("""
                manifests: [conf/istio]
                gatewayLabels: {app: tidegate}
                listenerPorts: {"80": web, "443": [websecure]}
                """);
        assertThat(s.offline()).isTrue();
        assertThat(s.manifests()).containsExactly(home.resolve("conf/istio"));
        assertThat(s.gatewayLabels()).isEqualTo(Map.of("app", "tidegate"));
        assertThat(s.listenerPorts()).isEqualTo(Map.of(80, List.of("web"), 443, List.of("websecure")));
        assertThat(s.selfHosts()).isEqualTo(IstioSettings.DEFAULT_SELF);
        assertThat(s.debounce()).isEqualTo(Duration.ofMillis(100));
        assertThat(s.apiVersion()).isEqualTo("v1");
        assertThat(s.kubernetesServices()).isFalse();
        assertThat(s.gatewayNamespace()).isEqualTo("istio-system");
        assertThat(parse("gatewayNamespace: edge").gatewayNamespace()).isEqualTo("edge");
        assertThat(parse("namespaces: [shop]").gatewayLabels()).isEqualTo(Map.of("istio", "ingressgateway"));
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> parse("ingressClass: x")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("ingressClass").hasMessageContaining("unknown key");
        assertThatThrownBy(() -> parse("listenerPorts: {\"80\": webb}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("listenerPorts").hasMessageContaining("no listener named 'webb'");
        assertThatThrownBy(() -> parse("listenerPorts: {http: web}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("not a port number");
        assertThatThrownBy(() -> parse("apiVersion: v2")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("apiVersion").hasMessageContaining("v1beta1");
        assertThatThrownBy(() -> parse("manifests: [a]\nkubeconfig: k")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("exclusive");
        assertThatThrownBy(() -> parse("gatewayNamespace: Edge_1")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("gatewayNamespace").hasMessageContaining("namespace name");
    }
}
