package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.TracingConfig;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestOtlpCollector;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteMatch;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * W3C trace context through the real engine, with spans exported over OTLP/HTTP to
 * {@link TestOtlpCollector} (standing in for the OpenTelemetry Collector's OTLP/HTTP receiver) and a real
 * upstream that records the {@code traceparent} it was sent.
 */
@ExtendWith(NoLeaks.class)
class TracingEndToEndTest {

    private static final Provenance ORIGIN = Provenance.of("test", "TracingEndToEndTest");
    /** The W3C spec's example: trace 4bf92f35..., parent 00f067aa0ba902b7, sampled. */
    private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String PARENT = "00f067aa0ba902b7";
    private static final String SAMPLED = "00-" + TRACE_ID + "-" + PARENT + "-01";

    private static TracingConfig tracing(URI endpoint, int batchSize, Duration interval, int queueSize) {
        return new TracingConfig(true, "edge-gateway", TracingConfig.Sampler.PARENT_BASED, 1.0,
                new TracingConfig.Otlp(endpoint, Map.of("x-api-key", "secret"), Duration.ofSeconds(2), batchSize,
                        interval, queueSize));
    }

    private static TracingConfig tracing(URI endpoint) {
        return tracing(endpoint, 1, Duration.ofMillis(50), 64);
    }

    private static void routeTo(EngineHarness gateway, TestUpstream upstream) throws InterruptedException {
        gateway.publish(Fragment.of(List.of(Route.builder("r", ORIGIN.withRule("r"))
                        .match(RouteMatch.hostsAndPath(List.of("a"), PathMatch.segmentPrefix("/"))).forwardTo("u")
                        .build()),
                List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), ORIGIN))));
    }

    private static String get(EngineHarness gateway, String path, String... headers) throws Exception {
        StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: a\r\nConnection: close\r\n");
        for (String h : headers) {
            request.append(h).append("\r\n");
        }
        return RawHttp.exchange(gateway.port(), request.append("\r\n").toString(), 5000);
    }

    @Test
    void continuesTheCallersTraceAndExportsTheServerSpan() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start();
             TestUpstream upstream = TestUpstream.start("u");
             EngineHarness gateway = EngineHarness.start(tracing(collector.endpoint()), null)) {
            routeTo(gateway, upstream);

            String response = get(gateway, "/hello?x=1", "traceparent: " + SAMPLED,
                    "tracestate: congo=t61rcWkgMzE", "tracestate: rojo=00f067aa0ba902b7");
            assertThat(RawHttp.status(response)).isEqualTo(200);

            TestUpstream.Seen seen = upstream.nextSeen();
            TraceParent forwarded = TraceParent.parse(seen.header("traceparent"));
            assertThat(forwarded.traceId()).isEqualTo(TRACE_ID); // the same trace
            assertThat(forwarded.parentId()).isNotEqualTo(PARENT); // with the gateway's span as the parent
            assertThat(forwarded.flags()).isEqualTo("01");
            assertThat(seen.header("tracestate")).isEqualTo("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");

            TestOtlpCollector.Request export = collector.nextRequest();
            assertThat(export.contentType()).isEqualTo("application/x-protobuf");
            assertThat(export.headers()).containsEntry("x-api-key", "secret");
            assertThat(export.spans()).hasSize(1);
            TestOtlpCollector.Span span = export.spans().get(0);
            assertThat(span.traceId()).isEqualTo(TRACE_ID);
            assertThat(span.parentSpanId()).isEqualTo(PARENT); // the caller's span
            assertThat(span.spanId()).isEqualTo(forwarded.parentId()); // what the upstream was told
            assertThat(span.traceState()).isEqualTo("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
            assertThat(span.name()).isEqualTo("GET r");
            assertThat(span.kind()).isEqualTo(2); // SPAN_KIND_SERVER
            assertThat(span.statusCode()).isZero(); // UNSET
            assertThat(span.endNanos()).isGreaterThanOrEqualTo(span.startNanos());
            assertThat(span.startNanos()).isGreaterThan(1_700_000_000_000_000_000L); // epoch nanoseconds
            assertThat(span.flags() & 0x3ff).isEqualTo(0x301); // sampled, with a remote parent
            assertThat(span.resource()).containsEntry("service.name", "edge-gateway");
            assertThat(span.scope()).isEqualTo("io.tidegate");
            assertThat(span.attributes())
                    .containsEntry("http.request.method", "GET")
                    .containsEntry("url.path", "/hello")
                    .containsEntry("url.query", "x=1")
                    .containsEntry("url.scheme", "http")
                    .containsEntry("http.response.status_code", 200L)
                    .containsEntry("server.address", "a")
                    .containsEntry("client.address", "127.0.0.1")
                    .containsEntry("network.protocol.version", "1.1")
                    .containsEntry("tidegate.route", "r")
                    .containsEntry("tidegate.cluster", "u")
                    .containsEntry("upstream.address", upstream.address());
        }
    }

    @Test
    void startsANewTraceWhenThereIsNoneOrItIsInvalid() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start();
             TestUpstream upstream = TestUpstream.start("u");
             EngineHarness gateway = EngineHarness.start(tracing(collector.endpoint()), null)) {
            routeTo(gateway, upstream);

            get(gateway, "/none");
            TraceParent fresh = TraceParent.parse(upstream.nextSeen().header("traceparent"));
            assertThat(fresh).isNotNull();
            assertThat(fresh.flags()).isEqualTo("01"); // ratio 1: new traces are sampled
            TestOtlpCollector.Span root = collector.nextSpan();
            assertThat(root.traceId()).isEqualTo(fresh.traceId());
            assertThat(root.spanId()).isEqualTo(fresh.parentId());
            assertThat(root.parentSpanId()).isNull(); // a root span
            assertThat(root.flags() & 0x3ff).isEqualTo(0x101); // sampled, parent not remote

            // Upper-case hex is invalid (W3C Trace Context 3.2.2.3): a new trace, and its tracestate is not carried.
            get(gateway, "/invalid", "traceparent: 00-" + TRACE_ID.toUpperCase() + "-" + PARENT + "-01",
                    "tracestate: congo=t61rcWkgMzE");
            TestUpstream.Seen seen = upstream.nextSeen();
            TraceParent replaced = TraceParent.parse(seen.header("traceparent"));
            assertThat(replaced.traceId()).isNotEqualTo(TRACE_ID.toLowerCase()).isNotEqualTo(fresh.traceId());
            assertThat(seen.header("tracestate")).isNull();
            TestOtlpCollector.Span restarted = collector.nextSpan();
            assertThat(restarted.traceId()).isEqualTo(replaced.traceId());
            assertThat(restarted.parentSpanId()).isNull();
            assertThat(restarted.traceState()).isNull();
        }
    }

    @Test
    void unsampledTracesArePropagatedButNotExported() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start();
             TestUpstream upstream = TestUpstream.start("u");
             EngineHarness gateway = EngineHarness.start(tracing(collector.endpoint()), null)) {
            routeTo(gateway, upstream);

            get(gateway, "/unsampled", "traceparent: 00-" + TRACE_ID + "-" + PARENT + "-00");
            TraceParent forwarded = TraceParent.parse(upstream.nextSeen().header("traceparent"));
            assertThat(forwarded.traceId()).isEqualTo(TRACE_ID);
            assertThat(forwarded.flags()).isEqualTo("00"); // the caller's decision is honoured downstream too

            String sampledTrace = "0af7651916cd43dd8448eb211c80319c";
            get(gateway, "/sampled", "traceparent: 00-" + sampledTrace + "-b7ad6b7169203331-01");
            upstream.nextSeen();
            // Spans are exported in the order exchanges end: had the first been exported, it would come first.
            TestOtlpCollector.Span first = collector.nextSpan();
            assertThat(first.traceId()).isEqualTo(sampledTrace);
            assertThat(first.attributes()).containsEntry("url.path", "/sampled");
        }
    }

    @Test
    void gatewayErrorsAndUnroutedRequestsAreSpansToo() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start();
             TestUpstream upstream = TestUpstream.start("u");
             EngineHarness gateway = EngineHarness.start(tracing(collector.endpoint()), null)) {
            routeTo(gateway, upstream);

            assertThat(RawHttp.status(get(gateway, "/status/503", "traceparent: " + SAMPLED))).isEqualTo(503);
            TestOtlpCollector.Span failed = collector.nextSpan();
            assertThat(failed.statusCode()).isEqualTo(2); // STATUS_CODE_ERROR for a 5xx
            assertThat(failed.attributes()).containsEntry("http.response.status_code", 503L);

            String notFound = RawHttp.exchange(gateway.port(),
                    "GET /x HTTP/1.1\r\nHost: elsewhere\r\nConnection: close\r\ntraceparent: " + SAMPLED + "\r\n\r\n", 5000);
            assertThat(RawHttp.status(notFound)).isEqualTo(404);
            TestOtlpCollector.Span unrouted = collector.nextSpan();
            assertThat(unrouted.name()).isEqualTo("GET");
            assertThat(unrouted.statusCode()).isZero(); // a 4xx is the client's error, not the server's
            assertThat(unrouted.attributes()).containsEntry("tidegate.response_flags", "NR")
                    .doesNotContainKey("tidegate.route");
        }
    }

    @Test
    void spansAreBatchedBySizeAndRetriedWhenTheCollectorIsBusy() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start();
             TestUpstream upstream = TestUpstream.start("u")) {
            EngineHarness gateway = EngineHarness.start(tracing(collector.endpoint(), 3, Duration.ofMinutes(5), 64),
                    null);
            try {
                routeTo(gateway, upstream);
                collector.answerNext(503, 429); // busy twice, then accepted

                for (int i = 0; i < 3; i++) {
                    assertThat(RawHttp.status(get(gateway, "/batch/" + i, "traceparent: " + SAMPLED))).isEqualTo(200);
                }
                // A full batch goes out at once (the interval is five minutes), as one request of three spans.
                TestOtlpCollector.Request export = collector.nextRequest();
                assertThat(export.spans()).extracting(s -> s.attributes().get("url.path"))
                        .containsExactly("/batch/0", "/batch/1", "/batch/2");
                assertThat(collector.posts()).isEqualTo(3);
            } finally {
                gateway.close(); // joins the exporter: it has counted the accepted batch
            }
            assertThat(gateway.metrics().scrape()).contains("tidegate_tracing_export_retries_total 2\n")
                    .contains("tidegate_tracing_spans_exported_total 3\n");
        }
    }

    @Test
    void shutdownFlushesQueuedSpans() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start();
             TestUpstream upstream = TestUpstream.start("u")) {
            EngineHarness gateway = EngineHarness.start(tracing(collector.endpoint(), 100, Duration.ofMinutes(5), 200),
                    null);
            routeTo(gateway, upstream);
            get(gateway, "/last", "traceparent: " + SAMPLED);
            assertThat(collector.posts()).isZero(); // neither a full batch nor the interval yet
            gateway.close(); // the engine closes after draining: queued spans are sent
            assertThat(collector.nextSpan().attributes()).containsEntry("url.path", "/last");
        }
    }

    @Test
    void aCollectorThatIsDownChangesNothingForRequestsAndDropsAreCounted() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort(); // nothing listens here once it is closed
        }
        URI down = URI.create("http://127.0.0.1:" + closedPort + "/v1/traces");
        int requests = 20;
        String metrics;
        try (TestUpstream upstream = TestUpstream.start("u")) {
            EngineHarness gateway = EngineHarness.start(tracing(down, 2, Duration.ofMillis(10), 4), null);
            try {
                routeTo(gateway, upstream);
                for (int i = 0; i < requests; i++) {
                    assertThat(RawHttp.status(get(gateway, "/d", "traceparent: " + SAMPLED))).isEqualTo(200);
                }
            } finally {
                gateway.close(); // flushes: what is still queued fails to export too
            }
            metrics = gateway.metrics().scrape();
        }
        long queueFull = value(metrics, "tidegate_tracing_spans_dropped_total{reason=\"queue_full\"}");
        long failed = value(metrics, "tidegate_tracing_spans_dropped_total{reason=\"export_failed\"}");
        assertThat(failed).isPositive();
        assertThat(queueFull + failed).isEqualTo(requests); // every span is accounted for
        assertThat(value(metrics, "tidegate_tracing_spans_exported_total")).isZero();
    }

    @Test
    void theAccessLogCarriesTheTraceId(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("access.log");
        try (TestUpstream upstream = TestUpstream.start("u")) {
            EngineHarness gateway = EngineHarness.start(
                    new TracingConfig(true, "gw", TracingConfig.Sampler.PARENT_BASED, 1.0, null),
                    new GatewayConfig.AccessLogConfig(true, log.toString(), "json"));
            try {
                routeTo(gateway, upstream);
                get(gateway, "/logged", "traceparent: " + SAMPLED);
                upstream.nextSeen();
            } finally {
                gateway.close(); // the access log flushes on close
            }
        }
        assertThat(Files.readString(log)).contains(",\"trace_id\":\"" + TRACE_ID + "\",");
    }

    @Test
    void anHttp2StreamIsASpanOfItsOwn() throws Exception {
        try (TestOtlpCollector collector = TestOtlpCollector.start();
             TestUpstream upstream = TestUpstream.start("u");
             EngineHarness gateway = EngineHarness.start(tracing(collector.endpoint()), null);
             io.tidegate.kernel.testing.H2Client h2 = io.tidegate.kernel.testing.H2Client.h2c(gateway.port())) {
            routeTo(gateway, upstream);
            io.tidegate.kernel.testing.H2Client.Response r = h2.open().headers(
                    io.tidegate.kernel.testing.H2Client.request("GET", "a", "/h2").add("traceparent", SAMPLED), true)
                    .response();
            assertThat(r.status()).isEqualTo("200");
            TraceParent forwarded = TraceParent.parse(upstream.nextSeen().header("traceparent"));
            TestOtlpCollector.Span span = collector.nextSpan();
            assertThat(span.traceId()).isEqualTo(TRACE_ID).isEqualTo(forwarded.traceId());
            assertThat(span.spanId()).isEqualTo(forwarded.parentId());
            assertThat(span.attributes()).containsEntry("network.protocol.version", "2")
                    .containsEntry("url.path", "/h2");
        }
    }

    @Test
    void withoutTracingTheHeadersPassThroughUntouched() throws Exception {
        try (TestUpstream upstream = TestUpstream.start("u"); EngineHarness gateway = EngineHarness.start()) {
            routeTo(gateway, upstream);
            get(gateway, "/plain", "traceparent: " + SAMPLED, "tracestate: congo=t61rcWkgMzE");
            TestUpstream.Seen seen = upstream.nextSeen();
            assertThat(seen.header("traceparent")).isEqualTo(SAMPLED);
            assertThat(seen.header("tracestate")).isEqualTo("congo=t61rcWkgMzE");
        }
    }

    private static long value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).map(l -> l.substring(series.length() + 1))
                .mapToLong(Long::parseLong).findFirst().orElse(0);
    }

    /** The test's reading of a traceparent, independent of the gateway's parser. */
    private record TraceParent(String traceId, String parentId, String flags) {
        static TraceParent parse(String header) {
            if (header == null || !header.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")) {
                return null;
            }
            String[] parts = header.split("-");
            return new TraceParent(parts[1], parts[2], parts[3]);
        }
    }
}
