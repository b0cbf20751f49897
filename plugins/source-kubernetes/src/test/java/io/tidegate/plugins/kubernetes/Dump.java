package io.tidegate.plugins.kubernetes;

import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.LoadBalancer;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** A fragment as readable text, one line per route, cluster, certificate and diagnostic: the fixtures' expectations. */
final class Dump {

    private Dump() {
    }

    static String of(Fragment f) {
        List<String> lines = new ArrayList<>();
        for (Route r : f.routes()) {
            lines.add("route " + route(r));
        }
        for (TcpRoute t : f.tcpRoutes()) {
            lines.add("tcp-route " + t.name() + " | listeners=" + t.listeners().stream().sorted().toList()
                    + (t.sniHosts().isEmpty() ? "" : " sni=" + t.sniHosts()) + " -> " + t.clusters().stream()
                    .map(c -> c.cluster() + "*" + c.weight()).collect(Collectors.joining(" + ")));
        }
        for (Cluster c : f.clusters()) {
            lines.add("cluster " + c.name() + " " + c.endpoints().stream().map(e -> e.address().toString())
                    .collect(Collectors.joining(",", "[", "]"))
                    + (c.resolution() == Cluster.Resolution.DNS ? " dns" : "")
                    + (c.protocol() == Cluster.UpstreamProtocol.HTTP2 ? " http2" : "")
                    + (c.tls() != null ? " tls[verify=" + c.tls().verify() + (c.tls().sni() == null ? ""
                    : " sni=" + c.tls().sni()) + (c.tls().caPem() == null ? "" : " ca")
                    + (c.tls().clientCertificatePem() == null ? "" : " client-cert")
                    + (c.tls().alpn().isEmpty() ? "" : " alpn=" + c.tls().alpn()) + "]" : "")
                    + (c.loadBalancer().policy() != LoadBalancer.Policy.ROUND_ROBIN ? " " + c.loadBalancer().policy()
                    + c.loadBalancer().hashPolicies().stream().map(h -> h.kind() + (h.name().isEmpty() ? ""
                            : ":" + h.name()) + (h.cookieTtl() == null ? "" : " ttl=" + h.cookieTtl().toSeconds() + "s")
                            + (h.cookiePath() == null ? "" : " path=" + h.cookiePath()))
                    .collect(Collectors.joining(", ", "[", "]")) : "")
                    + (c.connectTimeout() != null ? " connect=" + c.connectTimeout().toSeconds() + "s" : ""));
        }
        for (Certificate c : f.certificates()) {
            lines.add("certificate " + c.name() + " " + c.serverNames());
        }
        for (Diagnostic d : f.diagnostics()) {
            lines.add(d.severity().name().toLowerCase() + " " + d.object() + (d.field().isEmpty() ? "" : " " + d.field())
                    + ": " + d.message());
        }
        return String.join("\n", lines) + "\n";
    }

    static String statuses(List<GatewayTranslator.Status> statuses) {
        StringBuilder sb = new StringBuilder();
        statuses.stream().map(s -> "status " + s.object().getKind() + " " + (s.object().getMetadata().getNamespace()
                        == null ? "" : s.object().getMetadata().getNamespace() + "/") + s.object().getMetadata().getName()
                        + (s.parent() == null ? "" : " parent " + s.parent())
                        + s.conditions().stream().map(c -> " " + c.type() + "=" + c.status() + "(" + c.reason() + ")")
                        .collect(Collectors.joining())
                        + (s.attachedRoutes().isEmpty() ? "" : " attached" + s.attachedRoutes())
                        + s.listeners().entrySet().stream().map(e -> "\n  listener " + e.getKey() + " kinds="
                                + e.getValue().supportedKinds() + e.getValue().conditions().stream().map(c -> " "
                                + c.type() + "=" + c.status() + "(" + c.reason() + ")").collect(Collectors.joining()))
                        .collect(Collectors.joining()))
                .sorted().forEach(l -> sb.append(l).append('\n'));
        return sb.toString();
    }

