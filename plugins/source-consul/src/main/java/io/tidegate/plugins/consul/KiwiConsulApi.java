package io.tidegate.plugins.consul;

import java.math.BigInteger;
import java.net.MalformedURLException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.X509TrustManager;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.health.HealthCheck;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.kiwiproject.consul.util.failover.strategy.ConsulFailoverStrategy;

/**
 * {@link ConsulApi} on kiwiproject's {@code consul-client} (Retrofit and OkHttp underneath). The client
 * gives blocking queries ({@code index}, {@code wait}, {@code X-Consul-Index} in every response), TLS with
 * our own {@code SSLContext}, the token as a header, {@code dc} and {@code ns} per query. The one thing it
 * lacks, the Enterprise {@code partition} parameter, is added to each request through the client's
 * request-stage hook (its failover strategy, with our single agent as the only host).
 */
final class KiwiConsulApi implements ConsulApi {

    private final Consul consul;
    private final ConsulSettings settings;

    KiwiConsulApi(ConsulSettings settings) {
        this.settings = settings;
        Consul.Builder builder = Consul.builder()
                .withUrl(url(settings))
                .withPing(false)
                .withConnectTimeoutMillis(settings.connectTimeout().toMillis())
                // A blocking query holds up to wait + wait/16 (Consul's jitter); give it room.
                .withReadTimeoutMillis(settings.blockingWait().toMillis() + settings.blockingWait().toMillis() / 16 + 10_000)
                .withWriteTimeoutMillis(settings.connectTimeout().toMillis());
        if (settings.token() != null) {
            // A header, not the deprecated ?token= query parameter (which ends up in access logs).
            builder.withHeaders(Map.of("X-Consul-Token", settings.token()));
        }
        if (settings.tls() != null) {
            TlsMaterial tls = TlsMaterial.load(settings.tls());
            SSLContext context = tls.sslContext();
            X509TrustManager trust = tls.trustManager();
            builder.withSslContext(context).withTrustManager(trust);
            if (!settings.tls().verify()) {
                builder.withHostnameVerifier((host, session) -> true);
            }
        }
        if (settings.partition() != null) {
            builder.withFailoverInterceptorUsingStrategy(new AddPartition(settings.partition()))
                    .withMaxFailoverAttempts(1);
        }
        this.consul = builder.build();
    }

    private static URL url(ConsulSettings settings) {
        try {
            return settings.address().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("address: " + settings.address(), e);
        }
    }

    private QueryOptions options(long index, Duration wait) {
        ImmutableQueryOptions.Builder b = ImmutableQueryOptions.builder();
        if (index > 0) {
            // Whole seconds: the client's timeout interceptor reads only "<n>s" or "<n>m" (as Consul documents).
            long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
            b.index(BigInteger.valueOf(index)).wait(seconds + "s");
        }
        if (settings.datacenter() != null) {
            b.datacenter(settings.datacenter());
        }
        if (settings.namespace() != null) {
            b.namespace(settings.namespace());
        }
        return b.build();
    }

    @Override
    public Indexed<Map<String, List<String>>> services(long index, Duration wait) {
        ConsulResponse<Map<String, List<String>>> r = consul.catalogClient().getServices(options(index, wait));
        Map<String, List<String>> services = new LinkedHashMap<>();
        if (r.getResponse() != null) {
            r.getResponse().forEach((name, tags) -> services.put(name, tags == null ? List.of() : List.copyOf(tags)));
        }
        return new Indexed<>(services, index(r));
    }

    @Override
    public Indexed<List<Instance>> health(String service, boolean passingOnly, long index, Duration wait) {
        QueryOptions options = options(index, wait);
        ConsulResponse<List<ServiceHealth>> r = passingOnly
                ? consul.healthClient().getHealthyServiceInstances(service, options)
                : consul.healthClient().getAllServiceInstances(service, options);
        List<Instance> instances = new ArrayList<>();
        if (r.getResponse() != null) {
            for (ServiceHealth h : r.getResponse()) {
                var s = h.getService();
                int passing = s.getWeights().map(w -> w.getPassing()).orElse(1);
                int warning = s.getWeights().map(w -> w.getWarning()).orElse(1);
                instances.add(new Instance(h.getNode().getNode(), h.getNode().getAddress(), s.getId(),
                        s.getAddress() == null ? "" : s.getAddress(), s.getPort(),
                        s.getTags() == null ? List.of() : s.getTags(), s.getMeta() == null ? Map.of() : s.getMeta(),
                        passing, warning, status(h.getChecks())));
            }
        }
        return new Indexed<>(instances, index(r));
    }

    private static Status status(List<HealthCheck> checks) {
        Status status = Status.PASSING;
        for (HealthCheck c : checks == null ? List.<HealthCheck>of() : checks) {
            String s = c.getStatus() == null ? "" : c.getStatus();
            if (s.equals("critical") || s.equals("maintenance")) {
                return Status.CRITICAL;
            }
            if (!s.equals("passing")) {
                status = Status.WARNING; // warning, or a status this build does not know: not plainly passing
            }
        }
        return status;
    }

    @Override
    public Indexed<List<KvEntry>> kv(String prefix, long index, Duration wait) {
        ConsulResponse<List<Value>> r = consul.keyValueClient().getConsulResponseWithValues(prefix, options(index, wait));
        List<KvEntry> entries = new ArrayList<>();
        if (r != null && r.getResponse() != null) {
            for (Value v : r.getResponse()) {
                entries.add(new KvEntry(v.getKey(), v.getValueAsString(StandardCharsets.UTF_8).orElse(null),
                        v.getModifyIndex()));
            }
        }
        return new Indexed<>(entries, r == null ? 0 : index(r));
    }

    private static long index(ConsulResponse<?> r) {
        BigInteger i = r.getIndex();
        return i == null ? 0 : i.longValue();
    }

    @Override
    public void close() {
        try {
            consul.destroy();
        } catch (RuntimeException e) {
            // closing must not throw; nothing else holds these connections
        }
    }

    /** Adds {@code partition=<name>} to every request; one host, no failover. */
    private record AddPartition(String partition) implements ConsulFailoverStrategy {
        @Override
        public Optional<Request> computeNextStage(Request previousRequest) {
            return computeNextStage(previousRequest, null);
        }

        @Override
        public Optional<Request> computeNextStage(Request previousRequest, Response previousResponse) {
            HttpUrl url = previousRequest.url();
            if (url.queryParameter("partition") != null) {
                return Optional.of(previousRequest);
            }
            return Optional.of(previousRequest.newBuilder()
                    .url(url.newBuilder().addQueryParameter("partition", partition).build()).build());
        }

        @Override
        public boolean isRequestViable(Request request) {
            return true;
        }

        @Override
        public void markRequestFailed(Request request) {
        }
    }
}
