package io.tidegate.plugins.auth;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An htpasswd user list, as Apache's {@code htpasswd} writes it: one {@code user:hash} per line.
 * Accepted hashes: bcrypt ({@code $2y$}, {@code $2a$}, {@code $2b$}), Apache MD5 ({@code $apr1$},
 * htpasswd's default) and {@code {SHA}} (base64 SHA-1). Plain text, {@code crypt()} and other
 * {@code $N$} schemes are refused: they cannot be told apart reliably, or are not what htpasswd writes.
 */
final class Htpasswd {

    /** How a user's password is hashed. Only SHA is cheap enough for an event loop. */
    enum Scheme { BCRYPT, APR1, SHA }

    /** One user. {@code hash} is the whole htpasswd field; never logged. */
    record User(String name, Scheme scheme, String hash) {
        @Override
        public String toString() {
            return "User[" + name + ", " + scheme + "]"; // no hash in logs
        }
    }

    /** A malformed or refused line; the message names the line and user, never the hash. */
    static final class FormatException extends Exception {
        FormatException(String message) {
            super(message);
        }
    }

    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");
    private static final Pattern APR1 = Pattern.compile("\\$apr1\\$[^$]{1,8}\\$[./A-Za-z0-9]{22}");
    private static final String ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final Map<String, User> users;

    private Htpasswd(Map<String, User> users) {
        this.users = Map.copyOf(users);
    }

    static Htpasswd parse(String text) throws FormatException {
        Map<String, User> users = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new FormatException("line " + (i + 1) + ": expected 'user:hash'");
            }
            String name = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            Scheme scheme = scheme(hash);
            if (scheme == null) {
                throw new FormatException("line " + (i + 1) + " (user '" + name + "'): unsupported password format"
                        + " (expected: bcrypt $2y$/$2a$/$2b$, $apr1$ or {SHA}; plain text, crypt() and"
                        + " other schemes are refused: rehash with `htpasswd -B`)");
            }
            if (users.put(name, new User(name, scheme, hash)) != null) {
                throw new FormatException("line " + (i + 1) + ": user '" + name + "' is listed twice");
            }
        }
        if (users.isEmpty()) {
            throw new FormatException("has no users");
        }
        return new Htpasswd(users);
    }

    private static Scheme scheme(String hash) {
        if (BCRYPT.matcher(hash).matches()) {
            return Scheme.BCRYPT;
        }
        if (APR1.matcher(hash).matches()) {
            return Scheme.APR1;
        }
        if (hash.startsWith("{SHA}")) {
            try {
                return Base64.getDecoder().decode(hash.substring(5)).length == 20 ? Scheme.SHA : null;
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    User user(String name) {
        return users.get(name);
    }

    int size() {
        return users.size();
    }

    /** The first bcrypt hash, to spend equal time on unknown users (no user enumeration by timing). */
    String anyBcryptHash() {
        for (User u : users.values()) {
            if (u.scheme() == Scheme.BCRYPT) {
                return u.hash();
            }
        }
        return null;
    }

    /** Checks a password; bcrypt and apr1 cost CPU and must not run on an event loop. */
    static boolean verify(User user, String password) {
        return switch (user.scheme()) {
            case SHA -> MessageDigest.isEqual(
                    user.hash().substring(5).getBytes(StandardCharsets.US_ASCII),
                    Base64.getEncoder().encode(Support.digest("SHA-1").digest(password.getBytes(StandardCharsets.UTF_8))));
            case APR1 -> MessageDigest.isEqual(user.hash().getBytes(StandardCharsets.US_ASCII),
                    apr1(password, user.hash().substring(6, user.hash().indexOf('$', 6))).getBytes(StandardCharsets.US_ASCII));
            case BCRYPT -> bcrypt(password, user.hash());
        };
    }

    static boolean bcrypt(String password, String hash) {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        if (pw.length > 72) {
            return false; // bcrypt ignores bytes past 72; refuse rather than truncate silently
        }
        try {
            return BCrypt.verifyer().verify(pw, hash.getBytes(StandardCharsets.US_ASCII)).verified;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Apache's MD5-based crypt ({@code $apr1$}), as in APR's {@code apr_md5_encode}. */
    static String apr1(String password, String salt) {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        byte[] s = salt.getBytes(StandardCharsets.UTF_8);
        byte[] magic = "$apr1$".getBytes(StandardCharsets.US_ASCII);
        MessageDigest ctx = Support.digest("MD5");
        ctx.update(pw);
        ctx.update(magic);
        ctx.update(s);
        MessageDigest alt = Support.digest("MD5");
        alt.update(pw);
        alt.update(s);
        alt.update(pw);
        byte[] fin = alt.digest();
        for (int pl = pw.length; pl > 0; pl -= 16) {
            ctx.update(fin, 0, Math.min(pl, 16));
        }
        for (int i = pw.length; i != 0; i >>>= 1) {
            if ((i & 1) != 0) {
                ctx.update((byte) 0);
            } else {
                ctx.update(pw.length > 0 ? pw[0] : 0);
            }
        }
        fin = ctx.digest();
        for (int i = 0; i < 1000; i++) {
            MessageDigest c = Support.digest("MD5");
            if ((i & 1) != 0) {
                c.update(pw);
            } else {
                c.update(fin, 0, 16);
            }
            if (i % 3 != 0) {
                c.update(s);
            }
            if (i % 7 != 0) {
                c.update(pw);
            }
            if ((i & 1) != 0) {
                c.update(fin, 0, 16);
            } else {
                c.update(pw);
            }
            fin = c.digest();
        }
        StringBuilder out = new StringBuilder("$apr1$").append(salt).append('$');
        to64(out, (b(fin[0]) << 16) | (b(fin[6]) << 8) | b(fin[12]), 4);
        to64(out, (b(fin[1]) << 16) | (b(fin[7]) << 8) | b(fin[13]), 4);
        to64(out, (b(fin[2]) << 16) | (b(fin[8]) << 8) | b(fin[14]), 4);
        to64(out, (b(fin[3]) << 16) | (b(fin[9]) << 8) | b(fin[15]), 4);
        to64(out, (b(fin[4]) << 16) | (b(fin[10]) << 8) | b(fin[5]), 4);
        to64(out, b(fin[11]), 2);
        return out.toString();
    }

    private static int b(byte v) {
        return v & 0xff;
    }

    private static void to64(StringBuilder out, int v, int n) {
        while (--n >= 0) {
            out.append(ITOA64.charAt(v & 0x3f));
            v >>>= 6;
        }
    }
}
