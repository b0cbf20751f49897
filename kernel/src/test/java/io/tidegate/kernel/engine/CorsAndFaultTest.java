package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.Timeouts;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** CORS answered at the gateway and injected faults, through the real engine to a real upstream. */
@ExtendWith(NoLeaks.class)
class CorsAndFaultTest {

    private static final Provenance ORIGIN = Provenance.of("test", "CorsAndFaultTest");

    static EngineHarness gateway;
    static TestUpstream upstream;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.start();
        upstream = TestUpstream.start("u");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    static void publish(Route.Builder route) throws InterruptedException {
        gateway.publish(Fragment.of(List.of(route.forwardTo("u").build()),
                List.of(Cluster.of("u", List.of(Endpoint.of("127.0.0.1", upstream.port())), ORIGIN))));
    }

    static Route.Builder route() {
        return Route.builder("r", ORIGIN.withRule("r"));
    }

    static CorsPolicy cors() {
        return new CorsPolicy(List.of(StringMatch.exact("https://app.example.com"),
                StringMatch.regex("https://[a-z]+\\.dev\\.example\\.com")), List.of("GET", "POST"),
                List.of("content-type", "x-token"), List.of("x-trace"), Duration.ofHours(1), true);
    }

    static HttpResponse<String> send(String method, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(gateway.uri("/api")).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            r.headers(headers);
        }
        return gateway.client().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAllowedOriginsPreflightIsAnsweredAtTheGateway() throws Exception {
        publish(route().cors(cors()));
        int before = upstream.requests();
        HttpResponse<String> r = send("OPTIONS", "Origin", "https://app.example.com",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "x-token");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("access-control-allow-origin")).hasValue("https://app.example.com");
        assertThat(r.headers().firstValue("access-control-allow-methods")).hasValue("GET,POST");
        assertThat(r.headers().firstValue("access-control-allow-headers")).hasValue("content-type,x-token");
        assertThat(r.headers().firstValue("access-control-max-age")).hasValue("3600");
        assertThat(r.headers().firstValue("access-control-allow-credentials")).hasValue("true");
        assertThat(r.headers().allValues("vary")).contains("origin");
        assertThat(upstream.requests()).as("a preflight is not forwarded").isEqualTo(before);
    }

    @Test
    void anotherOriginsPreflightGoesToTheUpstreamWithoutCorsHeaders() throws Exception {
        publish(route().cors(cors()));
        HttpResponse<String> r = send("OPTIONS", "Origin", "https://evil.example.net",
                "Access-Control-Request-Method", "POST");
        assertThat(r.body()).startsWith("u OPTIONS /api");
        assertThat(r.headers().firstValue("access-control-allow-origin")).isEmpty();
    }

    @Test
    void responsesToAllowedOriginsCarryTheAllowHeaders() throws Exception {
        publish(route().cors(cors()));
        HttpResponse<String> allowed = send("GET", "Origin", "https://team.dev.example.com");
        assertThat(allowed.body()).startsWith("u GET /api");
        assertThat(allowed.headers().firstValue("access-control-allow-origin"))
                .hasValue("https://team.dev.example.com"); // the regex matched the whole origin
        assertThat(allowed.headers().firstValue("access-control-expose-headers")).hasValue("x-trace");
        HttpResponse<String> other = send("GET", "Origin", "https://team.dev.example.com.evil.net");
        assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(send("GET").headers().firstValue("access-control-allow-origin")).isEmpty();
    }

    @Test
    void anAbortAnswersWithItsStatusAndNeverForwards() throws Exception {
        publish(route().fault(new FaultPolicy(null, 0, 418, 100)));
        int before = upstream.requests();
        HttpResponse<String> r = send("GET");
        assertThat(r.statusCode()).isEqualTo(418);
        assertThat(r.body()).isEqualTo("fault filter abort\n");
        assertThat(upstream.requests()).isEqualTo(before);
    }

    @Test
    void aDelayHoldsTheRequestThenForwardsIt() throws Exception {
        publish(route().fault(new FaultPolicy(Duration.ofMillis(300), 100, null, 0)));
        long start = System.nanoTime();
        HttpResponse<String> r = send("GET");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("u GET /api");
    }

    @Test
    void aDelayLongerThanTheRouteTimeoutEndsIn504() throws Exception {
        publish(route().fault(new FaultPolicy(Duration.ofSeconds(5), 100, null, 0))
                .timeouts(new Timeouts(Duration.ofMillis(200), null)));
        assertThat(send("GET").statusCode()).isEqualTo(504);
    }

    @Test
    void percentagesApplyToThatShareOfRequests() throws Exception {
        publish(route().fault(new FaultPolicy(null, 0, 503, 50)));
        int aborted = 0;
        for (int i = 0; i < 200; i++) {
            if (send("GET").statusCode() == 503) {
                aborted++;
            }
        }
        assertThat(aborted).isBetween(70, 130); // 50% of 200, binomial: 6 standard deviations wide
    }

    @Test
    void aFaultWithNothingToInjectIsRejectedAlone() throws Exception {
        publish(route().fault(new FaultPolicy(null, 0, null, 0)));
        assertThat(send("GET").statusCode()).isEqualTo(404); // the only route was left out
        assertThat(gateway.reconciler().sources().get(0).diagnostics())
                .anySatisfy(d -> assertThat(d.message()).contains("fault: neither a delay nor an abort"));
    }
}
