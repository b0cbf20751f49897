package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.plugin.PluginContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * External authorization over HTTP. Each request's headers (all, or an allow list) plus
 * {@code X-Original-URL}, {@code X-Original-Method} and {@code X-Forwarded-*} go to {@code url} with
 * the JDK's non-blocking client; no body is sent. A 2xx answer allows the request and copies
 * {@code authResponseHeaders} into it; any other answer is returned to the client as it came (its
 * status, its body up to {@code maxBodySize}, and {@code denyResponseHeaders}), so a 302 to a login
 * page reaches the browser. No answer within {@code timeout} fails closed with {@code failureStatus}.
 */
final class ExtAuthPolicy implements Policy {

    static final List<String> KEYS = List.of("url", "method", "timeout", "requestHeaders", "authResponseHeaders",
            "denyResponseHeaders", "maxBodySize", "failureStatus", "failOpen", "signinUrl", "signinRedirectParam");

    /** Never forwarded to the auth service: hop-by-hop, framing, and headers the JDK client sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
            "content-length", "host", "expect", "http2-settings");

    /** Set by the policy, so a client cannot supply them. */
    private static final Set<String> SET_BY_POLICY = Set.of("x-original-url", "x-original-method",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-uri", "x-forwarded-method",
            "x-request-id");

    private final URI url;
    private final String method;
    private final Duration timeout;
    private final Set<String> requestHeaders; // empty: all
    private final List<String> authResponseHeaders;
    private final List<String> denyResponseHeaders;
    private final long maxBodySize;
    private final int failureStatus;
    private final boolean failOpen;
    private final HttpClient client;
    private final String signinUrl; // null: a 401 is passed on as it came
    private final String signinParam;

    private final Outcomes outcomes;

