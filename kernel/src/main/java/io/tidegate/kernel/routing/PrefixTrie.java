package io.tidegate.kernel.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Character-prefix routes (Envoy and Istio {@code prefix}: {@code /api} matches {@code /apix}) in a
 * path-compressed trie. A lookup walks the request path once and meets, shortest first, every prefix that
 * routes are filed under; subtrees whose best rank cannot beat the current best are not entered.
 */
final class PrefixTrie {

    private final Node root;

    private PrefixTrie(Node root) {
        this.root = root;
    }

    int best(String path, RequestFacts request, int best) {
        Node node = root;
        if (node.minRank >= best) {
            return best;
        }
        best = Candidates.first(node.routes, request, best);
        int pos = 0;
        int length = path.length();
        while (pos < length) {
            Node child = node.child(path.charAt(pos));
            if (child == null || child.minRank >= best || !path.startsWith(child.label, pos)) {
                break;
            }
            pos += child.label.length();
            node = child;
            best = Candidates.first(node.routes, request, best);
        }
        return best;
    }

    private static final class Node {
        /** The characters from the parent to this node; starts with the key the parent files it under. */
        final String label;
        final CompiledRoute[] routes;
        final char[] keys;
        final Node[] children;
        /** The lowest rank in this subtree. */
        final int minRank;

        Node(String label, CompiledRoute[] routes, char[] keys, Node[] children) {
            this.label = label;
            this.routes = routes;
            this.keys = keys;
            this.children = children;
            int min = Candidates.minRank(routes);
            for (Node child : children) {
                min = Math.min(min, child.minRank);
            }
            this.minRank = min;
        }

        Node child(char c) {
            int i = Arrays.binarySearch(keys, c);
            return i < 0 ? null : children[i];
        }
    }

    /** Collects routes in rank order, then freezes them into a compressed trie. */
    static final class Builder {
        private final Draft root = new Draft();
        private boolean empty = true;

        void add(String prefix, CompiledRoute route) {
            Draft node = root;
            for (int i = 0; i < prefix.length(); i++) {
                node = node.children.computeIfAbsent(prefix.charAt(i), c -> new Draft());
            }
            node.routes.add(route);
            empty = false;
        }

        /** The trie, or null when no route was added. */
        PrefixTrie build() {
            return empty ? null : new PrefixTrie(freeze("", root, false));
        }

        /**
         * Freezes {@code draft}; with {@code compress}, first swallows the chain of single children without
         * routes below it into the label. The root is not compressed: it is entered without a comparison.
         */
        private static Node freeze(String label, Draft draft, boolean compress) {
            StringBuilder text = new StringBuilder(label);
            while (compress && draft.routes.isEmpty() && draft.children.size() == 1) {
                Map.Entry<Character, Draft> only = draft.children.firstEntry();
                text.append(only.getKey().charValue());
                draft = only.getValue();
            }
            char[] keys = new char[draft.children.size()];
            Node[] children = new Node[keys.length];
            int i = 0;
            for (Map.Entry<Character, Draft> e : draft.children.entrySet()) {
                keys[i] = e.getKey();
                children[i++] = freeze(String.valueOf(e.getKey().charValue()), e.getValue(), true);
            }
            return new Node(text.toString(), Candidates.of(draft.routes), keys, children);
        }

        private static final class Draft {
            final TreeMap<Character, Draft> children = new TreeMap<>();
            final List<CompiledRoute> routes = new ArrayList<>();
        }
    }
}
