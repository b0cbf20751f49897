package io.tidegate.kernel.config;

import io.tidegate.kernel.tls.ServerContexts;
import io.tidegate.spi.config.ConfigNode;
import io.tidegate.spi.model.TlsSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a listener's {@code tls:} block. Files are read and the default certificate is checked (parsed, key
 * matched, a context built) here, so {@code validate} and start-up fail on a bad one with the key's line.
 */
final class ListenerTlsLoader {

    /** The kernel's settings and the view lent to plugins. */
    record Loaded(ListenerTls config, TlsSettings spi) {
    }

    private ListenerTlsLoader() {
    }

    static Loaded parse(ConfigNode node, Path installDir) {
        if (node.isNull()) {
            ListenerTls d = ListenerTls.defaults();
            return new Loaded(d, spi(d));
        }
        node.requireOnlyKeys("certFile", "keyFile", "minVersion", "ciphers", "clientAuth", "clientCaFile",
                "sessionTimeout", "sessionCacheSize", "handshakeTimeout");
        String certFile = null;
        String certPem = null;
        String keyPem = null;
        if (node.has("certFile") || node.has("keyFile")) {
            if (!node.has("keyFile")) {
                throw node.error("keyFile: is required with certFile (expected: the PEM private key of certFile)");
            }
            if (!node.has("certFile")) {
                throw node.error("certFile: is required with keyFile (expected: the PEM certificate chain)");
            }
            Path cert = installDir.resolve(node.string("certFile")).normalize();
            certFile = cert.toString();
            certPem = read(node.get("certFile"), cert);
            keyPem = read(node.get("keyFile"), installDir.resolve(node.string("keyFile")).normalize());
        }
        String minVersion = node.string("minVersion", "TLSv1.2");
        if (!minVersion.equals("TLSv1.2") && !minVersion.equals("TLSv1.3")) {
            throw node.get("minVersion").error("'" + minVersion
                    + "' (expected one of: TLSv1.2, TLSv1.3; TLS 1.1 and older are refused)");
        }
        List<String> ciphers = new ArrayList<>();
        for (ConfigNode c : node.getOrNull("ciphers").items()) {
            String name = c.asString();
            if (!ServerContexts.isCipherSupported(name)) {
                throw c.error("'" + name + "' is not a cipher suite the TLS provider (" + ServerContexts.provider()
                        + ") supports (expected: e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
            }
            ciphers.add(name);
        }
        ListenerTls.ClientAuth clientAuth = node.getOrNull("clientAuth").isNull() ? ListenerTls.ClientAuth.NONE
                : node.get("clientAuth").asEnum(ListenerTls.ClientAuth.class);
        String clientCaPem = null;
        if (clientAuth != ListenerTls.ClientAuth.NONE) {
            if (!node.has("clientCaFile")) {
                throw node.error("clientCaFile: is required when clientAuth is " + node.string("clientAuth")
                        + " (expected: a PEM bundle of the CAs client certificates must chain to)");
            }
            Path ca = installDir.resolve(node.string("clientCaFile")).normalize();
            clientCaPem = read(node.get("clientCaFile"), ca);
            try {
                io.tidegate.kernel.tls.Pem.certificates(clientCaPem, ca.toString());
            } catch (IllegalArgumentException e) {
                throw node.get("clientCaFile").error(e.getMessage());
            }
        } else if (node.has("clientCaFile")) {
            throw node.get("clientCaFile").error("is set but clientAuth is none (expected: clientAuth: optional or "
                    + "require, or no clientCaFile)");
        }
        Duration sessionTimeout = node.duration("sessionTimeout", ListenerTls.DEFAULT_SESSION_TIMEOUT);
        if (sessionTimeout.toSeconds() < 1) {
            throw node.get("sessionTimeout").error("'" + node.string("sessionTimeout")
                    + "' (expected: a duration of at least 1s, e.g. 5m)");
        }
        long cacheSize = node.find("sessionCacheSize").map(n -> (long) n.asInt(1, 10_000_000))
                .orElse(ListenerTls.DEFAULT_SESSION_CACHE_SIZE);
        Duration handshake = node.duration("handshakeTimeout", ListenerTls.DEFAULT_HANDSHAKE_TIMEOUT);
        if (handshake.isZero() || handshake.isNegative()) {
            throw node.get("handshakeTimeout").error("'" + node.string("handshakeTimeout")
                    + "' (expected: a duration > 0, e.g. 10s)");
        }
        ListenerTls tls = new ListenerTls(certFile, certPem, keyPem, minVersion, ciphers, clientAuth, clientCaPem,
                sessionTimeout, cacheSize, handshake);
        if (certPem != null) {
            try {
                ServerContexts.build(tls, certPem, keyPem, certFile);
            } catch (IllegalArgumentException e) {
                throw node.get("certFile").error(e.getMessage());
            }
        }
        return new Loaded(tls, spi(tls));
    }

    private static TlsSettings spi(ListenerTls tls) {
        return new TlsSettings(tls.minVersion(), List.of("http/1.1"), tls.clientCaPem(),
                tls.clientAuth() == ListenerTls.ClientAuth.REQUIRE, tls.certFile());
    }

    private static String read(ConfigNode at, Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw at.error(file + ": does not exist (expected: a PEM file)");
        } catch (IOException | RuntimeException e) {
            throw at.error(file + ": cannot be read (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
        }
    }
}
