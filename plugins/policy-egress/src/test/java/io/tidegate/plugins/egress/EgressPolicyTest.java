package io.tidegate.plugins.egress;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import io.tidegate.spi.policy.RouteView;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The policy as the kernel calls it, through the spi views: denials with body, reason and metric; audit
 * mode; ingress traffic untouched; the resolved-address stage; SNI of passthrough connections.
 */
class EgressPolicyTest {

    private final TestContext context = new TestContext();

    private Policy policy(String yaml) {
        return new EgressPolicyFactory().create(TestContext.settings(yaml), context);
    }

    @Test
    void aDenialIs403WithAClearBodyAReasonAndAMetric() {
        Policy p = policy("allow: [{host: '*.example.com'}]");

        Decision d = p.evaluate(request("CONNECT", "evil.test:443", null, ListenerRole.EGRESS, null))
                .toCompletableFuture().join();

        assertThat(d).isInstanceOf(Decision.Deny.class);
        Decision.Deny deny = (Decision.Deny) d;
        assertThat(deny.status()).isEqualTo(403);
        assertThat(deny.body()).isEqualTo("403 Forbidden: egress to evil.test:443 is not allowed (not in the egress allowlist)");
        assertThat(deny.reason()).isEqualTo("egress not_allowed evil.test:443");
        assertThat(context.counter("tidegate_egress_denied_total", "egress", "not_allowed")).isEqualTo(1);
        assertThat(p.evaluate(request("GET", "www.example.com", null, ListenerRole.EGRESS, null))
                .toCompletableFuture().join()).isSameAs(Decision.ALLOW);
    }

    @Test
    void theResolvedAddressIsCheckedAndTheDenialSaysWhereTheNameWent() throws Exception {
        Policy p = policy("allow: [{host: '*.example.com'}]");
        RequestView r = request("GET", "www.example.com", null, ListenerRole.EGRESS, null);

        Decision d = p.onUpstreamAddress(r, new InetSocketAddress(InetAddress.getByName("169.254.169.254"), 80))
                .toCompletableFuture().join();

        assertThat(((Decision.Deny) d).reason()).isEqualTo("egress local_address www.example.com:80 -> 169.254.169.254");
        assertThat(((Decision.Deny) d).body()).contains("local or metadata address").doesNotContain("169.254");
        assertThat(p.onUpstreamAddress(r, new InetSocketAddress(InetAddress.getByName("203.0.113.10"), 80))
                .toCompletableFuture().join()).isSameAs(Decision.ALLOW);
    }

    @Test
    void auditModeLogsAndCountsWouldBeDenialsAndLetsThemPass() throws Exception {
        Policy p = policy("audit: true\nallow: [{host: api.example.com}]\ndeny: [{cidr: 192.168.0.0/16}]");

        Decision d = p.evaluate(request("GET", "other.test", null, ListenerRole.EGRESS, null)).toCompletableFuture().join();
        Decision a = p.onUpstreamAddress(request("GET", "api.example.com", null, ListenerRole.EGRESS, null),
                new InetSocketAddress(InetAddress.getByName("192.168.1.1"), 80)).toCompletableFuture().join();

        assertThat(d).isSameAs(Decision.ALLOW);
        assertThat(a).isSameAs(Decision.ALLOW);
        assertThat(context.counter("tidegate_egress_audit_total", "egress", "not_allowed")).isEqualTo(1);
        assertThat(context.counter("tidegate_egress_audit_total", "egress", "denied_address")).isEqualTo(1);
        assertThat(context.counter("tidegate_egress_denied_total", "egress", "not_allowed")).isZero();
    }

