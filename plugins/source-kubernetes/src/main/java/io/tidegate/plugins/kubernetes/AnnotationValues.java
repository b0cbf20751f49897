package io.tidegate.plugins.kubernetes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The value parsers the annotation families share: booleans, integers, seconds and comma-separated lists, each
 * writing the annotation's warning and falling back when the value does not parse, as
 * <a href="https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/">ingress-nginx's
 * annotations page</a> reads them.
 */
final class AnnotationValues {

    private static final Pattern SECONDS = Pattern.compile("(\\d+)(s?)");

    private AnnotationValues() {
    }

    static boolean bool(Map<String, String> a, String key, boolean fallback, Receipts r) {
        String v = a.get(key);
        if (v == null) {
            return fallback;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        r.warn(key, "ignored: '" + v + "' (expected: \"true\" or \"false\"); " + fallback + " is used");
        return fallback;
    }

    static int integer(Map<String, String> a, String key, int fallback, Receipts r) {
        String v = a.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            r.warn(key, "ignored: '" + v + "' is not an integer; " + fallback + " is used");
            return fallback;
        }
    }

    static Duration seconds(Map<String, String> a, String key, Receipts r) {
        String v = a.get(key);
        if (v == null) {
            return null;
        }
        Matcher m = SECONDS.matcher(v);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            r.warn(key, "ignored: '" + v + "' (expected: a positive number of seconds, e.g. 60)");
            return null;
        }
        return Duration.ofSeconds(Long.parseLong(m.group(1)));
    }

    static List<String> list(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }
}
