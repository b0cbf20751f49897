package io.tidegate.plugins.auth;

import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.policy.Decision;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Small helpers shared by the auth policies: digests, header names, challenges. */
final class Support {

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> digest("SHA-256"));

    private Support() {
    }

    static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }

    /** SHA-256 of the UTF-8 bytes of {@code s}, with a per-thread digest (no provider lookup per call). */
    static byte[] sha256(String s) {
        MessageDigest md = SHA256.get();
        md.reset();
        return md.digest(s.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256Hex(String s) {
        return HexFormat.of().formatHex(sha256(s));
    }

    /** A header name from settings: an RFC 9110 token, stored lower-case. */
    static String headerName(ConfigNode node) {
        String name = node.asString().trim();
        if (name.isEmpty()) {
            throw node.error("is empty (expected: a header name)");
        }
        for (int i = 0; i < name.length(); i++) {
            if (!isTokenChar(name.charAt(i))) {
                throw node.error("'" + name + "' is not a valid header name (expected: an RFC 9110 token)");
            }
        }
        return name.toLowerCase(Locale.ROOT);
    }

    /** An optional header name setting, or null. */
    static String optionalHeader(ConfigNode settings, String key) {
        return settings.find(key).map(Support::headerName).orElse(null);
    }

    /** A list of header names. */
    static List<String> headerNames(ConfigNode settings, String key) {
        List<String> out = new ArrayList<>();
        settings.find(key).ifPresent(node -> {
            if (node.isScalar()) {
                out.add(headerName(node));
            } else {
                for (ConfigNode item : node.items()) {
                    out.add(headerName(item));
                }
            }
        });
        return List.copyOf(out);
    }

    static boolean isTokenChar(char c) {
        if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
            return true;
        }
        return "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    /** Whether a value may be sent as a header value (one line, no NUL, no other controls). */
    static boolean isSafeHeaderValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** A realm setting, checked so it can be quoted in {@code WWW-Authenticate}. */
    static String realm(ConfigNode settings) {
        ConfigNode node = settings.find("realm").orElse(null);
        if (node == null) {
            return "tidegate";
        }
        String realm = node.asString();
        if (realm.indexOf('"') >= 0 || realm.indexOf('\\') >= 0 || !isSafeHeaderValue(realm)) {
            throw node.error("must not contain quotes, backslashes or control characters");
        }
        return realm;
    }

    /** An already completed 401 with a challenge; the body never says why. */
    static CompletionStage<Decision> unauthorized(String challenge, String reason) {
        return CompletableFuture.completedFuture(new Decision.Deny(401,
                List.of(new HeaderValue("www-authenticate", challenge)), "unauthorized", reason));
    }

    static Decision.Deny unauthorizedDecision(String challenge, String reason) {
        return new Decision.Deny(401, List.of(new HeaderValue("www-authenticate", challenge)), "unauthorized",
                reason);
    }

    /** Request edits that drop {@code remove} and set {@code set}. */
    static Decision.Allow allow(List<HeaderValue> set, List<String> remove) {
        if (set.isEmpty() && remove.isEmpty()) {
            return Decision.ALLOW;
        }
        return new Decision.Allow(new HeaderEdits(set, List.of(), remove), HeaderEdits.NONE);
    }

    /** Case-insensitive prefix check, e.g. for {@code Bearer }/{@code Basic }. */
    static String afterScheme(String value, String scheme) {
        if (value == null || value.length() <= scheme.length() + 1
                || !value.regionMatches(true, 0, scheme, 0, scheme.length())
                || value.charAt(scheme.length()) != ' ') {
            return null;
        }
        return value.substring(scheme.length() + 1).trim();
    }
}
