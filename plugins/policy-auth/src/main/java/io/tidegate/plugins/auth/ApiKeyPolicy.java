package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * API keys. Settings hold SHA-256 digests of the keys, never the keys. A request costs one SHA-256
 * of the presented key (per-thread digest, into a per-thread buffer) and one hash-map lookup; every
 * decision is precomputed in {@link #create}, so an allowed request allocates only the lookup key.
 */
final class ApiKeyPolicy implements Policy {

    static final List<String> KEYS = List.of("keys", "header", "queryParam", "consumerHeader", "stripCredentials",
            "realm");

    /** A digest as four longs: cheap equality and hashing, no byte[] or hex string per request. */
    private record Digest(long a, long b, long c, long d) {
        static Digest of(byte[] h) {
            return new Digest(word(h, 0), word(h, 8), word(h, 16), word(h, 24));
        }

        private static long word(byte[] h, int at) {
            long v = 0;
            for (int i = at; i < at + 8; i++) {
                v = (v << 8) | (h[i] & 0xff);
            }
            return v;
        }
    }

    private static final ThreadLocal<byte[]> OUT = ThreadLocal.withInitial(() -> new byte[32]);
    private static final ThreadLocal<MessageDigest> SHA256 =
            ThreadLocal.withInitial(() -> Support.digest("SHA-256"));

    private final Map<Digest, CompletionStage<Decision>> allowed;
    private final String header;
    private final String queryParam;
    private final CompletionStage<Decision> missing;
    private final CompletionStage<Decision> invalid;

    private final Outcomes outcomes;

    private ApiKeyPolicy(ConfigNode settings, io.tidegate.spi.plugin.Metrics metrics) {
        settings.requireOnlyKeys(KEYS.toArray(String[]::new));
        outcomes = new Outcomes(metrics, "api-key");
        boolean hasQuery = settings.has("queryParam");
        header = settings.has("header") || !hasQuery ? headerOrDefault(settings) : null;
        queryParam = hasQuery ? settings.string("queryParam") : null;
        if (queryParam != null && queryParam.isEmpty()) {
            throw settings.get("queryParam").error("is empty (expected: a query parameter name)");
        }
        String consumerHeader = Support.optionalHeader(settings, "consumerHeader");
        boolean strip = settings.bool("stripCredentials", true);
        String realm = Support.realm(settings);
        List<String> remove = new ArrayList<>();
        if (strip && header != null) {
            remove.add(header);
        }
        if (consumerHeader != null) {
            remove.add(consumerHeader);
        }
        Map<Digest, CompletionStage<Decision>> byDigest = new HashMap<>();
        Map<Digest, String> ids = new HashMap<>();
        ConfigNode keys = settings.get("keys");
        if (keys.items().isEmpty()) {
            throw keys.error("is empty (expected: at least one {id, sha256} entry)");
        }
        for (ConfigNode entry : keys.items()) {
            entry.requireOnlyKeys("id", "sha256");
            String id = entry.string("id");
            ConfigNode hashNode = entry.get("sha256");
            String hex = hashNode.asString().trim().toLowerCase(Locale.ROOT);
            if (hex.length() != 64 || !hex.chars().allMatch(ch -> ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f')) {
                throw hashNode.error("is not a SHA-256 digest (expected: 64 hex digits, e.g. from"
                        + " `printf %s \"$KEY\" | sha256sum`; settings hold digests, never keys)");
            }
            if (consumerHeader != null && !Support.isSafeHeaderValue(id)) {
                throw entry.get("id").error("must be one line (it is sent in " + consumerHeader + ")");
            }
            Digest digest = Digest.of(HexFormat.of().parseHex(hex));
            String previous = ids.put(digest, id);
            if (previous != null) {
                throw hashNode.error("the same key digest is listed for '" + previous + "' and '" + id + "'");
            }
            List<HeaderValue> set = consumerHeader == null ? List.of() : List.of(new HeaderValue(consumerHeader, id));
            byDigest.put(digest, CompletableFuture.completedFuture(Support.allow(set, remove)));
        }
        allowed = Map.copyOf(byDigest);
        String challenge = "ApiKey realm=\"" + realm + "\"";
        missing = Support.unauthorized(challenge, "no API key");
        invalid = Support.unauthorized(challenge, "unknown API key");
    }

    private static String headerOrDefault(ConfigNode settings) {
        return settings.find("header").map(Support::headerName).orElse("x-api-key");
    }

    static ApiKeyPolicy create(ConfigNode settings, io.tidegate.spi.plugin.PluginContext context) {
        return new ApiKeyPolicy(settings, context.metrics());
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        return outcomes.count(decide(request));
    }

    private CompletionStage<Decision> decide(RequestView request) {
        String key = header == null ? null : request.header(header);
        if (key == null && queryParam != null) {
            key = request.queryParam(queryParam);
        }
        if (key == null || key.isEmpty()) {
            return missing;
        }
        CompletionStage<Decision> decision = allowed.get(digest(key));
        return decision != null ? decision : invalid;
    }

    /** SHA-256 of the key's UTF-8 bytes; ASCII keys (the usual case) are encoded without allocating. */
    private static Digest digest(String key) {
        MessageDigest md = SHA256.get();
        md.reset();
        boolean ascii = true;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= 0x80) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            for (int i = 0; i < key.length(); i++) {
                md.update((byte) key.charAt(i));
            }
        } else {
            md.update(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        byte[] out = OUT.get();
        try {
            md.digest(out, 0, 32);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
        return Digest.of(out);
    }
}
