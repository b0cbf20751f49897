package io.tidegate.kernel.routing;

import java.util.List;

/**
 * Rank-sorted arrays of candidate routes, as every index structure yields them, and the scan that finds
 * the best of one: the first entry whose remaining conditions hold, unless an earlier-ranked route has
 * already been found elsewhere. Ranks are ints and {@link #NONE} stands for "no match", so a lookup
 * allocates nothing.
 */
final class Candidates {

    static final int NONE = Integer.MAX_VALUE;
    static final CompiledRoute[] EMPTY = new CompiledRoute[0];

    private Candidates() {
    }

    /** The rank of the first candidate whose conditions hold, if lower than {@code best}; else {@code best}. */
    static int first(CompiledRoute[] candidates, RequestFacts request, int best) {
        if (candidates == null) {
            return best;
        }
        for (CompiledRoute candidate : candidates) {
            if (candidate.rank >= best) {
                return best;
            }
            if (candidate.conditionsHold(request)) {
                return candidate.rank;
            }
        }
        return best;
    }

    /** As {@link #first}, for regex routes, which still need their path tested. */
    static int firstRegex(CompiledRoute[] candidates, String path, RequestFacts request, int best) {
        for (CompiledRoute candidate : candidates) {
            if (candidate.rank >= best) {
                return best;
            }
            if (candidate.conditionsHold(request) && candidate.path.regexMatches(path)) {
                return candidate.rank;
            }
        }
        return best;
    }

    /** The list, which the builders fill in rank order, as an array; a route added twice is kept once. */
    static CompiledRoute[] of(List<CompiledRoute> routes) {
        return routes.stream().distinct().sorted((a, b) -> Integer.compare(a.rank, b.rank))
                .toArray(CompiledRoute[]::new);
    }

    /** The lowest rank in the array, {@link #NONE} when empty. */
    static int minRank(CompiledRoute[] candidates) {
        return candidates.length == 0 ? NONE : candidates[0].rank;
    }
}