    @Test
    void trafficOnIngressListenersIsNotJudged() {
        Policy p = policy("mode: deny");
        assertThat(p.evaluate(request("GET", "app.example.com", null, ListenerRole.INGRESS, null))
                .toCompletableFuture().join()).isSameAs(Decision.ALLOW);
        assertThat(p.evaluate(request("GET", "app.example.com", null, ListenerRole.EGRESS, null))
                .toCompletableFuture().join()).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void anEgressRouteRequestIsCheckedByItsAuthority() {
        Policy p = policy("allow: [{host: partner.example.com, ports: [80]}]");
        RouteView route = new RouteView() {
            @Override
            public String name() {
                return "partner";
            }

            @Override
            public io.tidegate.spi.model.Provenance provenance() {
                return io.tidegate.spi.model.Provenance.of("file", "routes.yaml");
            }

            @Override
            public Map<String, String> metadata() {
                return Map.of();
            }
        };
        assertThat(p.evaluate(request("GET", "partner.example.com", route, ListenerRole.EGRESS, null))
                .toCompletableFuture().join()).isSameAs(Decision.ALLOW);
        assertThat(p.evaluate(request("GET", "partner.example.com:8080", route, ListenerRole.EGRESS, null))
                .toCompletableFuture().join()).isInstanceOf(Decision.Deny.class);
    }

    @Test
    void passthroughConnectionsAreJudgedBySni() {
        Policy p = policy("allow: [{sni: '*.payments.test', ports: [8443]}]");
        assertThat(p.onConnection(connection("passthrough", ListenerRole.EGRESS, "shop.payments.test", false))
                .toCompletableFuture().join()).isSameAs(Decision.ALLOW);
        Decision d = p.onConnection(connection("passthrough", ListenerRole.EGRESS, "evil.test", false))
                .toCompletableFuture().join();
        assertThat(((Decision.Deny) d).reason()).isEqualTo("egress not_allowed evil.test:8443");
        // Without SNI, or TLS terminated by the gateway, the connection is judged by its requests instead.
        assertThat(p.onConnection(connection("egress", ListenerRole.EGRESS, null, false))
                .toCompletableFuture().join()).isSameAs(Decision.ALLOW);
        assertThat(p.onConnection(connection("egress", ListenerRole.EGRESS, "evil.test", true))
                .toCompletableFuture().join()).isSameAs(Decision.ALLOW);
    }

    // ---- spi views as the kernel presents them ----------------------------------------------------

    private static RequestView request(String method, String authority, RouteView route, ListenerRole role,
                                       String sni) {
        ConnectionView c = connection(role == ListenerRole.EGRESS ? "egress" : "web", role, sni, false);
        boolean connect = method.equals("CONNECT");
        int colon = authority.lastIndexOf(':');
        String host = colon < 0 ? authority : authority.substring(0, colon);
        int port = colon < 0 ? 80 : Integer.parseInt(authority.substring(colon + 1));
        return new RequestView() {
            @Override
            public String method() {
                return method;
            }

            @Override
            public String scheme() {
                return "http";
            }

            @Override
            public String authority() {
                return authority;
            }

            @Override
            public String host() {
                return host;
            }

            @Override
            public int port() {
                return port;
            }

            @Override
            public String path() {
                return connect ? "" : "/";
            }

            @Override
            public String rawQuery() {
                return "";
            }

            @Override
            public String queryParam(String name) {
                return null;
            }

            @Override
            public String header(String name) {
                return null;
            }

            @Override
            public List<String> headers(String name) {
                return List.of();
            }

            @Override
            public List<Map.Entry<String, String>> headerEntries() {
                return List.of();
            }

            @Override
            public String requestId() {
                return "test";
            }

            @Override
            public boolean isProxyRequest() {
                return true;
            }

            @Override
            public RouteView route() {
                return route;
            }

            @Override
            public ConnectionView connection() {
                return c;
            }
        };
    }

    private static ConnectionView connection(String listener, ListenerRole role, String sni, boolean tls) {
        return new ConnectionView() {
            @Override
            public long id() {
                return 1;
            }

            @Override
            public InetSocketAddress remoteAddress() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
            }

            @Override
            public String listener() {
                return listener;
            }

            @Override
            public ListenerRole role() {
                return role;
            }

            @Override
            public boolean isTls() {
                return tls;
            }

            @Override
            public String serverName() {
                return sni;
            }

            @Override
            public List<X509Certificate> peerCertificates() {
                return List.of();
            }
        };
    }
}
