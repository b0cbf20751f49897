package io.tidegate.kernel.routing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Element-wise prefix routes (Kubernetes Ingress {@code Prefix}, Gateway API {@code PathPrefix}) in a trie
 * of path segments. A lookup scans the request path by index, probing each segment's children with a
 * {@link RegionMap}, so it neither splits the path nor creates substrings. See
 * {@link PathCondition#segments} for how paths split into segments.
 */
final class SegmentTrie {

    private final Node root;

    private SegmentTrie(Node root) {
        this.root = root;
    }

    int best(String path, RequestFacts request, int best) {
        Node node = root;
        if (node.minRank >= best) {
            return best;
        }
        best = Candidates.first(node.routes, request, best);
        int length = path.length();
        int from = 1;
        while (from < length && node.children != null) {
            int end = path.indexOf('/', from);
            if (end < 0) {
                end = length;
            }
            Node child = node.children.get(path, from, end);
            if (child == null || child.minRank >= best) {
                break;
            }
            node = child;
            best = Candidates.first(node.routes, request, best);
            from = end + 1;
        }
        return best;
    }

    private static final class Node {
        final CompiledRoute[] routes;
        /** Null for a leaf. */
        final RegionMap<Node> children;
        /** The lowest rank in this subtree. */
        final int minRank;

        Node(CompiledRoute[] routes, Map<String, Node> children) {
            this.routes = routes;
            this.children = children.isEmpty() ? null : new RegionMap<>(children);
            int min = Candidates.minRank(routes);
            for (Node child : children.values()) {
                min = Math.min(min, child.minRank);
            }
            this.minRank = min;
        }
    }

    /** Collects routes in rank order, then freezes them into the trie. */
    static final class Builder {
        private final Draft root = new Draft();
        private boolean empty = true;

        /** Files {@code route} under the segments of {@code prefix}, which starts with {@code /}. */
        void add(String prefix, CompiledRoute route) {
            Draft node = root;
            for (String segment : PathCondition.segments(prefix)) {
                node = node.children.computeIfAbsent(segment, s -> new Draft());
            }
            node.routes.add(route);
            empty = false;
        }

        /** The trie, or null when no route was added. */
        SegmentTrie build() {
            return empty ? null : new SegmentTrie(freeze(root));
        }

        private static Node freeze(Draft draft) {
            Map<String, Node> children = new HashMap<>();
            draft.children.forEach((segment, child) -> children.put(segment, freeze(child)));
            return new Node(Candidates.of(draft.routes), children);
        }

        private static final class Draft {
            final Map<String, Draft> children = new LinkedHashMap<>();
            final List<CompiledRoute> routes = new ArrayList<>();
        }
    }
}
