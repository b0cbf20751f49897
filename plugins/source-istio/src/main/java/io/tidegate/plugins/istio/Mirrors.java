package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.MirrorPolicy;
import io.tidegate.spi.model.Provenance;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * An http rule's {@code mirror} (with {@code mirrorPercentage}, else the deprecated integer
 * {@code mirrorPercent}; 100 when neither is given, as Istio documents) or {@code mirrors[]} (each
 * {@code destination} with its {@code percentage}) as the route's mirror policies, the hosts resolved as
 * route destinations are. A mirror that does not resolve is left out alone: the rule serves without it.
 */
final class Mirrors {

    /** Resolves a destination to its cluster name, or null with an error in {@code notes}. */
    @FunctionalInterface
    interface ClusterResolver {
        String resolve(Node destination, String host, List<Diagnostic> notes, String consequence);
    }

    private record Wanted(Node destination, double percent) {
    }

    private Mirrors() {
    }

    /**
     * @param namespace the VirtualService's namespace (short names are qualified in it)
     * @param selfHosts hosts that are this gateway: mirroring there would loop
     */
    static List<MirrorPolicy> of(Node rule, String namespace, Set<String> selfHosts, Provenance where,
                                 List<Diagnostic> notes, ClusterResolver clusters) {
        if (!rule.has("mirror") && !rule.has("mirrors")) {
            return List.of();
        }
        if (rule.has("mirror") && rule.has("mirrors")) {
            throw rule.get("mirrors").error("mirror and mirrors are exclusive (expected: one of them)");
        }
        if (!rule.has("route")) {
            notes.add(Diagnostic.warning(where, rule.path() + (rule.has("mirror") ? ".mirror" : ".mirrors"),
                    "mirrors copy requests that are forwarded; a redirect or directResponse rule has none; ignored"));
            return List.of();
        }
        List<Wanted> wanted = new ArrayList<>();
        if (rule.has("mirror")) {
            double pct = rule.has("mirrorPercentage") ? percentage(rule.get("mirrorPercentage").get("value"))
                    : rule.get("mirrorPercent").integer(100, 0, 100);
            wanted.add(new Wanted(rule.get("mirror"), pct));
        } else {
            for (Node m : rule.get("mirrors").items()) {
                if (!m.has("destination")) {
                    throw m.get("destination").error("is required but missing");
                }
                double pct = m.has("percentage") ? percentage(m.get("percentage").get("value")) : 100;
                wanted.add(new Wanted(m.get("destination"), pct));
            }
        }
        List<MirrorPolicy> out = new ArrayList<>();
        for (Wanted w : wanted) {
            Node dest = w.destination();
            String host = IstioHosts.qualify(dest.get("host").string(), namespace);
            if (selfHosts.contains(host)) {
                notes.add(Diagnostic.warning(where, dest.path() + ".host", "mirroring to this gateway (selfHosts)"
                        + " would loop; not mirrored"));
                continue;
            }
            String cluster = clusters.resolve(dest, host, notes, "not mirrored");
            if (cluster != null) {
                out.add(new MirrorPolicy(cluster, w.percent()));
            }
        }
        return out;
    }

    /** A {@code Percent} value: a number from 0 to 100; absent is 100. */
    private static double percentage(Node value) {
        double v = value.number(100);
        if (v < 0 || v > 100) {
            throw value.error(v + " (expected: 0 to 100)");
        }
        return v;
    }
}
