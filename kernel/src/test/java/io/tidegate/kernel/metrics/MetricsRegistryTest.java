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

    @Test
    void labelledGaugesAreReadAtScrapeTimeAndEscapeLikeEveryLabel() {
        MetricsRegistry r = new MetricsRegistry();
        java.util.Map<java.util.List<String>, Long> values = new java.util.LinkedHashMap<>();
        r.gauges("tidegate_idle", "Idle.", new String[] {"cluster"}, () -> values);
        assertThat(r.scrape()).isEqualTo("# HELP tidegate_idle Idle.\n# TYPE tidegate_idle gauge\n");
        values.put(java.util.List.of("a\\b\n\"c\""), 2L);
        String text = r.scrape();
        assertThat(text).contains("tidegate_idle{cluster=\"a\\\\b\\n\\\"c\\\"\"} 2\n");
        io.tidegate.kernel.testing.PrometheusText parsed = io.tidegate.kernel.testing.PrometheusText.parse(text);
        assertThat(parsed.samples("tidegate_idle").get(0).label("cluster")).isEqualTo("a\\b\n\"c\"");
    }

    @Test
    void theExpositionParserRefusesWhatPrometheusWouldRefuse() {
        String typed = "# HELP x_total X.\n# TYPE x_total counter\n";
        io.tidegate.kernel.testing.PrometheusText.parse(typed + "x_total{a=\"1\"} 2\n");
        for (String bad : new String[] {
            "x_total 1\n", // no HELP/TYPE
            typed + "x_total{a=1} 2\n", // unquoted value
            typed + "x_total{a=\"\\t\"} 2\n", // an escape the format does not define
            typed + "x_total{a=\"1\",a=\"2\"} 2\n", // repeated label
            typed + "x_total 1", // no final line feed
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
            "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", // no +Inf
        }) {
            assertThatThrownBy(() -> io.tidegate.kernel.testing.PrometheusText.parse(bad)).as(bad)
                    .isInstanceOf(AssertionError.class);
        }
    }
}
