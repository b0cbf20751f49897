package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.kernel.plugin.KernelPluginContext;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.SocketAddress;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The compiler's L4 rules: which TCP routes each tcp and tls-passthrough listener serves, and the diagnostics. */
class L4CompilerTest {

    static final Provenance P = Provenance.of("file", "routes.yaml");

    static Listener listener(String name, ListenerProtocol protocol) {
        return new Listener(name, new SocketAddress("127.0.0.1", 0), protocol, ListenerRole.INGRESS, null, List.of());
    }

    static final List<GatewayConfig.ListenerConfig> LISTENERS = List.of(
            GatewayConfig.ListenerConfig.layer4(listener("db", ListenerProtocol.TCP),
                    new GatewayConfig.L4(Duration.ofMinutes(7), Duration.ofSeconds(5), 65536)),
            GatewayConfig.ListenerConfig.layer4(listener("edge", ListenerProtocol.TLS_PASSTHROUGH),
                    GatewayConfig.L4.DEFAULTS),
            new GatewayConfig.ListenerConfig(listener("web", ListenerProtocol.HTTP), Duration.ofSeconds(30), 8192,
                    16384, 0));

    static TcpRoute tcp(String name, Set<String> listeners, List<String> sni, String cluster, Duration idle) {
        return new TcpRoute(name, listeners, sni, List.of(WeightedCluster.of(cluster, 1)), idle,
                new Provenance("file", "routes.yaml", "tcpRoutes." + name));
    }

    static ConfigCompiler.Result compile(Fragment f) {
        KernelPluginContext ctx = new KernelPluginContext(new MetricsRegistry(), List.of(), Path.of("."),
                Clock.systemUTC());
        ConfigCompiler compiler = new ConfigCompiler(LISTENERS, List.of(), EngineHarness.defaults(),
                new PolicyRegistry(Map.of(), ctx));
        return compiler.compile(List.of(new ConfigCompiler.SourceFragment("file", f)), CompiledConfig.EMPTY, 1);
    }

    static List<String> names(L4Table t) {
        return t.routes().stream().map(CompiledTcpRoute::name).toList();
    }

    @Test
    void eachBadRouteIsLeftOutAloneAndReportedOnItsField() {
        Cluster pg = Cluster.of("pg", List.of(Endpoint.of("127.0.0.1", 5432)), P);
        Fragment f = new Fragment(
                List.of(Route.builder("http-on-db", P).listeners(Set.of("db")).forwardTo("pg").build()),
                List.of(tcp("everywhere", Set.of(), List.of(), "pg", null),
                        tcp("bad-sni", Set.of(), List.of("ok.example", "a*.example.com"), "pg", null),
                        tcp("on-web", Set.of("web"), List.of(), "pg", null),
                        tcp("on-nothing", Set.of("nope"), List.of(), "pg", null),
                        tcp("zero-idle", Set.of(), List.of(), "pg", Duration.ZERO),
                        tcp("ghost", Set.of("edge"), List.of("ghost.example"), "ghost", Duration.ofSeconds(9)),
                        tcp("sni-on-tcp", Set.of("db"), List.of("x.example"), "pg", null)),
                List.of(pg), List.of(), List.of());
        ConfigCompiler.Result r = compile(f);

        assertThat(names(r.config().l4Table("db"))).containsExactly("everywhere", "sni-on-tcp");
        assertThat(names(r.config().l4Table("edge"))).as("a route to an undefined cluster stays, as HTTP routes do")
                .containsExactly("everywhere", "ghost");
        assertThat(r.config().l4().routes()).extracting(CompiledTcpRoute::name)
                .containsExactly("everywhere", "ghost", "sni-on-tcp");
        assertThat(r.config().table("db").routes()).as("no HTTP route on a tcp listener").isEmpty();

        List<Diagnostic> d = r.diagnostics().get("file");
        assertThat(d).extracting(x -> x.object().rule() + " " + x.field() + ": " + x.message()).contains(
                "tcpRoutes.bad-sni sniHosts[1]: \"a*.example.com\" (expected: * only as the whole first label, as in "
                        + "*.example.com); tcp route 'bad-sni' rejected",
                "tcpRoutes.on-web listeners: listener 'web' is http, not tcp or tls-passthrough (expected one of: db, "
                        + "edge); tcp route 'on-web' rejected",
                "tcpRoutes.on-nothing listeners: no listener named 'nope' in tidegate.yaml (expected one of: db, edge); "
                        + "tcp route 'on-nothing' rejected",
                "tcpRoutes.zero-idle idleTimeout: PT0S (expected: > 0); tcp route 'zero-idle' rejected",
                "tcpRoutes.ghost clusters[0].cluster: cluster 'ghost' is not defined by any source; connections sent "
                        + "there are closed",
                "tcpRoutes.sni-on-tcp sniHosts: listener 'db' is tcp: it reads no SNI, so tcp route 'sni-on-tcp' never "
                        + "matches there");
        assertThat(d).filteredOn(x -> x.field().equals("listeners") && x.message().contains("http-on-db")).singleElement()
                .satisfies(x -> assertThat(x.message()).contains("listener 'db' relays bytes"));
        assertThat(d).noneMatch(x -> x.message().contains("not served"));
    }

