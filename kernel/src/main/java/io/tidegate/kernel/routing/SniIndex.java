package io.tidegate.kernel.routing;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * First-match lookup of TLS server names (SNI) over an ordered list of entries, each with its SNI patterns:
 * exact names in a hash map, {@code *.suffix} wildcards (one or more labels, as Envoy, Istio and the Gateway
 * API read them) by suffix in a {@link RegionMap}, probed once per label suffix of the name, and {@code *}.
 * Every key keeps only the first entry filed under it, so a lookup compares a handful of ranks, never scans
 * the list. An entry without patterns takes any name and is also the only kind a connection without SNI can
 * match; {@code *} takes any name but requires one.
 *
 * @param <T> what is routed to (a compiled TCP route)
 */
public final class SniIndex<T> {

    private final List<T> entries;
    private final Map<String, Integer> exact;
    /** {@code *.suffix}, keyed by {@code .suffix}; null when none. */
    private final RegionMap<Integer> wildcards;
    /** The first entry with {@code *}, or without patterns; {@link Candidates#NONE} when none. */
    private final int anyName;
    /** The first entry without patterns; {@link Candidates#NONE} when none. */
    private final int noName;

    private SniIndex(List<T> entries, Map<String, Integer> exact, RegionMap<Integer> wildcards, int anyName,
                     int noName) {
        this.entries = entries;
        this.exact = exact;
        this.wildcards = wildcards;
        this.anyName = anyName;
        this.noName = noName;
    }

    /**
     * Indexes {@code entries} in order (first match wins).
     *
     * @throws IllegalArgumentException when a pattern is not a host name, {@code *.suffix} or {@code *}; the
     *                                  message starts with the pattern's index in its entry's list
     */
    public static <T> SniIndex<T> build(List<T> entries, Function<T, List<String>> patterns) {
        Map<String, Integer> exact = new HashMap<>();
        Map<String, Integer> wildcards = new HashMap<>();
        int anyName = Candidates.NONE;
        int noName = Candidates.NONE;
        for (int rank = 0; rank < entries.size(); rank++) {
            List<String> raw = patterns.apply(entries.get(rank));
            if (raw.isEmpty()) {
                anyName = Math.min(anyName, rank);
                noName = Math.min(noName, rank);
            }
            for (String pattern : raw) {
                HostPattern p = HostPattern.parse(pattern);
                switch (p.kind()) {
                    case ANY -> anyName = Math.min(anyName, rank);
                    case EXACT -> exact.putIfAbsent(p.value(), rank);
                    case WILDCARD -> wildcards.putIfAbsent(p.value(), rank);
                }
            }
        }
        return new SniIndex<>(List.copyOf(entries), exact, wildcards.isEmpty() ? null : new RegionMap<>(wildcards),
                anyName, noName);
    }

    /** Checks one pattern: null when valid, else what is wrong and what was expected. */
    public static String problem(String pattern) {
        try {
            HostPattern.parse(pattern);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /**
     * The first entry that takes {@code serverName}, or null.
     *
     * @param serverName the SNI name the client sent (any case, an optional trailing dot), or null when it
     *                   sent none
     */
    public T match(String serverName) {
        int best = rank(serverName);
        return best == Candidates.NONE ? null : entries.get(best);
    }

    private int rank(String serverName) {
        if (serverName == null || serverName.isEmpty()) {
            return noName;
        }
        String name = serverName.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1); // the absolute form names the same host
        }
        int best = anyName;
        Integer e = exact.get(name);
        if (e != null) {
            best = Math.min(best, e);
        }
        if (wildcards != null) {
            int length = name.length();
            // Each suffix ".b.c" that leaves at least one label for the star: never the whole name.
            for (int dot = name.indexOf('.'); dot > 0; dot = name.indexOf('.', dot + 1)) {
                Integer w = wildcards.get(name, dot, length);
                if (w != null) {
                    best = Math.min(best, w);
                }
            }
        }
        return best;
    }

    /** The entries, in order. */
    public List<T> entries() {
        return entries;
    }
}
