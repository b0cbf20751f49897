package io.tidegate.kernel.metrics;

import io.tidegate.spi.plugin.Metrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.DoubleSupplier;
import java.util.regex.Pattern;

/**
 * A small Prometheus registry: counters and histograms on {@link LongAdder}s (contention-free from
 * every event loop), gauges read at scrape time, text exposition format 0.0.4. Kernel and plugins
 * register through the spi {@link Metrics} interface.
 */
public final class MetricsRegistry implements Metrics {

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final Map<String, Family> families = new ConcurrentHashMap<>();
    private final Map<String, Map<String, DoubleSupplier>> singleLabelChildren = new ConcurrentHashMap<>();
    private final Map<String, String> singleLabelNames = new ConcurrentHashMap<>();

    @Override
    public CounterFamily counter(String name, String help, String... labelNames) {
        return (CounterFamily) register(name, () -> new CounterFamilyImpl(name, help, labelNames), CounterFamilyImpl.class,
                labelNames);
    }

    @Override
    public HistogramFamily histogram(String name, String help, double[] buckets, String... labelNames) {
        return (HistogramFamily) register(name, () -> new HistogramFamilyImpl(name, help, buckets, labelNames),
                HistogramFamilyImpl.class, labelNames);
    }

    @Override
    public void gauge(String name, String help, DoubleSupplier value) {
        families.put(checkName(name), new GaugeFamily(name, help, value));
    }

    /**
     * One child of a single-label gauge family (kernel use), e.g. open connections per listener.
     * Registering the same label value again replaces that child.
     */
    public void gauge(String name, String help, String labelName, String labelValue, DoubleSupplier value) {
        String known = singleLabelNames.putIfAbsent(name, labelName);
        if (known != null && !known.equals(labelName)) {
            throw new IllegalArgumentException("metric " + name + " already registered with label " + known);
        }
        singleLabelChildren.computeIfAbsent(name, n -> {
            Map<String, DoubleSupplier> children = new ConcurrentHashMap<>();
            gauges(n, help, new String[] {labelName}, () -> {
                Map<List<String>, Double> now = new java.util.LinkedHashMap<>();
                children.forEach((label, v) -> now.put(List.of(label), v.getAsDouble()));
                return now;
            });
            return children;
        }).put(labelValue, value);
    }

    /**
     * A gauge with one label, read at scrape time: {@code values} gives each label value's reading
     * (kernel-only: the series come and go with the config, e.g. per cluster).
     */
    public void gauges(String name, String help, String labelName,
                       java.util.function.Supplier<Map<String, ? extends Number>> values) {
        gauges(name, help, new String[] {labelName}, () -> {
            Map<List<String>, Number> now = new java.util.TreeMap<>(java.util.Comparator.comparing(l -> l.get(0)));
            values.get().forEach((label, v) -> now.put(List.of(label), v));
            return now;
        });
    }

    /**
     * A gauge family with labels, read at scrape time: {@code values} maps label values (in
     * {@code labelNames} order) to the current value. For series that come and go with config (per
     * cluster), which a fixed set of children cannot follow. Kernel-only: not part of the spi.
     */
    public void gauges(String name, String help, String[] labelNames,
                       java.util.function.Supplier<Map<List<String>, ? extends Number>> values) {
        families.put(checkName(name), new LabelledGaugeFamily(name, help, labelNames.clone(), values));
    }

    private Family register(String name, java.util.function.Supplier<Family> factory, Class<?> type,
                            String[] labelNames) {
        Family family = families.computeIfAbsent(checkName(name), k -> factory.get());
        if (!type.isInstance(family) || !Arrays.equals(family.labelNames(), labelNames)) {
            throw new IllegalArgumentException("metric " + name + " is already registered with another type or labels");
        }
        return family;
    }

