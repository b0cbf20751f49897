package io.tidegate.plugins.istio;

import static io.tidegate.plugins.istio.HttpMatches.stringMatch;

import io.tidegate.spi.model.CorsPolicy;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.RetryPolicy;
import io.tidegate.spi.model.StringMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The per-route policies of an http rule (and of its route destinations, for headers): {@code headers},
 * {@code retries} (Istio's default policy when absent), {@code fault} and {@code corsPolicy}. Follows
 * Istio's <a href="https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRoute">
 * HTTPRoute reference</a>.
 */
final class HttpPolicies {

    private HttpPolicies() {
    }

    static HeaderEdits headerEdits(Node n) {
        if (n.missing()) {
            return HeaderEdits.NONE;
        }
        List<HeaderValue> set = new ArrayList<>();
        n.get("set").stringMap().forEach((k, v) -> set.add(new HeaderValue(k, v)));
        List<HeaderValue> add = new ArrayList<>();
        n.get("add").stringMap().forEach((k, v) -> add.add(new HeaderValue(k, v)));
        return new HeaderEdits(set, add, n.get("remove").strings());
    }

    static RetryPolicy retries(Translation run, Node r, Provenance where) {
        if (r.missing()) {
            return IstioTranslator.ISTIO_DEFAULT_RETRIES;
        }
        int attempts = r.get("attempts").integer(0, 0, 100);
        if (attempts == 0) {
            return null;
        }
        Set<String> on = new LinkedHashSet<>();
        Set<Integer> codes = new LinkedHashSet<>();
        List<String> dropped = new ArrayList<>();
        String retryOn = r.get("retryOn").string("connect-failure,refused-stream,unavailable,cancelled,"
                + "retriable-status-codes");
        for (String c : retryOn.split(",")) {
            String t = c.trim();
            if (t.isEmpty()) {
                continue;
            }
            if (t.chars().allMatch(Character::isDigit)) {
                codes.add(Integer.parseInt(t));
                on.add("retriable-status-codes");
            } else if (Set.of("5xx", "gateway-error", "connect-failure", "reset", "refused-stream",
                    "retriable-status-codes").contains(t)) {
                on.add(t);
            } else {
                dropped.add(t);
            }
        }
        if (on.contains("retriable-status-codes") && codes.isEmpty()) {
            codes.add(503);
        }
        if (!dropped.isEmpty() && !dropped.stream().allMatch(d -> d.equals("unavailable") || d.equals("cancelled"))) {
            run.diagnostics.add(Diagnostic.warning(where, r.path() + ".retryOn", "conditions " + dropped
                    + " are not supported (gRPC and retriable-4xx ones); ignored"));
        }
        return new RetryPolicy(attempts, r.get("perTryTimeout").duration(null), on, codes, null);
    }

    static FaultPolicy fault(Node f) {
        if (f.missing()) {
            return null;
        }
        Duration delay = null;
        double delayPct = 0;
        Integer abort = null;
        double abortPct = 0;
        Node d = f.get("delay");
        if (!d.missing()) {
            delay = d.get("fixedDelay").duration(null);
            if (delay == null) {
                throw d.get("fixedDelay").error("is required (exponentialDelay is not supported)");
            }
            delayPct = percent(d);
        }
        Node a = f.get("abort");
        if (!a.missing()) {
            if (!a.has("httpStatus")) {
                throw a.error("needs httpStatus (grpcStatus and http2Error are not supported)");
            }
            abort = a.get("httpStatus").integer(0, 200, 599);
            abortPct = percent(a);
        }
        if (delay == null && abort == null) {
            throw f.error("has neither delay nor abort");
        }
        return new FaultPolicy(delay, delayPct, abort, abortPct);
    }

    /** {@code percentage.value}, else the legacy integer {@code percent}; 100 when neither is given. */
    private static double percent(Node n) {
        if (n.has("percentage")) {
            double v = n.get("percentage").get("value").number(0);
            if (v < 0 || v > 100) {
                throw n.get("percentage").get("value").error(v + " (expected: 0 to 100)");
            }
            return v;
        }
        return n.get("percent").integer(100, 0, 100);
    }

    static CorsPolicy cors(Node c) {
        if (c.missing()) {
            return null;
        }
        List<StringMatch> origins = new ArrayList<>();
        for (Node o : c.get("allowOrigins").items()) {
            origins.add(stringMatch(o));
        }
        for (String o : c.get("allowOrigin").strings()) {
            origins.add(o.equals("*") ? StringMatch.regex(".*") : StringMatch.exact(o));
        }
        return new CorsPolicy(origins, c.get("allowMethods").strings(), c.get("allowHeaders").strings(),
                c.get("exposeHeaders").strings(), c.get("maxAge").duration(null),
                c.get("allowCredentials").bool(false));
    }
}
