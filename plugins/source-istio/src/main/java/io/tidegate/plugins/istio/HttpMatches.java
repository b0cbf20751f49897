package io.tidegate.plugins.istio;

import io.tidegate.spi.model.HeaderMatch;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.QueryMatch;
import io.tidegate.spi.model.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An http rule's {@code match} entry as a route match's parts: {@code uri} (with {@code ignoreUriCase}),
 * {@code scheme}, {@code method} and {@code authority} (as pseudo-header matches), {@code headers},
 * {@code withoutHeaders} and {@code queryParams}. Follows Istio's
 * <a href="https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPMatchRequest">
 * HTTPMatchRequest reference</a>.
 */
final class HttpMatches {

    private HttpMatches() {
    }

    static PathMatch pathMatch(Node m) {
        Node uri = m.get("uri");
        if (uri.missing()) {
            return null;
        }
        boolean ic = m.get("ignoreUriCase").bool(false);
        StringMatch s = stringMatch(uri);
        return switch (s.kind()) {
            case EXACT -> new PathMatch(PathMatch.Kind.EXACT, s.value(), ic);
            case PREFIX -> new PathMatch(PathMatch.Kind.PREFIX, s.value(), ic);
            case REGEX -> new PathMatch(PathMatch.Kind.REGEX, s.value(), ic);
            default -> throw uri.error("expected one of exact, prefix, regex");
        };
    }

    static Set<String> methods(Node m) {
        return Set.of();
    }

    static List<HeaderMatch> headerMatches(Node m) {
        List<HeaderMatch> out = new ArrayList<>();
        for (String pseudo : List.of("scheme", "method", "authority")) {
            if (m.has(pseudo)) {
                out.add(new HeaderMatch(":" + pseudo, stringMatch(m.get(pseudo)), false));
            }
        }
        m.get("headers").entries().forEach((name, v) -> out.add(new HeaderMatch(name.toLowerCase(Locale.ROOT),
                v.entries().isEmpty() ? StringMatch.present() : stringMatch(v), false)));
        m.get("withoutHeaders").entries().forEach((name, v) -> out.add(new HeaderMatch(name.toLowerCase(Locale.ROOT),
                v.entries().isEmpty() ? StringMatch.present() : stringMatch(v), true)));
        return out;
    }

    static List<QueryMatch> queryMatches(Node m) {
        List<QueryMatch> out = new ArrayList<>();
        m.get("queryParams").entries().forEach((name, v) -> out.add(new QueryMatch(name,
                v.entries().isEmpty() ? StringMatch.present() : stringMatch(v))));
        return out;
    }

    static StringMatch stringMatch(Node n) {
        Map<String, Node> e = n.entries();
        if (e.size() != 1) {
            throw n.error("expected exactly one of exact, prefix, regex");
        }
        var only = e.entrySet().iterator().next();
        String v = only.getValue().string();
        return switch (only.getKey()) {
            case "exact" -> StringMatch.exact(v);
            case "prefix" -> StringMatch.prefix(v);
            case "regex" -> StringMatch.regex(v);
            default -> throw only.getValue().error("'" + only.getKey() + "' (expected: exact, prefix or regex)");
        };
    }
}