    @Test
    void upstreamTlsIsOriginatedOnTcpListenersAndReportedAsNotOriginatedOnPassthroughOnes() {
        Cluster tls = new Cluster("db-tls", List.of(Endpoint.of("127.0.0.1", 6380)), Cluster.Resolution.STATIC,
                Cluster.UpstreamProtocol.HTTP1, io.tidegate.spi.model.LoadBalancer.ROUND_ROBIN, null, null,
                io.tidegate.spi.model.ConnectionLimits.UNLIMITED, null, null,
                new io.tidegate.spi.model.UpstreamTls(null, null, false, null, null, List.of(), List.of()), P);
        Fragment f = new Fragment(List.of(), List.of(tcp("db", Set.of("db"), List.of(), "db-tls", null),
                tcp("edge", Set.of("edge"), List.of("db.example"), "db-tls", null)), List.of(tls), List.of(),
                List.of());
        ConfigCompiler.Result r = compile(f);

        assertThat(names(r.config().l4Table("db"))).containsExactly("db");
        assertThat(names(r.config().l4Table("edge"))).containsExactly("edge");
        assertThat(r.diagnostics().get("file")).extracting(x -> x.object().rule() + " " + x.field() + ": "
                + x.message()).containsExactly("tcpRoutes.edge clusters[0].cluster: cluster 'db-tls' has upstream tls,"
                + " which tls-passthrough listener 'edge' does not originate (it relays the client's own TLS): bytes"
                + " are relayed as they come");
    }

    @Test
    void idleTimeoutsComeFromTheRouteElseTheListenerAndSniPicksTheFirstMatch() {
        Cluster pg = Cluster.of("pg", List.of(Endpoint.of("127.0.0.1", 5432)), P);
        Fragment f = new Fragment(List.of(), List.of(
                tcp("exact", Set.of("edge"), List.of("db.example.com"), "pg", Duration.ofSeconds(9)),
                tcp("wild", Set.of("edge"), List.of("*.example.com"), "pg", null),
                tcp("rest", Set.of(), List.of(), "pg", null)), List.of(pg), List.of(), List.of());
        ConfigCompiler.Result r = compile(f);
        L4Table edge = r.config().l4Table("edge");
        assertThat(edge.match("db.example.com").name()).isEqualTo("exact");
        assertThat(edge.match("db.example.com").idleTimeoutNanos()).isEqualTo(Duration.ofSeconds(9).toNanos());
        assertThat(edge.match("api.example.com").name()).isEqualTo("wild");
        assertThat(edge.match("api.example.com").idleTimeoutNanos()).isEqualTo(Duration.ofHours(1).toNanos());
        assertThat(edge.match(null).name()).isEqualTo("rest");
        L4Table db = r.config().l4Table("db");
        assertThat(db.match(null).name()).isEqualTo("rest");
        assertThat(db.match(null).idleTimeoutNanos()).as("the db listener's idleTimeout")
                .isEqualTo(Duration.ofMinutes(7).toNanos());
        assertThat(edge.serves(f.tcpRoutes().get(0))).isTrue();
        @SuppressWarnings("unchecked")
        var shown = (Map<String, List<Map<String, Object>>>) io.tidegate.kernel.admin.ConfigDescriber
                .describe(r.config(), List.of("db", "edge", "web")).get("listeners");
        assertThat(shown.get("edge")).extracting(m -> m.get("name")).containsExactly("exact", "wild", "rest");
        assertThat(shown.get("edge").get(0)).containsEntry("kind", "tcp").containsEntry("action", "relay pg")
                .containsEntry("sniHosts", List.of("db.example.com")).containsEntry("idleTimeout", "PT9S");
        assertThat(shown.get("web")).isEmpty();
        assertThat(edge.serves(tcp("exact", Set.of("edge"), List.of("db.example.com"), "pg", Duration.ofSeconds(8))))
                .as("a changed route is not the same route").isFalse();
    }

    @Test
    void duplicateTcpRouteNamesBreakTheFragmentContract() {
        Fragment f = new Fragment(List.of(), List.of(tcp("a", Set.of(), List.of(), "pg", null),
                tcp("a", Set.of(), List.of(), "pg", null)), List.of(), List.of(), List.of());
        assertThat(ConfigCompiler.contractViolations(f)).singleElement().asString()
                .startsWith("tcpRoutes: duplicate tcp route name 'a'");
    }
}
