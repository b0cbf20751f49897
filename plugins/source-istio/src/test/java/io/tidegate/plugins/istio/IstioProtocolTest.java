package io.tidegate.plugins.istio;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Port protocols as Istio names and selects them (pkg/config/protocol, and Kubernetes Service ports). */
class IstioProtocolTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"HTTP, HTTP", "http, HTTP", "GRPC-WEB, GRPC_WEB", "grpc, GRPC", "HTTP2, HTTP2", "Mongo, MONGO",
            "TLS, TLS", "QUIC, ", "'', "})
    void parsesIstioNames(String name, IstioProtocol expected) {
        assertThat(IstioProtocol.parse(name)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "appProtocol={0} name={1} -> {2}")
    @CsvSource({
            // appProtocol wins over the port name
            "grpc, http-api, GRPC",
            "kubernetes.io/h2c, http, HTTP2",
            "kubernetes.io/ws, grpc, HTTP",
            "kubernetes.io/wss, , HTTPS",
            "HTTP2, , HTTP2",
            // an unknown appProtocol falls back to the name
            "example.com/custom, grpc-web-ui, GRPC",
            // the name: <protocol>[-<suffix>], or the protocol alone
            ", http2, HTTP2",
            ", tcp-postgres, TCP",
            ", https-admin, HTTPS",
            ", mongo, MONGO",
            // anything else: HTTP (Istio would sniff)
            ", web, HTTP",
            ", , HTTP"})
    void selectsServicePortProtocolsAsIstio(String appProtocol, String name, IstioProtocol expected) {
        assertThat(IstioProtocol.ofServicePort(appProtocol, name)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"HTTP, false, true, false", "HTTPS, false, true, false", "HTTP2, true, true, false",
            "GRPC, true, true, false", "GRPC_WEB, true, true, false", "TCP, false, false, true",
            "TLS, false, false, false", "MONGO, false, false, true", "REDIS, false, false, true"})
    void classifies(IstioProtocol p, boolean http2, boolean http, boolean tcp) {
        assertThat(p.isHttp2()).isEqualTo(http2);
        assertThat(p.isHttp()).isEqualTo(http);
        assertThat(p.isTcp()).isEqualTo(tcp);
    }
}
