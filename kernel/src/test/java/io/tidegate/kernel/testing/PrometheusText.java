package io.tidegate.kernel.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (what Prometheus itself scrapes), written
 * from the format's specification, for tests of {@code /metrics}: every sample belongs to a family announced
 * by {@code # HELP} and {@code # TYPE} lines before it, names and label names are valid, label values use only
 * the three escapes the format defines, values are floats, and every histogram series has ascending
 * {@code le} buckets ending at {@code +Inf}, cumulative counts, and {@code _count} equal to the {@code +Inf}
 * bucket. A violation throws with the offending line.
 */
public final class PrometheusText {

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {
        public String label(String name) {
            return labels.get(name);
        }
    }

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern HELP = Pattern.compile("# HELP (" + NAME.pattern() + ") (.*)");
    private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME.pattern()
            + ") (counter|gauge|histogram|summary|untyped)");

    private final Map<String, String> types = new LinkedHashMap<>();
    private final Map<String, String> help = new LinkedHashMap<>();
    private final List<Sample> samples = new ArrayList<>();

    private PrometheusText() {
    }

    /** Parses and checks a whole exposition. */
    public static PrometheusText parse(String text) {
        if (!text.isEmpty() && !text.endsWith("\n")) {
            throw new AssertionError("the exposition must end with a line feed");
        }
        PrometheusText out = new PrometheusText();
        for (String line : text.split("\n", -1)) {
            if (line.isEmpty()) {
                continue;
            }
            out.line(line);
        }
        out.checkHistograms();
        return out;
    }

    private void line(String line) {
        if (line.startsWith("#")) {
            Matcher h = HELP.matcher(line);
            Matcher t = TYPE.matcher(line);
            if (h.matches()) {
                checkHelpEscapes(h.group(2), line);
                if (help.put(h.group(1), h.group(2)) != null) {
                    throw new AssertionError("second HELP for " + h.group(1) + ": " + line);
                }
            } else if (t.matches()) {
                if (types.containsKey(t.group(1))) {
                    throw new AssertionError("second TYPE for " + t.group(1) + ": " + line);
                }
                if (samples.stream().anyMatch(s -> family(s.name()).equals(t.group(1)))) {
                    throw new AssertionError("TYPE after the family's samples: " + line);
                }
                types.put(t.group(1), t.group(2));
            } else if (line.startsWith("# HELP") || line.startsWith("# TYPE")) {
                throw new AssertionError("malformed: " + line);
            }
            return; // other comments are allowed
        }
        samples.add(sample(line));
    }

    private Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        if (!NAME.matcher(name).matches()) {
            throw new AssertionError("bad metric name: " + line);
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                String labelName = line.substring(i, eq);
                if (!LABEL_NAME.matcher(labelName).matches() || labels.containsKey(labelName)) {
                    throw new AssertionError("bad or repeated label name '" + labelName + "': " + line);
                }
                if (line.charAt(eq + 1) != '"') {
                    throw new AssertionError("label value not quoted: " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char next = line.charAt(++j);
                        switch (next) {
                            case '\\' -> value.append('\\');
                            case '"' -> value.append('"');
                            case 'n' -> value.append('\n');
                            default -> throw new AssertionError("bad escape \\" + next + ": " + line);
                        }
                    } else {
                        value.append(c);
                    }
                }
                labels.put(labelName, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else if (line.charAt(i) != '}') {
                    throw new AssertionError("expected , or } at " + i + ": " + line);
                }
            }
            i++;
        }
        if (i >= line.length() || line.charAt(i) != ' ') {
            throw new AssertionError("no value: " + line);
        }
        String[] rest = line.substring(i + 1).split(" ");
        if (rest.length > 2) {
            throw new AssertionError("extra fields: " + line);
        }
        double value = switch (rest[0]) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(rest[0]);
        };
        String family = family(name);
        if (!types.containsKey(family) || !help.containsKey(family)) {
            throw new AssertionError("sample without HELP and TYPE before it: " + line);
        }
        String type = types.get(family);
        if (!family.equals(name) && !type.equals("histogram") && !type.equals("summary")) {
            throw new AssertionError("suffixed sample of a " + type + ": " + line);
        }
        if (type.equals("histogram") && name.equals(family)) {
            throw new AssertionError("histogram sample without _bucket/_sum/_count: " + line);
        }
        return new Sample(name, labels, value);
    }

    /** The family a sample belongs to: its name without a histogram suffix, when such a family was typed. */
    private String family(String name) {
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base)) || "summary".equals(types.get(base))) {
                    return base;
                }
            }
        }
        return name;
    }

    private static void checkHelpEscapes(String text, String line) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\\') {
                char next = i + 1 < text.length() ? text.charAt(i + 1) : ' ';
                if (next != '\\' && next != 'n') {
                    throw new AssertionError("bad escape in HELP: " + line);
                }
                i++;
            }
        }
    }

    private void checkHistograms() {
        types.forEach((family, type) -> {
            if (!type.equals("histogram")) {
                return;
            }
            Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
            Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
            Map<Map<String, String>, Double> sums = new LinkedHashMap<>();
            for (Sample s : samples) {
                if (s.name().equals(family + "_bucket")) {
                    if (!s.labels().containsKey("le")) {
                        throw new AssertionError(family + "_bucket without le: " + s);
                    }
                    Map<String, String> series = new LinkedHashMap<>(s.labels());
                    series.remove("le");
                    buckets.computeIfAbsent(series, k -> new ArrayList<>()).add(s);
                } else if (s.name().equals(family + "_count")) {
                    counts.put(s.labels(), s.value());
                } else if (s.name().equals(family + "_sum")) {
                    sums.put(s.labels(), s.value());
                }
            }
            buckets.forEach((series, list) -> {
                double previousLe = Double.NEGATIVE_INFINITY;
                double previousCount = 0;
                for (Sample b : list) {
                    String le = b.label("le");
                    double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                    if (bound <= previousLe || b.value() < previousCount) {
                        throw new AssertionError(family + " buckets not ascending and cumulative: " + list);
                    }
                    previousLe = bound;
                    previousCount = b.value();
                }
                if (previousLe != Double.POSITIVE_INFINITY) {
                    throw new AssertionError(family + " has no +Inf bucket: " + series);
                }
                if (!Objects.equals(counts.get(series), previousCount) || !sums.containsKey(series)) {
                    throw new AssertionError(family + " _count differs from +Inf, or _sum is missing: " + series);
                }
            });
        });
    }

    /** The type of a family, or null when it is not exposed. */
    public String type(String family) {
        return types.get(family);
    }

    public List<Sample> samples(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).toList();
    }

    /** The value of the sample of {@code name} with exactly these labels; fails when there is none. */
    public double value(String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels + " in " + samples(name)))
                .value();
    }
}
