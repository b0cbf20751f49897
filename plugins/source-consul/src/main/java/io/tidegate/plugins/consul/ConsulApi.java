package io.tidegate.plugins.consul;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The three Consul reads this source makes, each a blocking query: {@code index} 0 asks for the current
 * state at once; any other index holds the call until the state's index passes it or {@code wait}
 * expires. Calls block their thread and throw on any failure (connection, HTTP status, body).
 */
interface ConsulApi extends AutoCloseable {

    /** {@code GET /v1/catalog/services}: service name to the union of its instances' tags. */
    Indexed<Map<String, List<String>>> services(long index, Duration wait);

    /**
     * {@code GET /v1/health/service/<name>} ({@code ?passing} when {@code passingOnly}): the instances with
     * their aggregated check status.
     */
    Indexed<List<Instance>> health(String service, boolean passingOnly, long index, Duration wait);

    /** {@code GET /v1/kv/<prefix>?recurse}: every key under the prefix (a 404 is an empty list). */
    Indexed<List<KvEntry>> kv(String prefix, long index, Duration wait);

    /** Cancels calls in flight and frees connections. */
    @Override
    void close();

    /** A query result and its {@code X-Consul-Index}. */
    record Indexed<T>(T value, long index) {
        public Indexed {
            requireNonNull(value, "value");
        }
    }

    /** An instance's aggregated health: critical if any check is critical, else warning if any is. */
    enum Status { PASSING, WARNING, CRITICAL }

    /**
     * One service instance as {@code /v1/health/service} describes it.
     *
     * @param node the node name
     * @param nodeAddress {@code Node.Address}
     * @param id {@code Service.ID}
     * @param address {@code Service.Address}, possibly empty
     * @param port {@code Service.Port}
     * @param tags {@code Service.Tags}
     * @param meta {@code Service.Meta}
     * @param passingWeight {@code Service.Weights.Passing} (1 when absent)
     * @param warningWeight {@code Service.Weights.Warning} (1 when absent)
     * @param status the aggregated check status
     */
    record Instance(String node, String nodeAddress, String id, String address, int port, List<String> tags,
                    Map<String, String> meta, int passingWeight, int warningWeight, Status status) {
        public Instance {
            tags = List.copyOf(tags);
            meta = Map.copyOf(meta);
        }

        /** {@code Service.Address}, or {@code Node.Address} when that is empty (Consul's own rule). */
        String effectiveAddress() {
            return address == null || address.isBlank() ? nodeAddress : address;
        }
    }

    /** A KV entry with its value decoded from base64 as UTF-8 (null for a key without value). */
    record KvEntry(String key, String value, long modifyIndex) { }
}
