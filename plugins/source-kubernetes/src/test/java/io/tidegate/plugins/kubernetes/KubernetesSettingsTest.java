package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.config.ConfigException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sources: entry's settings: defaults, and errors that name the key. */
class KubernetesSettingsTest {

    @TempDir
    Path home;

    private KubernetesSettings parse(String yaml) {
        try (TestContext context = new TestContext(home)) {
            return KubernetesSettings.parse(TestContext.settings(yaml), context);
        }
    }

    @Test
    void defaults() {
        KubernetesSettings s = parse("{}");
        assertThat(s.ingressClass()).isEqualTo("tidegate");
        assertThat(s.controllerName()).isEqualTo("tidegate.io/ingress-controller");
        assertThat(s.watchIngressWithoutClass()).isFalse();
        assertThat(s.namespaces()).isEmpty();
        assertThat(s.offline()).isFalse();
        assertThat(s.events()).isTrue();
        assertThat(s.debounce()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void everyKey() {
        KubernetesSettings s = parse("""
                ingressClass: edge
                controllerName: example.com/edge
                watchIngressWithoutClass: true
                namespaces: [shop, web]
                manifests: [conf/k8s]
                publishAddress: 203.0.113.7
                debounce: 50ms
                events: false
                pollInterval: 1s
                """);
        assertThat(s.ingressClass()).isEqualTo("edge");
        assertThat(s.controllerName()).isEqualTo("example.com/edge");
        assertThat(s.namespaces()).containsExactly("shop", "web");
        assertThat(s.manifests()).containsExactly(home.resolve("conf/k8s"));
        assertThat(s.offline()).isTrue();
        assertThat(s.publishAddress()).isEqualTo("203.0.113.7");
    }

    @Test
    void theExperimentalGatewayApiKindsImplyTheGatewayApi() {
        KubernetesSettings s = parse("gatewayApiExperimental: true");
        assertThat(s.gatewayApi()).isTrue();
        assertThat(s.gatewayApiExperimental()).isTrue();
        assertThat(parse("gatewayApi: true").gatewayApiExperimental()).isFalse();
        assertThatThrownBy(() -> parse("gatewayApi: false\ngatewayApiExperimental: true"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gatewayApiExperimental")
                .hasMessageContaining("needs gatewayApi");
    }

    @Test
    void anUnknownKeyFailsNamingIt() {
        assertThatThrownBy(() -> parse("ingresClass: tidegate"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("ingresClass")
                .hasMessageContaining("unknown key")
                .hasMessageContaining("ingressClass");
    }

    @Test
    void badValuesFailNamingTheKey() {
        assertThatThrownBy(() -> parse("namespaces: [Shop_1]")).hasMessageContaining("namespaces")
                .hasMessageContaining("'Shop_1' is not a namespace name");
        assertThatThrownBy(() -> parse("controllerName: tidegate")).hasMessageContaining("controllerName")
                .hasMessageContaining("domain-prefixed");
        assertThatThrownBy(() -> parse("manifests: []")).hasMessageContaining("manifests")
                .hasMessageContaining("non-empty list");
        assertThatThrownBy(() -> parse("manifests: [a]\nkubeconfig: k")).hasMessageContaining("exclusive");
        assertThatThrownBy(() -> parse("debounce: 1m")).hasMessageContaining("debounce");
    }
}
