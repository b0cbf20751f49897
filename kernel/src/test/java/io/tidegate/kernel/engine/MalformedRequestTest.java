package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * RFC 9112 / 9110 message parsing: every request below is refused with the status RFC or nginx
 * gives, the connection is closed, and the upstream behind the catch-all route sees zero bytes.
 */
@ExtendWith(NoLeaks.class)
class MalformedRequestTest {

    static EngineHarness gateway;
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.start();
        upstream = TestUpstream.start("victim");
        Provenance p = Provenance.of("test", "MalformedRequestTest");
        gateway.publish(Fragment.of(List.of(Route.builder("all", p).forwardTo("victim").build()),
                List.of(Cluster.of("victim", List.of(Endpoint.of("127.0.0.1", upstream.port())), p))));
    }

    @AfterAll
    static void stop() {
        assertThat(upstream.bytesReceived()).as("bytes the upstream received from malformed requests").isZero();
        gateway.close();
        upstream.close();
    }

    static Stream<Arguments> malformed() {
        String longLine = "GET /" + "a".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n";
        String bigHeaders = "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(17000) + "\r\n\r\n";
        return Stream.of(
                Arguments.of("missing Host on HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400),
                Arguments.of("repeated Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
                Arguments.of("invalid Host", "GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n", 400),
                Arguments.of("Transfer-Encoding and Content-Length",
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400),
                Arguments.of("chunked repeated",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("chunked not last",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("chunked in two fields, not last",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
                        400),
                Arguments.of("unknown transfer coding",
                        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
                Arguments.of("Transfer-Encoding on HTTP/1.0",
                        "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                Arguments.of("obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400),
                Arguments.of("obs-fold with tab", "GET / HTTP/1.1\r\nX-A: one\r\n\ttwo\r\nHost: x\r\n\r\n", 400),
                Arguments.of("whitespace before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
                Arguments.of("two different Content-Lengths",
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
                Arguments.of("non-numeric Content-Length",
                        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400),
                Arguments.of("request line over the limit", longLine, 414),
                Arguments.of("header block over the limit", bigHeaders, 431),
                Arguments.of("path above the root", "GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("encoded dots above the root", "GET /%2e%2e/secret HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("userinfo in absolute target", "GET http://u:p@x/ HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("asterisk target", "GET * HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                Arguments.of("garbage request line", "HELLO\r\n\r\n", 400),
                Arguments.of("control character in header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n",
                        400),
                Arguments.of("unsupported expectation",
                        "POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n", 417),
                Arguments.of("CONNECT on an ingress listener", "CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n", 405));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformed")
    void refusesAndCloses(String name, String request, int expected) throws Exception {
        String response = RawHttp.exchange(gateway.port(), request, 3000);
        assertThat(RawHttp.status(response)).as(response).isEqualTo(expected);
        assertThat(response.toLowerCase()).contains("connection: close");
        assertThat(upstream.bytesReceived()).isZero();
    }
}