    private static String checkName(String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric name: '" + name + "' (expected: [a-zA-Z_:][a-zA-Z0-9_:]*)");
        }
        return name;
    }

    /** The Prometheus text exposition of every metric, sorted by name. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        families.keySet().stream().sorted().forEach(name -> families.get(name).render(out));
        return out.toString();
    }

    private interface Family {
        String[] labelNames();

        void render(StringBuilder out);
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static void writeLabels(StringBuilder out, String[] names, List<String> values, String extraName,
                               String extraValue) {
        if (names.length == 0 && extraName == null) {
            return;
        }
        out.append('{');
        for (int i = 0; i < names.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(names[i]).append("=\"").append(escape(values.get(i))).append('"');
        }
        if (extraName != null) {
            if (names.length > 0) {
                out.append(',');
            }
            out.append(extraName).append("=\"").append(extraValue).append('"');
        }
        out.append('}');
    }

    private static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static List<String> key(String[] names, String[] values) {
        if (names.length != values.length) {
            throw new IllegalArgumentException("expected " + names.length + " label values, got " + values.length);
        }
        return List.of(values);
    }

    private static String format(double v) {
        if (v == Double.POSITIVE_INFINITY) {
            return "+Inf";
        }
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }

    private static final class CounterFamilyImpl implements CounterFamily, Family {
        private final String name;
        private final String help;
        private final String[] labelNames;
        private final Map<List<String>, CounterImpl> children = new ConcurrentHashMap<>();

        CounterFamilyImpl(String name, String help, String[] labelNames) {
            this.name = name;
            this.help = help;
            this.labelNames = labelNames.clone();
        }

        @Override
        public Counter labels(String... labelValues) {
            return children.computeIfAbsent(key(labelNames, labelValues), k -> new CounterImpl());
        }

        @Override
        public String[] labelNames() {
            return labelNames;
        }

        @Override
        public void render(StringBuilder out) {
            header(out, name, help, "counter");
            children.forEach((k, v) -> {
                out.append(name);
                writeLabels(out, labelNames, k, null, null);
                out.append(' ').append(v.value.sum()).append('\n');
            });
        }
    }

    private static final class CounterImpl implements Counter {
        final LongAdder value = new LongAdder();

        @Override
        public void increment() {
            value.increment();
        }

        @Override
        public void add(long amount) {
            value.add(amount);
        }
    }

    private static final class HistogramFamilyImpl implements HistogramFamily, Family {
        private final String name;
        private final String help;
        private final double[] buckets;
        private final String[] labelNames;
        private final Map<List<String>, HistogramImpl> children = new ConcurrentHashMap<>();

        HistogramFamilyImpl(String name, String help, double[] buckets, String[] labelNames) {
            this.name = name;
            this.help = help;
            this.buckets = buckets.clone();
            Arrays.sort(this.buckets);
            this.labelNames = labelNames.clone();
        }

        @Override
        public Histogram labels(String... labelValues) {
            return children.computeIfAbsent(key(labelNames, labelValues), k -> new HistogramImpl(buckets));
        }

        @Override
        public String[] labelNames() {
            return labelNames;
        }

        @Override
        public void render(StringBuilder out) {
            header(out, name, help, "histogram");
            children.forEach((k, h) -> {
                long cumulative = 0;
                for (int i = 0; i <= buckets.length; i++) {
                    cumulative += h.counts[i].sum();
                    out.append(name).append("_bucket");
                    writeLabels(out, labelNames, k, "le", i < buckets.length ? format(buckets[i]) : "+Inf");
                    out.append(' ').append(cumulative).append('\n');
                }
                out.append(name).append("_sum");
                writeLabels(out, labelNames, k, null, null);
                out.append(' ').append(h.sum.sum()).append('\n');
                out.append(name).append("_count");
                writeLabels(out, labelNames, k, null, null);
                out.append(' ').append(cumulative).append('\n');
            });
        }
    }

    private static final class HistogramImpl implements Histogram {
        private final double[] bounds;
        final LongAdder[] counts;
        final DoubleAdder sum = new DoubleAdder();

        HistogramImpl(double[] bounds) {
            this.bounds = bounds;
            counts = new LongAdder[bounds.length + 1];
            for (int i = 0; i < counts.length; i++) {
                counts[i] = new LongAdder();
            }
        }

        @Override
        public void observe(double value) {
            int i = 0;
            while (i < bounds.length && value > bounds[i]) {
                i++;
            }
            counts[i].increment();
            sum.add(value);
        }
    }

    private static final class GaugeFamily implements Family {
        private final String name;
        private final String help;
        private final DoubleSupplier value;

        GaugeFamily(String name, String help, DoubleSupplier value) {
            this.name = name;
            this.help = help;
            this.value = value;
        }

        @Override
        public String[] labelNames() {
            return new String[0];
        }

        @Override
        public void render(StringBuilder out) {
            header(out, name, help, "gauge");
            out.append(name).append(' ').append(format(value.getAsDouble())).append('\n');
        }
    }

    private static final class LabelledGaugeFamily implements Family {
        private final String name;
        private final String help;
        private final String[] labelNames;
        private final java.util.function.Supplier<Map<List<String>, ? extends Number>> values;

        LabelledGaugeFamily(String name, String help, String[] labelNames,
                            java.util.function.Supplier<Map<List<String>, ? extends Number>> values) {
            this.name = name;
            this.help = help;
            this.labelNames = labelNames;
            this.values = values;
        }

        @Override
        public String[] labelNames() {
            return labelNames;
        }

        @Override
        public void render(StringBuilder out) {
            header(out, name, help, "gauge");
            values.get().forEach((k, v) -> {
                if (k.size() != labelNames.length) {
                    throw new IllegalStateException(name + ": expected " + labelNames.length + " label values, got " + k);
                }
                out.append(name);
                writeLabels(out, labelNames, k, null, null);
                out.append(' ').append(format(v.doubleValue())).append('\n');
            });
        }
    }

    /** Names of registered metrics (tests and docs). */
    public List<String> names() {
        return new ArrayList<>(families.keySet());
    }
}
