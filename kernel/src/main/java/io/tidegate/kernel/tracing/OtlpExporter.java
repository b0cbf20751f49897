package io.tidegate.kernel.tracing;

import static java.util.Objects.requireNonNull;

import io.tidegate.kernel.config.TracingConfig;
import io.tidegate.kernel.metrics.MetricsRegistry;
import io.tidegate.spi.plugin.Metrics;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Sends finished spans to an OTLP/HTTP receiver in batches, from one dedicated thread. Event loops only
 * offer a span to a bounded queue; when it is full the span is dropped and counted, so a slow or absent
 * collector never slows traffic. A batch goes out when it is full or {@code batchInterval} after its first
 * span. Throttling and transient failures (429, 502, 503, 504, connection errors) are retried with
 * exponential backoff, honouring {@code Retry-After} (the OTLP/HTTP spec's retry rules); other answers
 * drop the batch. {@link #close} flushes what is queued within the export timeout.
 */
final class OtlpExporter implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OtlpExporter.class.getName());
    static final int MAX_RETRIES = 4;
    static final Duration FIRST_BACKOFF = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** Wakes the exporter thread for shutdown. */
    private static final SpanData WAKE_UP = new SpanData(new SpanContext(0, 0, 0, 0, false, null, 0, 0), "", 0,
            false, null, List.of());

    private final TracingConfig.Otlp config;
    private final String serviceName;
    private final BlockingQueue<SpanData> queue;
    private final HttpClient client;
    private final Thread thread;
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile long flushDeadlineNanos;

    private final Metrics.Counter exported;
    private final Metrics.Counter droppedQueueFull;
    private final Metrics.Counter droppedFailed;
    private final Metrics.Counter retries;

    OtlpExporter(TracingConfig.Otlp config, String serviceName, MetricsRegistry metrics) {
        this.config = requireNonNull(config, "config");
        this.serviceName = requireNonNull(serviceName, "serviceName");
        this.queue = new ArrayBlockingQueue<>(config.queueSize());
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(config.timeout())
                .build(); // one kept-alive connection; no h2c upgrade dance with receivers that do not speak it
        exported = metrics.counter("tidegate_tracing_spans_exported_total",
                "Spans the OTLP receiver accepted.").labels();
        Metrics.CounterFamily dropped = metrics.counter("tidegate_tracing_spans_dropped_total",
                "Spans not exported, by reason (queue_full, export_failed).", "reason");
        droppedQueueFull = dropped.labels("queue_full");
        droppedFailed = dropped.labels("export_failed");
        retries = metrics.counter("tidegate_tracing_export_retries_total",
                "OTLP export requests retried after throttling or a transient failure.").labels();
        metrics.gauge("tidegate_tracing_queue_spans", "Spans waiting for export.", () -> queue.size());
        thread = new Thread(this::run, "tidegate-otlp-exporter");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a span; never blocks. */
    void export(SpanData span) {
        if (!running || !queue.offer(span)) {
            droppedQueueFull.increment();
        }
    }

    private void run() {
        List<SpanData> batch = new ArrayList<>(config.batchSize());
        long interval = config.batchInterval().toNanos();
        while (running || !queue.isEmpty()) {
            try {
                SpanData first = queue.poll(interval, TimeUnit.NANOSECONDS);
                if (first == null) {
                    continue;
                }
                add(batch, first);
                long deadline = System.nanoTime() + interval;
                while (batch.size() < config.batchSize()) {
                    queue.drainTo(batch, config.batchSize() - batch.size());
                    batch.remove(WAKE_UP);
                    long wait = deadline - System.nanoTime();
                    if (batch.size() >= config.batchSize() || wait <= 0 || !running) {
                        break;
                    }
                    SpanData next = queue.poll(wait, TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    add(batch, next);
                }
                if (!batch.isEmpty()) {
                    send(batch);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // close() gave up waiting: what is left is lost
                queue.remove(WAKE_UP);
                droppedFailed.add(batch.size() + queue.size());
                queue.clear();
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "OTLP export failed", e);
                droppedFailed.add(batch.size());
            }
            batch.clear();
        }
    }

    private static void add(List<SpanData> batch, SpanData span) {
        if (span != WAKE_UP) {
            batch.add(span);
        }
    }

    private void send(List<SpanData> batch) throws InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(config.endpoint())
                .timeout(config.timeout())
                .header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(OtlpProtobuf.encode(serviceName, batch)));
        config.headers().forEach(request::header);
        HttpRequest built = request.build();
        long backoff = FIRST_BACKOFF.toNanos();
        for (int attempt = 0; ; attempt++) {
            long wait;
            String failure;
            try {
                HttpResponse<Void> response = client.send(built, HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    exported.add(batch.size());
                    return;
                }
                failure = "HTTP " + status;
                if (status != 429 && status != 502 && status != 503 && status != 504) {
                    drop(batch, failure + " (not retryable)");
                    return;
                }
                wait = Math.max(backoff, retryAfterNanos(response.headers().firstValue("Retry-After").orElse(null)));
            } catch (IOException e) {
                failure = e.toString();
                wait = backoff;
            }
            if (attempt >= MAX_RETRIES || pastFlushDeadline(wait)) {
                drop(batch, failure);
                return;
            }
            retries.increment();
            if (closing.await(wait, TimeUnit.NANOSECONDS) && pastFlushDeadline(0)) {
                drop(batch, failure);
                return;
            }
            backoff = Math.min(backoff * 2, MAX_BACKOFF.toNanos());
        }
    }

    /** While flushing on shutdown: whether waiting {@code nanos} more would pass the flush deadline. */
    private boolean pastFlushDeadline(long nanos) {
        return !running && System.nanoTime() + nanos - flushDeadlineNanos > 0; // the deadline is set before running
    }

    private void drop(List<SpanData> batch, String why) {
        droppedFailed.add(batch.size());
        LOG.log(System.Logger.Level.WARNING, "OTLP export to " + config.endpoint() + " failed (" + why + "); "
                + batch.size() + " spans dropped");
    }

    /** {@code Retry-After} in seconds; an HTTP date or junk: 0 (the backoff applies). Capped at a minute. */
    static long retryAfterNanos(String value) {
        if (value == null) {
            return 0;
        }
        try {
            long seconds = Long.parseLong(value.trim());
            return seconds <= 0 ? 0 : TimeUnit.SECONDS.toNanos(Math.min(seconds, 60));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Stops taking spans and sends those queued, for at most the export timeout. */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        flushDeadlineNanos = System.nanoTime() + config.timeout().toNanos();
        running = false;
        closing.countDown();
        queue.offer(WAKE_UP);
        try {
            thread.join(config.timeout().toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
            try {
                thread.join(1000); // let it count what it drops
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
