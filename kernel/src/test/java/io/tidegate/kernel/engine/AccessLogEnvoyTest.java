package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.TracingConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code accessLog.format: envoy} written by the real engine for a forwarded and a local answer. */
@ExtendWith(NoLeaks.class)
class AccessLogEnvoyTest {

    private static final Provenance ORIGIN = Provenance.of("test", "AccessLogEnvoyTest");

    @Test
    void linesHaveEnvoysDefaultShape(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        try (TestUpstream upstream = TestUpstream.start("u")) {
            EngineHarness gateway = EngineHarness.start(TracingConfig.DISABLED,
                    new GatewayConfig.AccessLogConfig(true, log.toString(), "envoy"));
            try {
                gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r"))
                                .match(RouteMatch.hostsAndPath(List.of("a"), PathMatch.segmentPrefix("/")))
                                .forwardTo("u").build()),
                        List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), ORIGIN))));
                assertThat(RawHttp.status(RawHttp.exchange(gateway.port(), "POST /up?q=1 HTTP/1.1\r\nHost: a\r\n"
                        + "User-Agent: curl/8.5.0\r\nX-Forwarded-For: 198.51.100.9\r\nX-Request-Id: req-1\r\n"
                        + "Content-Length: 5\r\nConnection: close\r\n\r\nhello", 5000))).isEqualTo(200);
                assertThat(RawHttp.status(RawHttp.exchange(gateway.port(),
                        "GET /nowhere HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n", 5000))).isEqualTo(404);
            } finally {
                gateway.close();
            }
            List<String> lines = Files.readAllLines(log);
            assertThat(lines).hasSize(2);
            assertThat(lines.get(0)).matches("\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z] \"POST /up\\?q=1 HTTP/1.1\" "
                    + "200 - 5 \\d+ \\d+ \\d+ \"198\\.51\\.100\\.9\" \"curl/8\\.5\\.0\" \"req-1\" \"a\" \""
                    + java.util.regex.Pattern.quote(upstream.address()) + "\"");
            assertThat(lines.get(1)).matches("\\[[^]]+] \"GET /nowhere HTTP/1.1\" 404 NR 0 \\d+ \\d+ - \"-\" \"-\" "
                    + "\"[0-9a-f-]+\" \"b\" \"-\"");
        }
    }
}