    static String route(Route r) {
        StringBuilder sb = new StringBuilder(r.name()).append(" |");
        if (!r.listeners().isEmpty()) {
            sb.append(" listeners=").append(r.listeners().stream().sorted().toList());
        }
        sb.append(" host=").append(r.match().hosts().isEmpty() ? "*" : String.join(",", r.match().hosts()));
        if (r.match().path() != null) {
            sb.append(" ").append(r.match().path().kind()).append(r.match().path().ignoreCase() ? "/i" : "")
                    .append("=").append(r.match().path().value());
        }
        for (HeaderMatch h : r.match().headers()) {
            sb.append(" header[").append(h.name()).append(" ").append(h.match().kind()).append(" ")
                    .append(h.match().value()).append("]");
        }
        sb.append(" -> ");
        if (r.action() instanceof RouteAction.Forward fw) {
            List<WeightedCluster> cs = fw.clusters();
            sb.append(cs.size() == 1 ? cs.get(0).cluster()
                    : cs.stream().map(c -> c.cluster() + "*" + c.weight()).collect(Collectors.joining(" + ")));
        } else if (r.action() instanceof RouteAction.Redirect rd) {
            sb.append("redirect ").append(rd.status()).append(" ").append(rd.scheme() == null ? "" : rd.scheme() + "://")
                    .append(rd.host() == null ? "" : rd.host()).append(rd.port() == null || rd.port() == 0 ? ""
                            : ":" + rd.port()).append(rd.path() == null ? "" : rd.path())
                    .append(rd.prefixRewrite() == null ? "" : " prefix=" + rd.prefixRewrite());
        } else if (r.action() instanceof RouteAction.DirectResponse d) {
            sb.append("respond ").append(d.status());
        }
        if (!r.match().queryParams().isEmpty()) {
            r.match().queryParams().forEach(q -> sb.append(" query[").append(q.name()).append(" ")
                    .append(q.match().value()).append("]"));
        }
        if (!r.match().methods().isEmpty()) {
            sb.append(" methods=").append(r.match().methods().stream().sorted().toList());
        }
        if (!r.requestHeaders().isEmpty()) {
            sb.append(" reqHeaders[set=").append(r.requestHeaders().set().stream().map(h -> h.name() + ":" + h.value())
                    .toList()).append(" remove=").append(r.requestHeaders().remove()).append("]");
        }
        if (r.timeouts().request() != null) {
            sb.append(" request=").append(r.timeouts().request().toSeconds()).append("s");
        }
        if (r.rewrite() != null) {
            sb.append(" rewrite[").append(r.rewrite().regex() == null ? "" : r.rewrite().regex() + " => "
                    + r.rewrite().substitution()).append(r.rewrite().prefix() == null ? ""
                    : "prefix=" + r.rewrite().prefix()).append(r.rewrite().authority() == null ? ""
                    : " host=" + r.rewrite().authority()).append("]");
        }
        if (r.timeouts().idle() != null) {
            sb.append(" idle=").append(r.timeouts().idle().toSeconds()).append("s");
        }
        if (r.maxRequestBodyBytes() != null) {
            sb.append(" maxBody=").append(r.maxRequestBodyBytes());
        }
        if (r.retries() != null) {
            RetryPolicy rp = r.retries();
            sb.append(" retries[").append(rp.attempts()).append(" on=").append(new TreeSet<>(rp.retryOn()))
                    .append(rp.retriableStatusCodes().isEmpty() ? "" : " codes=" + new TreeSet<>(rp.retriableStatusCodes()))
                    .append(rp.perTryTimeout() == null ? "" : " perTry=" + rp.perTryTimeout().toSeconds() + "s")
                    .append("]");
        }
        if (r.cors() != null) {
            CorsPolicy c = r.cors();
            sb.append(" cors[origins=").append(c.allowOrigins().stream().map(o -> o.kind() + (o.ignoreCase() ? "/i" : "")
                    + ":" + o.value()).toList()).append(" methods=").append(c.allowMethods()).append(" headers=")
                    .append(c.allowHeaders()).append(c.exposeHeaders().isEmpty() ? "" : " expose=" + c.exposeHeaders())
                    .append(c.maxAge() == null ? "" : " maxAge=" + c.maxAge().toSeconds())
                    .append(" credentials=").append(c.allowCredentials()).append("]");
        }
        r.mirrors().forEach(m -> sb.append(" mirror[").append(m.cluster()).append(" ").append(m.percent())
                .append("%]"));
        for (PolicyRef p : r.policies()) {
            sb.append(" policy ").append(p.id()).append(p.settings().toPlain());
        }
        return sb.toString();
    }
}
