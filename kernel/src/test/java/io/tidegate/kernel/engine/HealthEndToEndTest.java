package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HealthCheck;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.OutlierDetection;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Active health checks and outlier detection through the real engine, against real upstreams. */
@ExtendWith(NoLeaks.class)
class HealthEndToEndTest {

    private static final Provenance ORIGIN = Provenance.of("test", "HealthEndToEndTest");

    EngineHarness gateway;
    TestUpstream good;
    TestUpstream flaky;

    @BeforeEach
    void start() throws Exception {
        gateway = EngineHarness.start();
        good = TestUpstream.start("good");
        flaky = TestUpstream.start("flaky");
    }

    @AfterEach
    void stop() {
        gateway.close();
        good.close();
        flaky.close();
    }

    void publish(OutlierDetection od, HealthCheck hc) throws InterruptedException {
        Cluster cluster = new Cluster("svc", List.of(Endpoint.of("127.0.0.1", good.port()),
                Endpoint.of("127.0.0.1", flaky.port())), Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1,
                LoadBalancer.ROUND_ROBIN, null, null, ConnectionLimits.UNLIMITED, od, hc, null, ORIGIN.withRule("svc"));
        gateway.publish(Fragment.of(List.of(Route.builder("all", ORIGIN.withRule("all")).forwardTo("svc").build()),
                List.of(cluster)));
    }

    Map<String, Integer> answers(int requests) throws Exception {
        Map<String, Integer> byUpstreamAndStatus = new HashMap<>();
        for (int i = 0; i < requests; i++) {
            HttpResponse<String> r = gateway.client().send(HttpRequest.newBuilder(gateway.uri("/work"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            byUpstreamAndStatus.merge(r.headers().firstValue("x-upstream").orElse("-") + " " + r.statusCode(), 1,
                    Integer::sum);
        }
        return byUpstreamAndStatus;
    }

    /** Waits until the engine has answered {@code n} health checks of a result: an event, not a sleep. */
    void awaitChecks(String result, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (checks(result) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + atLeast + " " + result + " checks: "
                        + gateway.metrics().scrape());
            }
            Thread.sleep(5); // polls a counter the event loops update; the condition is what we wait for
        }
    }

    double checks(String result) {
        return gateway.metrics().scrape().lines()
                .filter(l -> l.startsWith("tidegate_health_checks_total{") && l.contains("result=\"" + result + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void anEndpointFailingItsChecksGetsNoTrafficUntilItPassesAgain() throws Exception {
        publish(null, new HealthCheck(HealthCheck.Kind.HTTP, "/healthz", null, Set.of(), Duration.ofMillis(50),
                Duration.ofSeconds(1), 2, 2));
        awaitChecks("success", 4);
        assertThat(answers(10)).containsEntry("good 200", 5).containsEntry("flaky 200", 5);

        flaky.failWith(503);
        double failuresBefore = checks("failure");
        awaitChecks("failure", (long) failuresBefore + 2); // two failures in a row: out
        assertThat(answers(10)).containsExactlyEntriesOf(Map.of("good 200", 10));
        assertThat(gateway.metrics().scrape())
                .contains("tidegate_health_transitions_total{cluster=\"svc\",state=\"unhealthy\"} 1");

        flaky.failWith(0);
        double successesBefore = checks("success");
        awaitChecks("success", (long) successesBefore + 4); // both endpoints checked twice more: back
        assertThat(answers(10)).containsEntry("good 200", 5).containsEntry("flaky 200", 5);
        assertThat(flaky.connections()).isGreaterThan(4); // checks use fresh connections: Connection: close
    }

    @Test
    void consecutiveServerErrorsEjectTheEndpointAndItsTrafficMovesOver() throws Exception {
        publish(new OutlierDetection(3, 0, Duration.ofSeconds(10), Duration.ofSeconds(30), 50), null);
        flaky.failWith(500);
        Map<String, Integer> first = answers(6); // round robin: three 500s from flaky, then it is ejected
        assertThat(first).containsEntry("flaky 500", 3).containsEntry("good 200", 3);
        assertThat(answers(20)).containsExactlyEntriesOf(Map.of("good 200", 20));
        assertThat(gateway.metrics().scrape()).contains("tidegate_outlier_ejections_total{cluster=\"svc\"} 1");
    }

    @Test
    void connectFailuresCountAsGatewayErrors() throws Exception {
        publish(new OutlierDetection(0, 2, Duration.ofSeconds(10), Duration.ofSeconds(30), 50), null);
        flaky.close(); // nothing listens there any more: connect refused
        Map<String, Integer> first = answers(4);
        assertThat(first).containsEntry("- 502", 2).containsEntry("good 200", 2);
        assertThat(answers(10)).containsExactlyEntriesOf(Map.of("good 200", 10));
    }
}
