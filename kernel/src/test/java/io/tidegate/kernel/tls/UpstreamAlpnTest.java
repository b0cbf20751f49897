package io.tidegate.kernel.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.model.UpstreamTls;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ALPN of upstream TLS follows the cluster's protocol: {@code h2} for HTTP2 clusters, {@code http/1.1} else. */
class UpstreamAlpnTest {

    private static UpstreamTls alpn(String... protocols) {
        return new UpstreamTls(null, null, true, null, null, List.of(protocols), List.of());
    }

    @Test
    void http2ClustersOfferH2WhetherOrNotTheyNameIt() {
        assertThat(UpstreamTlsContext.build(alpn(), true)).isNotNull();
        assertThat(UpstreamTlsContext.build(alpn("h2"), true)).isNotNull();
    }

    @Test
    void anAlpnOtherThanTheClustersProtocolIsRefusedByName() {
        assertThatThrownBy(() -> UpstreamTlsContext.build(alpn("http/1.1"), true))
                .hasMessage("tls.alpn: 'http/1.1' (expected: h2, the cluster's protocol http2)");
        assertThatThrownBy(() -> UpstreamTlsContext.build(alpn("h2"), false))
                .hasMessage("tls.alpn: 'h2' (expected: http/1.1, the cluster's protocol http1)");
        assertThat(UpstreamTlsContext.build(alpn("http/1.1"), false)).isNotNull();
    }
}
