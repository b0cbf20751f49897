package io.tidegate.plugins.egress;

import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.plugin.Metrics;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The egress allowlist bound to a listener or route. Judges traffic on {@code egress} listeners only;
 * requests on ingress listeners pass untouched, so a global binding never closes the front door.
 *
 * <ul>
 *   <li>{@link #evaluate}: the request's target (authority, or CONNECT's host:port) against the rules;
 *   <li>{@link #onUpstreamAddress}: the address a forward-proxy target resolved to (DNS rebinding guard);
 *   <li>{@link #onConnection}: the SNI of a tls-passthrough connection, once its ClientHello is read.
 * </ul>
 * A denial is a 403 with a one-line body, a reason for the access log ({@code egress CODE TARGET}) and
 * {@code tidegate_egress_denied_total}; in audit mode it is logged, counted in
 * {@code tidegate_egress_audit_total} and let through. Every method is non-blocking.
 */
final class EgressPolicy implements Policy {

    private final EgressRules rules;
    private final boolean audit;
    private final System.Logger log;
    private final Metrics.CounterFamily denied;
    private final Metrics.CounterFamily audited;
    private final Map<String, Metrics.Counter> counters = new ConcurrentHashMap<>();
    private final Map<String, Integer> listenerPorts = new ConcurrentHashMap<>();

    EgressPolicy(EgressSettings settings, PluginContext context) {
        this.rules = settings.rules();
        this.audit = settings.audit();
        this.log = context.logger("io.tidegate.plugins.egress");
        this.denied = context.metrics().counter("tidegate_egress_denied_total",
                "Egress requests and connections denied by the egress policy.", "listener", "reason");
        this.audited = context.metrics().counter("tidegate_egress_audit_total",
                "Egress requests and connections the egress policy would deny, let through in audit mode.",
                "listener", "reason");
        for (Listener l : context.listeners()) {
            listenerPorts.put(l.name(), l.address().port());
        }
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        if (request.connection().role() != ListenerRole.EGRESS) {
            return Decision.ALLOW_STAGE;
        }
        EgressRules.Target t = target(request);
        return decide(request.connection().listener(), t, rules.onRequest(t), null);
    }

    @Override
    public CompletionStage<Decision> onUpstreamAddress(RequestView request, InetSocketAddress resolved) {
        if (request.connection().role() != ListenerRole.EGRESS || resolved.getAddress() == null) {
            return Decision.ALLOW_STAGE;
        }
        EgressRules.Target t = target(request);
        return decide(request.connection().listener(), t, rules.onAddress(t, resolved.getAddress()),
                resolved.getAddress().getHostAddress());
    }

    @Override
    public CompletionStage<Decision> onConnection(ConnectionView connection) {
        String sni = connection.serverName();
        if (connection.role() != ListenerRole.EGRESS || sni == null || connection.isTls()) {
            return Decision.ALLOW_STAGE; // only passthrough TLS is judged by SNI; the rest by request
        }
        String name = HostPattern.normalize(sni);
        EgressRules.Target t = new EgressRules.Target(name, null, listenerPorts.getOrDefault(connection.listener(), 0),
                Protocol.Traffic.TLS_PASSTHROUGH, name, false);
        return decide(connection.listener(), t, rules.onRequest(t), null);
    }

    static EgressRules.Target target(RequestView request) {
        String host = request.host();
        boolean tunnel = "CONNECT".equals(request.method());
        String sni = request.connection().isTls() ? null : request.connection().serverName();
        return new EgressRules.Target(host, Cidr.literal(host), request.port(),
                tunnel ? Protocol.Traffic.TUNNEL : Protocol.Traffic.HTTP,
                sni == null ? null : HostPattern.normalize(sni),
                request.route() == null && request.isProxyRequest());
    }

    private CompletionStage<Decision> decide(String listener, EgressRules.Target t, EgressRules.Verdict v,
                                             String address) {
        if (v.allowed()) {
            return Decision.ALLOW_STAGE;
        }
        String reason = "egress " + v.code() + " " + t + (address == null ? "" : " -> " + address)
                + (v.rule() == null ? "" : " (" + v.rule().where() + ")");
        if (audit) {
            counter(audited, "audit", listener, v.code()).increment();
            log.log(System.Logger.Level.INFO, "audit: would deny: " + reason);
            return Decision.ALLOW_STAGE;
        }
        counter(denied, "denied", listener, v.code()).increment();
        return CompletableFuture.completedFuture(Decision.deny(403,
                "403 Forbidden: egress to " + t + " is not allowed (" + explain(v.code()) + ")", reason));
    }

    private static String explain(String code) {
        return switch (code) {
            case "deny_rule" -> "denied by an egress rule";
            case "local_address" -> "the target is a local or metadata address";
            case "denied_address" -> "the name resolves to a denied address";
            default -> "not in the egress allowlist";
        };
    }

    private Metrics.Counter counter(Metrics.CounterFamily family, String kind, String listener, String code) {
        return counters.computeIfAbsent(kind + '\0' + listener + '\0' + code, k -> family.labels(listener, code));
    }
}
