package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.HashPolicy;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.RequestView;
import io.tidegate.spi.policy.RouteView;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a consistent-hash cluster reads from a request, and session-affinity cookies. */
class AffinityTest {

    private static final Provenance ORIGIN = Provenance.of("test", "AffinityTest");

    static ClusterRuntime cluster(int endpoints, HashPolicy... policies) {
        List<Endpoint> list = IntStream.range(0, endpoints).mapToObj(i -> Endpoint.of("10.0.0." + i, 80)).toList();
        Cluster spec = new Cluster("svc", list, Cluster.Resolution.STATIC, Cluster.UpstreamProtocol.HTTP1,
                new LoadBalancer(LoadBalancer.Policy.RING_HASH, List.of(policies)), null, null,
                ConnectionLimits.UNLIMITED, null, null, null, ORIGIN);
        return new ClusterRuntime(spec, Duration.ofSeconds(1), Duration.ofSeconds(1));
    }

    @ParameterizedTest(name = "Cookie: {0} -> {1}={2}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "sid=abc                    | sid  | abc",
            "a=1; sid=abc; b=2          | sid  | abc",
            "a=1;sid=abc                | sid  | abc",
            "sid = abc                  | sid  | abc",
            "sid=\"abc\"                | sid  | abc",
            "xsid=abc; sidx=def         | sid  | NULL",
            "sid=                       | sid  | ''",
            "novalue; sid=abc           | sid  | abc",
    })
    void cookieValuesAreReadAsRfc6265Says(String header, String name, String expected) {
        assertThat(HashKeys.cookie(new Request(Map.of("cookie", List.of(header)), null, null), name))
                .isEqualTo(expected == null ? null : expected.replace("''", ""));
    }

    @Test
    void aCookieInALaterCookieHeaderIsFound() {
        assertThat(HashKeys.cookie(new Request(Map.of("cookie", List.of("a=1", "sid=z")), null, null), "sid"))
                .isEqualTo("z");
    }

    @Test
    void theFirstPolicyThatYieldsAValueIsHashed() {
        HashKeys keys = new HashKeys(List.of(new HashPolicy(HashPolicy.Kind.HEADER, "x-user", null, null),
                new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, "u", null, null),
                new HashPolicy(HashPolicy.Kind.SOURCE_IP, null, null, null)));
        assertThat(keys.key(new Request(Map.of("x-user", List.of("alice")), Map.of("u", "bob"), "192.0.2.1")))
                .isEqualTo("alice");
        assertThat(keys.key(new Request(Map.of(), Map.of("u", "bob"), "192.0.2.1"))).isEqualTo("bob");
        assertThat(keys.key(new Request(Map.of(), Map.of(), "192.0.2.1"))).isEqualTo("192.0.2.1");
        assertThat(new HashKeys(List.of(new HashPolicy(HashPolicy.Kind.HEADER, "x-user", null, null)))
                .key(new Request(Map.of(), Map.of(), "192.0.2.1"))).isNull();
    }

    @Test
    void equalKeysGoToOneEndpointAndDifferentKeysSpread() {
        ClusterRuntime c = cluster(5, new HashPolicy(HashPolicy.Kind.HEADER, "x-user", null, null));
        List<Integer> picks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            int first = c.pick(new Request(Map.of("x-user", List.of("user-" + i)), Map.of(), "192.0.2.1"));
            assertThat(c.pick(new Request(Map.of("x-user", List.of("user-" + i)), Map.of(), "192.0.2.9")))
                    .isEqualTo(first);
            picks.add(first);
        }
        assertThat(picks.stream().distinct().count()).isGreaterThanOrEqualTo(4);
        assertThat(c.affinityCookie(new Request(Map.of(), Map.of(), "192.0.2.1"), 0)).isNull(); // no affinity policy
    }

    @Test
    void affinityCookieIsSetOnceAndThenPinsTheEndpointEvenWhenOthersJoin() {
        HashPolicy sticky = new HashPolicy(HashPolicy.Kind.COOKIE, "route", Duration.ofHours(1), "/app");
        ClusterRuntime three = cluster(3, sticky);
        Request fresh = new Request(Map.of(), Map.of(), "192.0.2.1");
        int index = three.pick(fresh);
        String setCookie = three.affinityCookie(fresh, index);
        assertThat(setCookie).startsWith("route=").contains("; Path=/app; Max-Age=3600; HttpOnly")
                .doesNotContain("10.0.0."); // the cookie names the endpoint by digest, not by address
        String value = setCookie.substring("route=".length(), setCookie.indexOf(';'));

        Request returning = new Request(Map.of("cookie", List.of("route=" + value)), Map.of(), "192.0.2.7");
        for (int i = 0; i < 20; i++) {
            assertThat(three.pick(returning)).isEqualTo(index);
        }
        assertThat(three.affinityCookie(returning, index)).isNull(); // already bound: no new cookie

        // Seven more endpoints join: the client stays where it was (nginx's sticky behaviour).
        ClusterRuntime ten = cluster(10, sticky);
        assertThat(ten.endpoint(ten.pick(returning)).address()).isEqualTo(three.endpoint(index).address());

        // A stale or forged value is hashed like any key, and replaced by a valid cookie.
        Request stale = new Request(Map.of("cookie", List.of("route=0000")), Map.of(), "192.0.2.7");
        int picked = three.pick(stale);
        assertThat(three.pick(stale)).isEqualTo(picked);
        assertThat(three.affinityCookie(stale, picked)).startsWith("route=");
    }

    @Test
    void aZeroTtlMakesASessionCookie() {
        ClusterRuntime c = cluster(2, new HashPolicy(HashPolicy.Kind.COOKIE, "s", Duration.ZERO, null));
        Request fresh = new Request(Map.of(), Map.of(), "192.0.2.1");
        assertThat(c.affinityCookie(fresh, c.pick(fresh))).doesNotContain("Max-Age").contains("; Path=/;");
    }

    /** A request head as a policy or balancer sees it. */
    record Request(Map<String, List<String>> headerMap, Map<String, String> query, String ip) implements RequestView {
        public String method() { return "GET"; }
        public String scheme() { return "http"; }
        public String authority() { return "example.com"; }
        public String host() { return "example.com"; }
        public int port() { return 80; }
        public String path() { return "/"; }
        public String rawQuery() { return ""; }
        public String queryParam(String name) { return query == null ? null : query.get(name); }
        public String header(String name) { List<String> v = headers(name); return v.isEmpty() ? null : v.get(0); }
        public List<String> headers(String name) { return headerMap.getOrDefault(name.toLowerCase(), List.of()); }
        public List<Map.Entry<String, String>> headerEntries() { return List.of(); }
        public String requestId() { return "r"; }
        public boolean isProxyRequest() { return false; }
        public RouteView route() { return null; }
        public ConnectionView connection() {
            return new ConnectionView() {
                public long id() { return 1; }
                public InetSocketAddress remoteAddress() { return new InetSocketAddress(ip, 40000); }
                public String listener() { return "web"; }
                public ListenerRole role() { return ListenerRole.INGRESS; }
                public boolean isTls() { return false; }
                public String serverName() { return null; }
                public List<X509Certificate> peerCertificates() { return List.of(); }
            };
        }
    }
}
