package io.tidegate.plugins.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Bearer JWTs checked against a JWK set: signature (algorithm allowlist, key type bound to the
 * algorithm), {@code exp}, {@code nbf} with clock skew, {@code iss}, {@code aud}; chosen claims are
 * forwarded as headers. A token verified recently is found by its SHA-256; otherwise RSA and HMAC
 * signatures are checked on the event loop (tens of microseconds) and ECDSA ones on the policy's
 * workers (about a millisecond). An unknown key id waits for a JWKS refetch without blocking.
 */
final class JwtPolicy implements Policy {

    static final List<String> KEYS = List.of("jwksUri", "jwks", "jwksFile", "algorithms", "issuer", "audience",
            "clockSkew", "requireExpiration", "claimsToHeaders", "stripCredentials", "tokenHeader", "tokenCookie",
            "tokenQueryParam", "realm", "jwksRefreshInterval", "jwksMinRefetchInterval", "jwksTimeout", "jwksMaxSize",
            "cacheTtl", "cacheSize", "workers", "queueSize");

    static final Set<JWSAlgorithm> SUPPORTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512, JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);

    private final Set<JWSAlgorithm> allowed;
    private final Set<String> issuers;
    private final Set<String> audiences;
    private final long skewMillis;
    private final boolean requireExp;
    private final Map<String, String> claimsToHeaders;
    private final String tokenHeader;
    private final String tokenCookie;
    private final String tokenQuery;
    private final List<String> removals;
    private final Clock clock;
    private final JwtKeys localKeys;
    private final RemoteJwks remote;
    private final String challenge;
    private final String invalidChallenge;
    private final CompletionStage<Decision> missing;
    private final VerifiedCache<Decision> cache;
    private final Workers workers;

    private final Outcomes outcomes;

    private JwtPolicy(ConfigNode settings, PluginContext context) {
        settings.requireOnlyKeys(KEYS.toArray(String[]::new));
        outcomes = new Outcomes(context.metrics(), "jwt");
        String keySource = settings.requireExactlyOne("jwksUri", "jwks", "jwksFile");
        allowed = algorithms(settings);
        issuers = new LinkedHashSet<>(settings.strings("issuer"));
        audiences = new LinkedHashSet<>(settings.strings("audience"));
        skewMillis = settings.duration("clockSkew", Duration.ofSeconds(60)).toMillis();
        requireExp = settings.bool("requireExpiration", true);
        clock = context.clock();
        Map<String, String> claims = new LinkedHashMap<>();
        settings.find("claimsToHeaders").ifPresent(map -> {
            for (String claim : map.keys()) {
                claims.put(claim, Support.headerName(map.get(claim)));
            }
        });
        claimsToHeaders = Map.copyOf(claims);
        tokenCookie = settings.string("tokenCookie", null);
        tokenQuery = settings.string("tokenQueryParam", null);
        tokenHeader = settings.has("tokenHeader") || (tokenCookie == null && tokenQuery == null)
                ? settings.find("tokenHeader").map(Support::headerName).orElse("authorization") : null;
        boolean strip = settings.bool("stripCredentials", false);
        List<String> remove = new ArrayList<>(claimsToHeaders.values());
        if (strip) {
            if (tokenHeader == null) {
                throw settings.get("stripCredentials").error("can only strip a token header (a cookie or query"
                        + " parameter cannot be removed by a policy)");
            }
            remove.add(tokenHeader);
        }
        removals = List.copyOf(remove);
        String realm = Support.realm(settings);
        challenge = "Bearer realm=\"" + realm + "\"";
        invalidChallenge = challenge + ", error=\"invalid_token\"";
        missing = Support.unauthorized(challenge, "no bearer token");
        cache = new VerifiedCache<>(clock, settings.duration("cacheTtl", Duration.ofMinutes(1)).toMillis(),
                settings.find("cacheSize").map(n -> n.asInt(1, 10_000_000)).orElse(10_000));
        workers = new Workers("jwt", settings.find("workers").map(n -> n.asInt(1, 64)).orElse(2),
                settings.find("queueSize").map(n -> n.asInt(1, 100_000)).orElse(256));

        ConfigNode source = settings.get(keySource);
        if (keySource.equals("jwksUri")) {
            URI uri = httpUri(source);
            localKeys = null;
            remote = new RemoteJwks(uri, positive(settings, "jwksTimeout", Duration.ofSeconds(5)),
                    settings.byteSize("jwksMaxSize", 1 << 20), allowed, clock,
                    positive(settings, "jwksRefreshInterval", Duration.ofMinutes(5)),
                    settings.duration("jwksMinRefetchInterval", Duration.ofSeconds(15)),
                    context.scheduler(), context.logger(JwtPolicy.class.getName()), this::keysChanged);
        } else {
            remote = null;
            String text;
            if (keySource.equals("jwksFile")) {
                Path file = context.resolvePath(source.asString());
                try {
                    text = Files.readString(file, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw source.error("cannot read " + file + ": " + e.getMessage());
                }
            } else {
                text = source.isMap() ? JSONObjectUtils.toJSONString(plainMap(source)) : source.asString();
            }
            try {
                localKeys = JwtKeys.of(JWKSet.parse(text), allowed);
            } catch (ParseException e) {
                throw source.error("is not a JWK set: " + e.getMessage());
            }
            if (localKeys.isEmpty()) {
                throw source.error("has no key usable with " + names(allowed)
                        + (localKeys.skipped().isEmpty() ? "" : " (" + String.join("; ", localKeys.skipped()) + ")"));
            }
        }
    }

    static JwtPolicy create(ConfigNode settings, PluginContext context) {
        return new JwtPolicy(settings, context);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> plainMap(ConfigNode node) {
        return (Map<String, Object>) node.toPlain();
    }

    private static Duration positive(ConfigNode settings, String key, Duration fallback) {
        Duration d = settings.duration(key, fallback);
        if (d.isZero() || d.isNegative()) {
            throw settings.get(key).error("must be more than 0s");
        }
        return d;
    }

    private static Set<JWSAlgorithm> algorithms(ConfigNode settings) {
        ConfigNode node = settings.find("algorithms").orElse(null);
        if (node == null) {
            return Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256);
        }
        Set<JWSAlgorithm> out = new LinkedHashSet<>();
        List<ConfigNode> items = node.isScalar() ? List.of(node) : node.items();
        for (ConfigNode item : items) {
            String name = item.asString().trim();
            JWSAlgorithm alg = JWSAlgorithm.parse(name);
            if (!SUPPORTED.contains(alg)) {
                throw item.error("'" + name + "' is not accepted (expected some of: " + names(SUPPORTED) + ")"
                        + ("none".equalsIgnoreCase(name) ? "; unsigned tokens are never accepted" : ""));
            }
            out.add(alg);
        }
        if (out.isEmpty()) {
            throw node.error("is empty (expected: at least one algorithm, e.g. RS256)");
        }
        return Set.copyOf(out);
    }

    private static String names(Set<JWSAlgorithm> algs) {
        return algs.stream().map(JWSAlgorithm::getName).sorted().reduce((a, b) -> a + ", " + b).orElse("");
    }

    private static URI httpUri(ConfigNode node) {
        try {
            URI uri = new URI(node.asString().trim());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw node.error("'" + node.asString() + "' (expected: an http or https URL)");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw node.error("'" + node.asString() + "' is not a URL: " + e.getReason());
        }
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        return outcomes.count(decide(request));
    }

    private CompletionStage<Decision> decide(RequestView request) {
        String token = token(request);
        if (token == null || token.isEmpty()) {
            return missing;
        }
        byte[] digest = cache.enabled() ? Support.sha256(token) : null;
        if (digest != null) {
            Decision cached = cache.get(digest);
            if (cached != null) {
                return CompletableFuture.completedFuture(cached);
            }
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (ParseException e) {
            return CompletableFuture.completedFuture(invalid("malformed token"));
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!allowed.contains(alg)) {
            return CompletableFuture.completedFuture(invalid("algorithm " + alg + " not allowed"));
        }
        String kid = jwt.getHeader().getKeyID();
        JwtKeys keys = remote == null ? localKeys : remote.keys();
        if (keys != null) {
            List<JwtKeys.Candidate> candidates = keys.select(kid, alg);
            if (!candidates.isEmpty() || remote == null || (kid != null && keys.hasKid(kid))) {
                return check(jwt, candidates, digest, keys);
            }
        }
        // Unknown key id (or no keys yet): refetch, at most once per jwksMinRefetchInterval.
        CompletableFuture<JwtKeys> refetch = remote.fetch(true);
        if (refetch == null) {
            return CompletableFuture.completedFuture(keys == null ? unavailable()
                    : invalid("unknown key id " + (kid == null ? "(none)" : "'" + kid + "'")
                    + " (JWKS refetch rate-limited)"));
        }
        return refetch.thenCompose(next -> next == null ? CompletableFuture.completedFuture(unavailable())
                : check(jwt, next.select(kid, alg), digest, next));
    }

    /**
     * Verifies: RSA and HMAC on the calling thread (tens of microseconds), ECDSA on the policy's
     * workers (the JDK's ECDSA verification takes about a millisecond: too long for an event loop).
     */
    private CompletionStage<Decision> check(SignedJWT jwt, List<JwtKeys.Candidate> candidates, byte[] digest,
                                            JwtKeys from) {
        if (!candidates.isEmpty() && JWSAlgorithm.Family.EC.contains(jwt.getHeader().getAlgorithm())) {
            return workers.run(() -> verifyAndRemember(jwt, candidates, digest, from));
        }
        return CompletableFuture.completedFuture(verifyAndRemember(jwt, candidates, digest, from));
    }

    /** A changed JWK set forgets every remembered token: a retired key stops working at once. */
    private void keysChanged() {
        cache.clear();
    }

    private Decision verifyAndRemember(SignedJWT jwt, List<JwtKeys.Candidate> candidates, byte[] digest,
                                       JwtKeys from) {
        Decision d = verify(jwt, candidates);
        boolean current = remote == null || remote.keys() == from; // not with keys replaced meanwhile
        if (digest != null && current && d instanceof Decision.Allow) {
            long notAfter = Long.MAX_VALUE;
            try {
                Date exp = jwt.getJWTClaimsSet().getExpirationTime();
                if (exp != null) {
                    notAfter = exp.getTime() + skewMillis;
                }
            } catch (ParseException e) {
                return d; // verify() parsed these claims already; unreachable
            }
            cache.put(digest, d, notAfter);
        }
        return d;
    }

    private String token(RequestView request) {
        if (tokenHeader != null) {
            String v = request.header(tokenHeader);
            if (v != null) {
                String bearer = Support.afterScheme(v, "Bearer");
                if (bearer != null) {
                    return bearer;
                }
                if (!tokenHeader.equals("authorization")) {
                    return v.trim();
                }
            }
        }
        if (tokenCookie != null) {
            for (String cookies : request.headers("cookie")) {
                for (String pair : cookies.split(";")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && pair.substring(0, eq).trim().equals(tokenCookie)) {
                        return pair.substring(eq + 1).trim();
                    }
                }
            }
        }
        if (tokenQuery != null) {
            return request.queryParam(tokenQuery);
        }
        return null;
    }

    private Decision verify(SignedJWT jwt, List<JwtKeys.Candidate> candidates) {
        if (candidates.isEmpty()) {
            String kid = jwt.getHeader().getKeyID();
            return invalid("no key for " + jwt.getHeader().getAlgorithm()
                    + (kid == null ? "" : " with key id '" + kid + "'"));
        }
        boolean verified = false;
        for (JwtKeys.Candidate c : candidates) {
            try {
                if (jwt.verify(c.verifier())) {
                    verified = true;
                    break;
                }
            } catch (JOSEException | IllegalStateException e) {
                // not this key
            }
        }
        if (!verified) {
            return invalid("bad signature");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return invalid("malformed claims");
        }
        long now = clock.millis();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            if (requireExp) {
                return invalid("no exp claim");
            }
        } else if (now >= exp.getTime() + skewMillis) {
            return invalid("expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now < nbf.getTime() - skewMillis) {
            return invalid("not valid yet (nbf)");
        }
        if (!issuers.isEmpty() && (claims.getIssuer() == null || !issuers.contains(claims.getIssuer()))) {
            return invalid("issuer not accepted");
        }
        if (!audiences.isEmpty()) {
            List<String> aud = claims.getAudience();
            if (aud == null || aud.stream().noneMatch(audiences::contains)) {
                return invalid("audience not accepted");
            }
        }
        if (claimsToHeaders.isEmpty()) {
            return Support.allow(List.of(), removals);
        }
        List<HeaderValue> set = new ArrayList<>(claimsToHeaders.size());
        claimsToHeaders.forEach((claim, header) -> {
            String value = render(claims.getClaim(claim));
            if (value != null && Support.isSafeHeaderValue(value)) {
                set.add(new HeaderValue(header, value));
            }
        });
        return Support.allow(set, removals);
    }

    @SuppressWarnings("unchecked")
    private static String render(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Date d) {
            return Long.toString(d.getTime() / 1000);
        }
        if (v instanceof List<?> list) {
            List<String> parts = new ArrayList<>(list.size());
            for (Object o : list) {
                parts.add(render(o));
            }
            return String.join(",", parts);
        }
        if (v instanceof Map<?, ?> map) {
            return JSONObjectUtils.toJSONString((Map<String, ?>) map);
        }
        return v.toString();
    }

    private Decision invalid(String reason) {
        return Support.unauthorizedDecision(invalidChallenge, reason);
    }

    private static Decision unavailable() {
        return new Decision.Deny(503, List.of(new HeaderValue("retry-after", "5")), "authentication unavailable",
                "no JWKS keys yet (fetch failed or pending)");
    }

    long jwksFetches() {
        return remote == null ? 0 : remote.fetches();
    }

    @Override
    public void close() {
        if (remote != null) {
            remote.close();
        }
        workers.close();
    }
}
