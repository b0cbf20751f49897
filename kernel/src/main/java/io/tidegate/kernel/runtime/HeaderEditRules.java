package io.tidegate.kernel.runtime;

import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import java.util.List;

/**
 * What a route's header edits may hold, checked when the config compiles: a name is an RFC 9110 token
 * (section 5.1), a value has no CR, LF or NUL (section 5.5, the characters that would split or end a header
 * line). A bad edit is a config error of its route, named by its field, rather than a failure of every request
 * the route serves; and no config value can ever add a header line of its own to a request or a response.
 */
final class HeaderEditRules {

    private HeaderEditRules() {
    }

    /** {@code "field.set[i].name: why"} for the first edit that cannot be a header, or null. */
    static String invalid(String field, HeaderEdits edits) {
        if (edits == null) {
            return null;
        }
        String bad = invalid(field + ".set", edits.set());
        if (bad == null) {
            bad = invalid(field + ".add", edits.add());
        }
        for (int i = 0; bad == null && i < edits.remove().size(); i++) {
            bad = invalidName(field + ".remove[" + i + "]", edits.remove().get(i));
        }
        return bad;
    }

    /** {@code "field[i].name: why"} (or {@code .value}) for the first header that cannot be, or null. */
    static String invalid(String field, List<HeaderValue> values) {
        for (int i = 0; i < values.size(); i++) {
            HeaderValue v = values.get(i);
            String bad = invalidName(field + "[" + i + "].name", v.name());
            if (bad != null) {
                return bad;
            }
            for (int c = 0; c < v.value().length(); c++) {
                char ch = v.value().charAt(c);
                if (ch == '\r' || ch == '\n' || ch == 0) {
                    return field + "[" + i + "].value: header '" + v.name() + "' has a "
                            + (ch == 0 ? "NUL" : ch == '\r' ? "CR" : "LF")
                            + " (expected: a value without CR, LF or NUL)";
                }
            }
        }
        return null;
    }

    private static String invalidName(String field, String name) {
        if (name.isEmpty()) {
            return field + ": empty header name (expected: a token)";
        }
        for (int c = 0; c < name.length(); c++) {
            if (!isTokenChar(name.charAt(c))) {
                return field + ": '" + name + "' is not a header name (expected: a token, RFC 9110 section 5.1)";
            }
        }
        return null;
    }

    /** RFC 9110 section 5.6.2: {@code tchar}. */
    static boolean isTokenChar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
