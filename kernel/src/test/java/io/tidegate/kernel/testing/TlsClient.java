package io.tidegate.kernel.testing;

import io.netty.pkitesting.X509Bundle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/** A JDK TLS client on a raw socket: SNI, protocols, ALPN and client certificates under the test's control. */
public final class TlsClient implements AutoCloseable {

    private final SSLSocket socket;

    private TlsClient(SSLSocket socket) {
        this.socket = socket;
    }

    /** A context trusting {@code ca}, presenting {@code client} when asked (null: no client certificate). */
    public static SSLContext context(X509Bundle ca, X509Bundle client) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(client == null ? null : client.toKeyManagerFactory().getKeyManagers(),
                    ca.toTrustManagerFactory().getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Connects and completes the handshake; {@code sni} null sends none. */
    public static TlsClient connect(SSLContext ctx, int port, String sni, String... protocols) throws IOException {
        return connectAlpn(ctx, port, sni, new String[] {"http/1.1"}, protocols); // it speaks HTTP/1.1 only
    }

    /** As {@link #connect(SSLContext, int, String, String...)}, offering {@code alpn} by ALPN. */
    public static TlsClient connectAlpn(SSLContext ctx, int port, String sni, String[] alpn, String... protocols)
            throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(5000);
        SSLParameters p = s.getSSLParameters();
        if (sni != null) {
            p.setServerNames(List.of(new SNIHostName(sni)));
        }
        if (protocols.length > 0) {
            p.setProtocols(protocols);
        }
        p.setApplicationProtocols(alpn);
        s.setSSLParameters(p);
        try {
            s.startHandshake();
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new TlsClient(s);
    }

    public X509Certificate serverLeaf() throws IOException {
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }

    /** The subject CN of the server's certificate. */
    public String serverCn() throws IOException {
        return serverLeaf().getSubjectX500Principal().getName().replaceFirst("^CN=", "");
    }

    public String protocol() {
        return socket.getSession().getProtocol();
    }

    public String alpn() {
        return socket.getApplicationProtocol();
    }

    public javax.net.ssl.SSLSession session() {
        return socket.getSession();
    }

    /** Sends a GET and reads one response framed by Content-Length; returns head and body. */
    public String get(String host, String path) throws IOException {
        String req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n";
        socket.getOutputStream().write(req.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        return readResponse(socket.getInputStream());
    }

    /** Sends raw request bytes (head and body as given) and reads one response framed by Content-Length. */
    public String exchange(byte[] request) throws IOException {
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
        return readResponse(socket.getInputStream());
    }

    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head.size() + " bytes: " + head);
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : h.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return h + new String(body, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
