package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.TracingConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawH2;
import io.tidegate.kernel.testing.RawH2.Frame;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed downstream HTTP/2 streams (RFC 9113 section 8.1.1), sent as they are over a raw h2c connection:
 * each is reset with PROTOCOL_ERROR, never reaches the upstream, leaves the connection serving, and gets its
 * access log line with flag {@code DPE}: one refused before it became a request (a missing pseudo-header, a
 * header value with CR LF that no HTTP/1.1 upstream may see, a method no request line can carry) with the
 * reason, one that became a request and then broke its own {@code content-length} with the request's fields.
 */
@ExtendWith(NoLeaks.class)
class Http2MalformedStreamTest {

    private static final Provenance ORIGIN = Provenance.of("test", "Http2MalformedStreamTest");

    @Test
    void eachIsResetLoggedAndKeptFromTheUpstream(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        try (TestUpstream upstream = TestUpstream.start("app")) {
            EngineHarness gateway = EngineHarness.start(TracingConfig.DISABLED,
                    new GatewayConfig.AccessLogConfig(true, log.toString(), "json"));
            try {
                gateway.publish(Fragment.of(List.of(Route.builder("app", ORIGIN.withRule("app")).forwardTo("app")
                        .build()), List.of(Cluster.of("app", List.of(Endpoint.of("127.0.0.1", upstream.port())),
                        ORIGIN))));
                try (RawH2 c = new RawH2(gateway.port())) {
                    String authority = "127.0.0.1:" + gateway.port();
                    c.headers(1, new DefaultHttp2Headers(false).method("GET").scheme("http").authority(authority),
                            true); // no :path
                    assertThat(resetCode(c, 1)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
                    c.headers(3, new DefaultHttp2Headers(false).method("GET").scheme("http").path("/split")
                            .authority(authority).add("x-note", "a\r\nGET /admin HTTP/1.1"), true);
                    assertThat(resetCode(c, 3)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
                    c.headers(5, new DefaultHttp2Headers().method("POST").scheme("http").path("/short")
                            .authority(authority).setInt("content-length", 50), false);
                    c.data(5, "hello", true);
                    assertThat(resetCode(c, 5)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
                    c.headers(7, new DefaultHttp2Headers(false).method("G T").scheme("http").path("/method")
                            .authority(authority), true); // no HTTP/1.1 request line can carry it
                    assertThat(resetCode(c, 7)).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
                    c.request(9, "GET", "/after", true);
                    List<Frame> after = c.untilPingAck();
                    assertThat(after).anyMatch(f -> f.stream() == 9 && f.type() == RawH2.HEADERS)
                            .noneMatch(f -> f.type() == RawH2.RST_STREAM || f.type() == RawH2.GOAWAY);
                }
                // What became a request reached the upstream (/short's head may have, before its DATA broke the
                // declared length); what was refused before that never did.
                String uri;
                do {
                    uri = upstream.nextSeen().uri();
                    assertThat(uri).isIn("/short", "/after");
                } while (!uri.equals("/after"));
            } finally {
                gateway.close();
            }
            List<String> lines = Files.readAllLines(log);
            assertThat(lines).hasSize(5);
            assertThat(lines.get(0)).contains("\"flag\":\"DPE\"").contains("\"protocol\":\"HTTP/2\"")
                    .contains("\"status\":0").contains(":path");
            assertThat(lines.get(1)).contains("\"flag\":\"DPE\"").contains("\"status\":0").doesNotContain("/split");
            assertThat(lines.get(2)).contains("\"flag\":\"DPE\"").contains("/short");
            assertThat(lines.get(3)).contains("\"flag\":\"DPE\"").contains("\"status\":0").doesNotContain("/method");
            assertThat(lines.get(4)).contains("/after").contains("\"status\":200");
        }
    }

    private static long resetCode(RawH2 c, int stream) throws Exception {
        List<Frame> frames = c.untilReset(stream);
        return frames.get(frames.size() - 1).errorCode();
    }
}
