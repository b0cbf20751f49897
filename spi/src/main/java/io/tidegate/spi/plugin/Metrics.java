package io.tidegate.spi.plugin;

import java.util.function.DoubleSupplier;

/**
 * Registers Prometheus metrics. Names should start with {@code tidegate_} and follow Prometheus
 * conventions ({@code _total} for counters, {@code _seconds} for durations). Registering the same
 * name twice returns the same metric when the type and labels agree, and fails otherwise.
 */
public interface Metrics {

    /** A counter family. */
    CounterFamily counter(String name, String help, String... labelNames);

    /** A histogram family with the given upper bounds (seconds, bytes, ...). */
    HistogramFamily histogram(String name, String help, double[] buckets, String... labelNames);

    /** A gauge read when scraped. */
    void gauge(String name, String help, DoubleSupplier value);

    /** A counter family; look children up once and keep them, the lookup allocates. */
    interface CounterFamily {
        Counter labels(String... labelValues);
    }

    /** One counter time series. */
    interface Counter {
        void increment();

        void add(long amount);
    }

    /** A histogram family. */
    interface HistogramFamily {
        Histogram labels(String... labelValues);
    }

    /** One histogram time series. */
    interface Histogram {
        void observe(double value);
    }
}
