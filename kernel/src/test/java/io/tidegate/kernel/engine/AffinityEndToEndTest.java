package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.SocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Consistent hashing and cookie session affinity through the real engine, to three real upstreams. */
@ExtendWith(NoLeaks.class)
class AffinityEndToEndTest {

    private static final Provenance ORIGIN = Provenance.of("test", "AffinityEndToEndTest");

    static EngineHarness gateway;
    static List<TestUpstream> upstreams;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.start();
        upstreams = List.of(TestUpstream.start("u0"), TestUpstream.start("u1"), TestUpstream.start("u2"));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstreams.forEach(TestUpstream::close);
    }

    static void publish(LoadBalancer.Policy policy, HashPolicy... hashOn) throws InterruptedException {
        List<Endpoint> endpoints = upstreams.stream()
                .map(u -> Endpoint.of("127.0.0.1", u.port())).toList();
        Cluster cluster = new Cluster("svc", endpoints, Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1,
                new LoadBalancer(policy, List.of(hashOn)), null, null, ConnectionLimits.UNLIMITED, null, null, null,
                ORIGIN.withRule("svc"));
        gateway.publish(Fragment.of(List.of(Route.builder("all", ORIGIN.withRule("all")).forwardTo("svc").build()),
                List.of(cluster)));
    }

    static HttpResponse<String> get(String header, String value) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(gateway.uri("/")).timeout(Duration.ofSeconds(10));
        if (header != null) {
            r.header(header, value);
        }
        return gateway.client().send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String upstream(HttpResponse<String> response) {
        return response.headers().firstValue("x-upstream").orElseThrow();
    }

    @Test
    void eachUserStaysOnOneUpstreamWithMaglevAndRingHash() throws Exception {
        for (LoadBalancer.Policy policy : List.of(LoadBalancer.Policy.MAGLEV, LoadBalancer.Policy.RING_HASH)) {
            publish(policy, new HashPolicy(HashPolicy.Kind.HEADER, "x-user", null, null));
            Set<String> used = new HashSet<>();
            for (int user = 0; user < 30; user++) {
                String first = upstream(get("x-user", "user-" + user));
                for (int again = 0; again < 3; again++) {
                    assertThat(upstream(get("x-user", "user-" + user))).as(policy + " user-" + user).isEqualTo(first);
                }
                used.add(first);
            }
            assertThat(used).as(policy + ": 30 users spread over the upstreams").hasSize(3);
        }
    }

    @Test
    void aGeneratedCookieBindsTheClientToItsUpstream() throws Exception {
        publish(LoadBalancer.Policy.RING_HASH,
                new HashPolicy(HashPolicy.Kind.COOKIE, "tg-affinity", Duration.ofMinutes(30), null));
        HttpResponse<String> first = get(null, null);
        String setCookie = first.headers().firstValue("set-cookie").orElseThrow();
        assertThat(setCookie).startsWith("tg-affinity=").contains("Max-Age=1800").contains("Path=/");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String bound = upstream(first);
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> next = get("Cookie", cookie);
            assertThat(upstream(next)).isEqualTo(bound);
            assertThat(next.headers().firstValue("set-cookie")).isEmpty();
        }
        // Clients without the cookie are spread (each gets its own cookie).
        Set<String> fresh = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            fresh.add(upstream(get(null, null)));
        }
        assertThat(fresh).hasSize(3);
    }

    @Test
    void hashSettingsThatCannotWorkRejectTheClusterAlone() throws Exception {
        publish(LoadBalancer.Policy.ROUND_ROBIN, new HashPolicy(HashPolicy.Kind.HEADER, "x-user", null, null));
        assertThat(get(null, null).statusCode()).isEqualTo(503); // the route stays; its cluster was rejected
        assertThat(gateway.reconciler().sources().get(0).diagnostics())
                .anySatisfy(d -> assertThat(d.field()).isEqualTo("loadBalancer.hashPolicies"))
                .anySatisfy(d -> assertThat(d.message()).contains("need a consistent-hash balancer"));
        publish(LoadBalancer.Policy.MAGLEV, new HashPolicy(HashPolicy.Kind.COOKIE, "", null, null));
        assertThat(gateway.reconciler().sources().get(0).diagnostics())
                .anySatisfy(d -> assertThat(d.message()).contains("COOKIE hash policy without a name"));
    }
}
