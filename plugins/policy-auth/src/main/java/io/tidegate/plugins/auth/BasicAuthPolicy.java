package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP Basic authentication against htpasswd users. bcrypt and apr1 checks run on a small bounded
 * executor owned by the policy, never on the event loop; successful checks are cached by a SHA-256
 * of the {@code Authorization} value for {@code cacheTtl}, so a returning client costs one digest and
 * one map lookup.
 */
final class BasicAuthPolicy implements Policy {

    static final List<String> KEYS = List.of("htpasswd", "htpasswdFile", "realm", "stripCredentials", "userHeader",
            "cacheTtl", "cacheSize", "workers", "queueSize", "reloadInterval");

    private volatile Htpasswd users;
    private final String challenge;
    private final boolean strip;
    private final String userHeader;
    private final VerifiedCache<String> cache;
    private final Workers workers;
    private final CompletionStage<Decision> missing;
    private final Decision.Allow plainAllow;
    private final System.Logger log;
    private final ScheduledFuture<?> reload;
    private final Path file;
    private volatile FileTime fileTime;
    private volatile long fileSize;
    private String lastProblem; // only touched by the reload task

    private final Outcomes outcomes;

    private BasicAuthPolicy(ConfigNode settings, PluginContext context) {
        settings.requireOnlyKeys(KEYS.toArray(String[]::new));
        outcomes = new Outcomes(context.metrics(), "basic-auth");
        String source = settings.requireExactlyOne("htpasswd", "htpasswdFile");
        ConfigNode sourceNode = settings.get(source);
        log = context.logger(BasicAuthPolicy.class.getName());
        if (source.equals("htpasswd")) {
            file = null;
            users = parse(sourceNode, sourceNode.asString());
        } else {
            file = context.resolvePath(sourceNode.asString());
            try {
                fileTime = Files.getLastModifiedTime(file);
                fileSize = Files.size(file);
                users = parse(sourceNode, Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw sourceNode.error("cannot read " + file + ": " + e.getMessage());
            }
        }
        String realm = Support.realm(settings);
        challenge = "Basic realm=\"" + realm + "\", charset=\"UTF-8\"";
        strip = settings.bool("stripCredentials", true);
        userHeader = Support.optionalHeader(settings, "userHeader");
        Duration ttl = settings.duration("cacheTtl", Duration.ofMinutes(1));
        int cacheSize = settings.find("cacheSize").map(n -> n.asInt(1, 10_000_000)).orElse(10_000);
        cache = new VerifiedCache<>(context.clock(), ttl.toMillis(), cacheSize);
        int threads = settings.find("workers").map(n -> n.asInt(1, 64)).orElse(2);
        int queue = settings.find("queueSize").map(n -> n.asInt(1, 100_000)).orElse(256);
        workers = new Workers("basic-auth", threads, queue);
        missing = Support.unauthorized(challenge, "no Basic credentials");
        plainAllow = Support.allow(List.of(), removals());
        Duration every = settings.duration("reloadInterval", Duration.ofSeconds(5));
        if (file != null && !every.isZero()) {
            reload = context.scheduler().scheduleWithFixedDelay(this::reloadIfChanged, every.toMillis(),
                    every.toMillis(), TimeUnit.MILLISECONDS);
        } else {
            reload = null;
        }
    }

    static BasicAuthPolicy create(ConfigNode settings, PluginContext context) {
        return new BasicAuthPolicy(settings, context);
    }

    private static Htpasswd parse(ConfigNode node, String text) {
        try {
            return Htpasswd.parse(text);
        } catch (Htpasswd.FormatException e) {
            throw node.error(e.getMessage());
        }
    }

    private List<String> removals() {
        List<String> remove = new ArrayList<>(2);
        if (strip) {
            remove.add("authorization");
        }
        if (userHeader != null) {
            remove.add(userHeader);
        }
        return remove;
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        return outcomes.count(decide(request));
    }

    private CompletionStage<Decision> decide(RequestView request) {
        String header = request.header("authorization");
        String encoded = Support.afterScheme(header, "Basic");
        if (encoded == null) {
            return missing;
        }
        byte[] key = Support.sha256(header);
        String cached = cache.get(key);
        if (cached != null) {
            return CompletableFuture.completedFuture(allowed(cached));
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Support.unauthorized(challenge, "malformed Basic credentials");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return Support.unauthorized(challenge, "malformed Basic credentials");
        }
        String name = decoded.substring(0, colon);
        String password = decoded.substring(colon + 1);
        Htpasswd current = users;
        Htpasswd.User user = current.user(name);
        if (user == null) {
            String dummy = current.anyBcryptHash();
            if (dummy == null) {
                return Support.unauthorized(challenge, "unknown user");
            }
            // Spend the time a real check takes, so response times do not reveal which users exist.
            return offload(() -> {
                Htpasswd.bcrypt(password, dummy);
                return Support.unauthorizedDecision(challenge, "unknown user");
            });
        }
        if (user.scheme() == Htpasswd.Scheme.SHA) {
            return CompletableFuture.completedFuture(check(user, password, key, current));
        }
        return offload(() -> check(user, password, key, current));
    }

    private CompletionStage<Decision> offload(java.util.function.Supplier<Decision> work) {
        return workers.run(work);
    }

    private Decision check(Htpasswd.User user, String password, byte[] key, Htpasswd from) {
        if (!Htpasswd.verify(user, password)) {
            return Support.unauthorizedDecision(challenge, "wrong password for user '" + user.name() + "'");
        }
        if (from == users) {
            cache.put(key, user.name()); // not when the file was reloaded meanwhile
        }
        return allowed(user.name());
    }

    private Decision.Allow allowed(String user) {
        if (userHeader == null || !Support.isSafeHeaderValue(user)) {
            return plainAllow;
        }
        return Support.allow(List.of(new HeaderValue(userHeader, user)), removals());
    }

    private void reloadIfChanged() {
        try {
            FileTime time = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (time.equals(fileTime) && size == fileSize) {
                return;
            }
            fileTime = time; // a broken file is reported once, not every interval
            fileSize = size;
            Htpasswd next = Htpasswd.parse(Files.readString(file, StandardCharsets.UTF_8));
            users = next;
            cache.clear();
            lastProblem = null;
            log.log(System.Logger.Level.INFO, "basic-auth: reloaded " + next.size() + " users from " + file);
        } catch (IOException | Htpasswd.FormatException e) {
            String problem = file + ": " + e.getMessage();
            if (!problem.equals(lastProblem)) { // once per distinct problem, not every interval
                lastProblem = problem;
                log.log(System.Logger.Level.WARNING, "basic-auth: keeping the last good users; " + problem);
            }
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "basic-auth: reload of " + file + " failed", e);
        }
    }

    int cachedCredentials() {
        return cache.size();
    }

    @Override
    public void close() {
        if (reload != null) {
            reload.cancel(false);
        }
        workers.close();
    }
}
