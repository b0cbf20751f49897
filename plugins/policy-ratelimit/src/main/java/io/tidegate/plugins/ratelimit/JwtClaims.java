package io.tidegate.plugins.ratelimit;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads one top-level claim from a JWT's payload <em>without verifying</em> the token: the
 * authentication policy that runs before {@code rate-limit} verified it (docs/policy-ratelimit.md,
 * "JWT claims"). Strings, numbers and booleans are returned as text; anything else, a malformed
 * token or an absent claim gives null.
 */
final class JwtClaims {

    private JwtClaims() {
    }

    /** The claim {@code name} of the token in {@code headerValue} ({@code Bearer xxx.yyy.zzz} or the bare token). */
    static String claim(String headerValue, String name) {
        if (headerValue == null) {
            return null;
        }
        String token = headerValue.trim();
        if (token.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = token.substring(7).trim();
        }
        int dot1 = token.indexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.indexOf('.', dot1 + 1);
        if (dot1 <= 0 || dot2 < 0) {
            return null;
        }
        String payload;
        try {
            payload = new String(Base64.getUrlDecoder().decode(token.substring(dot1 + 1, dot2)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64url) {
            return null;
        }
        return new Scanner(payload).topLevel(name);
    }

    /** A small JSON scanner: enough to find a top-level member and skip everything else correctly. */
    private static final class Scanner {
        private final String s;
        private int at;

        Scanner(String s) {
            this.s = s;
        }

        String topLevel(String name) {
            try {
                ws();
                expect('{');
                ws();
                if (peek() == '}') {
                    return null;
                }
                String found = null;
                while (true) {
                    ws();
                    String key = string();
                    ws();
                    expect(':');
                    ws();
                    char c = peek();
                    if (key.equals(name) && found == null) {
                        if (c == '"') {
                            found = string();
                        } else if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f') {
                            int start = at;
                            skipValue();
                            found = s.substring(start, at);
                        } else {
                            skipValue();
                        }
                    } else {
                        skipValue();
                    }
                    ws();
                    char next = s.charAt(at++);
                    if (next == '}') {
                        return found;
                    }
                    if (next != ',') {
                        return null;
                    }
                }
            } catch (RuntimeException malformed) {
                return null;
            }
        }

        private void skipValue() {
            char c = peek();
            if (c == '"') {
                string();
            } else if (c == '{' || c == '[') {
                char close = c == '{' ? '}' : ']';
                at++;
                ws();
                if (peek() == close) {
                    at++;
                    return;
                }
                while (true) {
                    ws();
                    if (close == '}') {
                        string();
                        ws();
                        expect(':');
                        ws();
                    }
                    skipValue();
                    ws();
                    char next = s.charAt(at++);
                    if (next == close) {
                        return;
                    }
                    if (next != ',') {
                        throw new IllegalArgumentException("bad separator");
                    }
                }
            } else {
                int start = at;
                while (at < s.length() && ",}] \t\r\n".indexOf(s.charAt(at)) < 0) {
                    at++;
                }
                if (at == start) {
                    throw new IllegalArgumentException("empty value");
                }
            }
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            while (true) {
                char c = s.charAt(at++);
                if (c == '"') {
                    return sb.toString();
                }
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                char e = s.charAt(at++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(at, at + 4), 16));
                        at += 4;
                    }
                    default -> sb.append(e); // \" \\ \/
                }
            }
        }

        private void ws() {
            while (at < s.length() && " \t\r\n".indexOf(s.charAt(at)) >= 0) {
                at++;
            }
        }

        private char peek() {
            return s.charAt(at);
        }

        private void expect(char c) {
            if (s.charAt(at++) != c) {
                throw new IllegalArgumentException("expected " + c);
            }
        }
    }
}
