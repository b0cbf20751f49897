package io.tidegate.kernel.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsRegistryTest {

    @Test
    void rendersPrometheusTextFormat() {
        MetricsRegistry r = new MetricsRegistry();
        r.counter("tidegate_requests_total", "Requests.", "route", "code_class").labels("api", "2xx").add(3);
        r.histogram("tidegate_latency_seconds", "Latency.", new double[] {0.1, 1}, "route").labels("a\"b").observe(0.5);
        r.gauge("tidegate_up", "Up.", () -> 1);
        String text = r.scrape();
        assertThat(text).contains("# TYPE tidegate_requests_total counter\n")
                .contains("tidegate_requests_total{route=\"api\",code_class=\"2xx\"} 3\n")
                .contains("tidegate_latency_seconds_bucket{route=\"a\\\"b\",le=\"0.1\"} 0\n")
                .contains("tidegate_latency_seconds_bucket{route=\"a\\\"b\",le=\"1\"} 1\n")
                .contains("tidegate_latency_seconds_bucket{route=\"a\\\"b\",le=\"+Inf\"} 1\n")
                .contains("tidegate_latency_seconds_count{route=\"a\\\"b\"} 1\n")
                .contains("tidegate_up 1\n");
    }

    @Test
    void labelledGaugesRenderOneLinePerChild() {
        MetricsRegistry r = new MetricsRegistry();
        r.gauge("tidegate_listener_connections_active", "Open.", "listener", "web", () -> 3);
        r.gauge("tidegate_listener_connections_active", "Open.", "listener", "admin\"x", () -> 0);
        assertThat(r.scrape()).containsOnlyOnce("# TYPE tidegate_listener_connections_active gauge\n")
                .contains("tidegate_listener_connections_active{listener=\"web\"} 3\n")
                .contains("tidegate_listener_connections_active{listener=\"admin\\\"x\"} 0\n");
        assertThatThrownBy(() -> r.gauge("tidegate_listener_connections_active", "Open.", "port", "1", () -> 1))
                .hasMessageContaining("already registered");
    }

    @Test
    void refusesConflictingRegistrationsAndBadNames() {
        MetricsRegistry r = new MetricsRegistry();
        r.counter("x_total", "x", "a");
        assertThat(r.counter("x_total", "x", "a")).isNotNull();
        assertThatThrownBy(() -> r.counter("x_total", "x", "b")).hasMessageContaining("already registered");
        assertThatThrownBy(() -> r.counter("bad-name", "x")).hasMessageContaining("metric name");
    }
}