    private ExtAuthPolicy(ConfigNode settings, PluginContext context) {
        settings.requireOnlyKeys(KEYS.toArray(String[]::new));
        outcomes = new Outcomes(context.metrics(), "ext-auth");
        url = url(settings.get("url"));
        ConfigNode methodNode = settings.find("method").orElse(null);
        method = methodNode == null ? "GET" : methodNode.asString().trim().toUpperCase(Locale.ROOT);
        if (methodNode != null && !Set.of("GET", "HEAD", "POST").contains(method)) {
            throw methodNode.error("'" + methodNode.asString() + "' (expected one of: GET, HEAD, POST)");
        }
        timeout = settings.duration("timeout", Duration.ofSeconds(2));
        if (timeout.isZero() || timeout.isNegative()) {
            throw settings.get("timeout").error("must be more than 0s");
        }
        requestHeaders = Set.copyOf(Support.headerNames(settings, "requestHeaders"));
        authResponseHeaders = Support.headerNames(settings, "authResponseHeaders");
        denyResponseHeaders = settings.has("denyResponseHeaders") ? Support.headerNames(settings, "denyResponseHeaders")
                : List.of("www-authenticate", "location", "set-cookie", "cache-control", "retry-after");
        for (String h : denyResponseHeaders) {
            if (h.equals("content-type") || h.equals("content-length") || h.equals("transfer-encoding")
                    || h.equals("connection")) {
                throw settings.get("denyResponseHeaders").error("'" + h + "' is set by the gateway for the"
                        + " denial it sends (the body is sent as text/plain)");
            }
        }
        maxBodySize = settings.byteSize("maxBodySize", 8 << 10);
        failureStatus = settings.find("failureStatus").map(n -> n.asInt(400, 599)).orElse(503);
        failOpen = settings.bool("failOpen", false);
        ConfigNode signin = settings.find("signinUrl").orElse(null);
        signinUrl = signin == null ? null : url(signin).toString();
        signinParam = settings.string("signinRedirectParam", "rd");
        if (signinParam.isEmpty() || !signinParam.chars().allMatch(c -> c < 0x80 && Support.isTokenChar((char) c))) {
            throw settings.get("signinRedirectParam").error("'" + signinParam + "' (expected: a query parameter name)");
        }
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    static ExtAuthPolicy create(ConfigNode settings, PluginContext context) {
        return new ExtAuthPolicy(settings, context);
    }

    private static URI url(ConfigNode node) {
        try {
            URI uri = new URI(node.asString().trim());
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw node.error("'" + node.asString() + "' (expected: an http or https URL)");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw node.error("'" + node.asString() + "' is not a URL: " + e.getReason());
        }
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        return outcomes.count(decide(request));
    }

    private CompletionStage<Decision> decide(RequestView request) {
        HttpRequest check;
        String query = request.rawQuery();
        String originalUrl = request.scheme() + "://" + request.authority() + request.path()
                + (query.isEmpty() ? "" : "?" + query);
        try {
            check = checkRequest(request, originalUrl); // copies all it needs from the view, before going async
        } catch (IllegalArgumentException e) {
            return CompletableFuture.completedFuture(Decision.deny(400, "bad request",
                    "request cannot be described to the auth service: " + e.getMessage()));
        }
        return client.sendAsync(check, this::body).handle((response, failure) -> {
            if (failure != null) {
                return failOpen ? Decision.ALLOW : Decision.deny(failureStatus, "authentication unavailable",
                        "auth service " + url + " failed: " + failure);
            }
            return decide(response, originalUrl);
        });
    }

    private HttpResponse.BodySubscriber<byte[]> body(HttpResponse.ResponseInfo info) {
        if (info.statusCode() / 100 == 2) {
            return HttpResponse.BodySubscribers.replacing(new byte[0]);
        }
        return BoundedBody.truncatedAt(maxBodySize).apply(info);
    }

    private HttpRequest checkRequest(RequestView request, String originalUrl) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout);
        if (method.equals("GET")) {
            b.GET(); // no Content-Length: 0 on a GET
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        String forwardedFor = null;
        for (Map.Entry<String, String> h : request.headerEntries()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("x-forwarded-for")) {
                forwardedFor = forwardedFor == null ? h.getValue() : forwardedFor + ", " + h.getValue();
                continue;
            }
            if (NOT_FORWARDED.contains(name) || SET_BY_POLICY.contains(name)
                    || (!requestHeaders.isEmpty() && !requestHeaders.contains(name))) {
                continue;
            }
            try {
                b.header(name, h.getValue());
            } catch (IllegalArgumentException refusedByTheClient) {
                // A header the JDK client will not send (restricted name, odd value): the check goes without it.
            }
        }
        String query = request.rawQuery();
        String uri = request.path() + (query.isEmpty() ? "" : "?" + query);
        String client = request.connection().remoteAddress().getAddress().getHostAddress();
        b.header("x-original-url", originalUrl);
        b.header("x-original-method", request.method());
        b.header("x-forwarded-for", forwardedFor == null ? client : forwardedFor + ", " + client);
        b.header("x-forwarded-proto", request.scheme());
        b.header("x-forwarded-host", request.authority());
        b.header("x-forwarded-uri", uri);
        b.header("x-forwarded-method", request.method());
        b.header("x-request-id", request.requestId());
        return b.build();
    }

    private Decision decide(HttpResponse<byte[]> response, String originalUrl) {
        int status = response.statusCode();
        if (status / 100 == 2) {
            if (authResponseHeaders.isEmpty()) {
                return Decision.ALLOW;
            }
            List<HeaderValue> add = new ArrayList<>();
            for (String name : authResponseHeaders) {
                for (String v : response.headers().allValues(name)) {
                    if (Support.isSafeHeaderValue(v)) {
                        add.add(new HeaderValue(name, v));
                    }
                }
            }
            // The listed names are removed first: a client cannot smuggle its own X-User past the service.
            return new Decision.Allow(new HeaderEdits(List.of(), add, authResponseHeaders), HeaderEdits.NONE);
        }
        List<HeaderValue> headers = new ArrayList<>();
        for (String name : denyResponseHeaders) {
            for (String v : response.headers().allValues(name)) {
                if (Support.isSafeHeaderValue(v)) {
                    headers.add(new HeaderValue(name, v));
                }
            }
        }
        if (status == 401 && signinUrl != null) {
            // ingress-nginx auth-signin: send the browser to the login page, with where it was going.
            String location = signinUrl + (signinUrl.indexOf('?') < 0 ? '?' : '&') + signinParam + "="
                    + URLEncoder.encode(originalUrl, StandardCharsets.UTF_8);
            List<HeaderValue> redirect = new ArrayList<>();
            redirect.add(new HeaderValue("location", location));
            for (HeaderValue h : headers) {
                if (h.name().equals("set-cookie")) {
                    redirect.add(h);
                }
            }
            return new Decision.Deny(302, redirect, "", "auth service answered 401; redirected to sign-in");
        }
        if (status < 300 || status > 599) {
            return new Decision.Deny(500, List.of(), "authentication failed", "auth service answered " + status);
        }
        return new Decision.Deny(status, headers, new String(response.body(), StandardCharsets.UTF_8),
                "auth service answered " + status);
    }
}
