package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Certificate;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.ConnectionLimits;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.TcpRoute;
import io.tidegate.spi.model.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
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
            lines.add("tcp " + t.name() + " | listeners=" + t.listeners().stream().sorted().toList() + " sni="
                    + (t.sniHosts().isEmpty() ? "*" : String.join(",", t.sniHosts())) + " -> "
                    + t.clusters().stream().map(c -> c.cluster() + "*" + c.weight()).collect(Collectors.joining(" + "))
                    + (t.idleTimeout() == null ? "" : " idle=" + d(t.idleTimeout()))
                    + " (" + t.provenance().object() + (t.provenance().rule() == null ? "" : "#" + t.provenance().rule())
                    + ")");
        }
        for (Cluster c : f.clusters()) {
            lines.add("cluster " + cluster(c));
        }
        for (Certificate c : f.certificates()) {
            lines.add("certificate " + c.name() + " " + c.serverNames()
                    + (c.clientCaPem() == null ? "" : " clientAuth=" + c.clientAuth() + " ca=" + c.clientCaPem().strip()
                    .replace("\n", "\\n")));
        }
        for (Diagnostic d : f.diagnostics()) {
            lines.add(d.severity().name().toLowerCase() + " " + d.object() + (d.field().isEmpty() ? "" : " " + d.field())
                    + ": " + d.message());
        }
        return String.join("\n", lines) + "\n";
    }

    static String cluster(Cluster c) {
        StringBuilder sb = new StringBuilder(c.name()).append(" ");
        sb.append(c.endpoints().stream().map(Dump::endpoint).collect(Collectors.joining(",", "[", "]")));
        if (c.resolution() == Cluster.Resolution.DNS) {
            sb.append(" dns");
        }
        if (c.protocol() == Cluster.UpstreamProtocol.HTTP2) {
            sb.append(" h2");
        }
        if (!c.limits().equals(ConnectionLimits.UNLIMITED)) {
            var l = c.limits();
            sb.append(" limits[conns=").append(l.maxConnections()).append(" pending=").append(l.maxPendingRequests())
                    .append(" requests=").append(l.maxRequests()).append(" retries=").append(l.maxRetries())
                    .append(" perConn=").append(l.maxRequestsPerConnection()).append("]");
        }
        if (c.loadBalancer().policy() != io.tidegate.spi.model.LoadBalancer.Policy.ROUND_ROBIN) {
            sb.append(" lb=").append(c.loadBalancer().policy());
            c.loadBalancer().hashPolicies().forEach(h -> sb.append(" hash[").append(h.kind()).append(" ")
                    .append(h.name()).append(h.cookieTtl() == null ? "" : " ttl=" + d(h.cookieTtl())).append("]"));
        }
        if (c.connectTimeout() != null) {
            sb.append(" connect=").append(d(c.connectTimeout()));
        }
        if (c.idleTimeout() != null) {
            sb.append(" idle=").append(d(c.idleTimeout()));
        }
        if (c.outlierDetection() != null) {
            var o = c.outlierDetection();
            sb.append(" outlier[5xx=").append(o.consecutive5xx()).append(" gw=").append(o.consecutiveGatewayErrors())
                    .append(" interval=").append(d(o.interval())).append(" eject=").append(d(o.baseEjectionTime()))
                    .append(" max=").append(o.maxEjectionPercent()).append("%]");
        }
        if (c.tls() != null) {
            sb.append(" tls[sni=").append(c.tls().sni()).append(c.tls().caPem() != null ? " ca" : "")
                    .append(c.tls().clientCertificatePem() != null ? " mtls" : "")
                    .append(c.tls().verify() ? "" : " noverify")
                    .append(c.tls().alpn().isEmpty() ? "" : " alpn=" + c.tls().alpn())
                    .append(c.tls().subjectAltNames().isEmpty() ? "" : " san=" + c.tls().subjectAltNames()).append("]");
        }
        return sb.toString();
    }

    private static String endpoint(Endpoint e) {
        return e.address() + (e.weight() != 1 ? "*" + e.weight() : "")
                + (e.labels().isEmpty() ? "" : new TreeMap<>(e.labels()).toString());
    }

    private static String d(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    private static String sm(StringMatch m) {
        return m.kind().name().toLowerCase() + (m.kind() == StringMatch.Kind.PRESENT ? "" : ":" + m.value());
    }

    private static String edits(String label, HeaderEdits e) {
        if (e.isEmpty()) {
            return "";
        }
        return " " + label + "[set=" + e.set().stream().map(h -> h.name() + ":" + h.value()).toList() + " add="
                + e.add().stream().map(h -> h.name() + ":" + h.value()).toList() + " remove=" + e.remove() + "]";
    }

    static String route(Route r) {
        StringBuilder sb = new StringBuilder(r.name()).append(" |");
        sb.append(" listeners=").append(r.listeners().stream().sorted().toList());
        sb.append(" host=").append(r.match().hosts().isEmpty() ? "*" : String.join(",", r.match().hosts()));
        if (r.match().path() != null) {
            sb.append(" ").append(r.match().path().kind()).append(r.match().path().ignoreCase() ? "/i" : "")
                    .append("=").append(r.match().path().value());
        }
        for (HeaderMatch h : r.match().headers()) {
            sb.append(h.invert() ? " !header[" : " header[").append(h.name()).append(" ").append(sm(h.match()))
                    .append("]");
        }
        for (QueryMatch q : r.match().queryParams()) {
            sb.append(" query[").append(q.name()).append(" ").append(sm(q.match())).append("]");
        }
        sb.append(" -> ");
        if (r.action() instanceof RouteAction.Forward fw) {
            List<WeightedCluster> cs = fw.clusters();
            sb.append(cs.stream().map(c -> c.cluster() + "*" + c.weight() + edits("req", c.requestHeaders())
                    + edits("resp", c.responseHeaders())).collect(Collectors.joining(" + ")));
        } else if (r.action() instanceof RouteAction.Redirect rd) {
            sb.append("redirect ").append(rd.status()).append(" scheme=").append(rd.scheme()).append(" host=")
                    .append(rd.host()).append(" port=").append(rd.port()).append(" path=").append(rd.path());
        } else if (r.action() instanceof RouteAction.DirectResponse dr) {
            sb.append("respond ").append(dr.status()).append(dr.body().isEmpty() ? "" : " '" + dr.body() + "'");
        }
        if (r.rewrite() != null) {
            var rw = r.rewrite();
            sb.append(" rewrite[").append(rw.prefix() != null ? "prefix=" + rw.prefix() : "")
                    .append(rw.fullPath() != null ? "path=" + rw.fullPath() : "")
                    .append(rw.regex() != null ? rw.regex() + " => " + rw.substitution() : "")
                    .append(rw.authority() != null ? " authority=" + rw.authority() : "").append("]");
        }
        if (r.timeouts().request() != null) {
            sb.append(" timeout=").append(d(r.timeouts().request()));
        }
        if (r.retries() == null) {
            sb.append(" retries=off");
        } else if (!r.retries().equals(IstioTranslator.ISTIO_DEFAULT_RETRIES)) {
            sb.append(" retries[").append(r.retries().attempts()).append(" on=")
                    .append(r.retries().retryOn().stream().sorted().toList())
                    .append(r.retries().retriableStatusCodes().isEmpty() ? ""
                            : " codes=" + r.retries().retriableStatusCodes().stream().sorted().toList())
                    .append(r.retries().perTryTimeout() == null ? "" : " perTry=" + d(r.retries().perTryTimeout()))
                    .append("]");
        }
        if (r.fault() != null) {
            var f = r.fault();
            sb.append(" fault[").append(f.delay() == null ? "" : "delay=" + d(f.delay()) + "@" + f.delayPercent())
                    .append(f.abortStatus() == null ? "" : " abort=" + f.abortStatus() + "@" + f.abortPercent())
                    .append("]");
        }
        if (r.cors() != null) {
            var c = r.cors();
            sb.append(" cors[origins=").append(c.allowOrigins().stream().map(Dump::sm).toList()).append(" methods=")
                    .append(c.allowMethods()).append(c.maxAge() == null ? "" : " maxAge=" + d(c.maxAge()))
                    .append(c.allowCredentials() ? " credentials" : "").append("]");
        }
        sb.append(edits("reqHeaders", r.requestHeaders())).append(edits("respHeaders", r.responseHeaders()));
        r.mirrors().forEach(m -> sb.append(" mirror[").append(m.cluster()).append("@").append(m.percent()).append("]"));
        return sb.toString();
    }
}
