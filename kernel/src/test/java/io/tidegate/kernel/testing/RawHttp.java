package io.tidegate.kernel.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A raw-socket client for requests no well-behaved client would send. */
public final class RawHttp {

    private RawHttp() {
    }

    /**
     * Sends {@code request} as ISO-8859-1 bytes and returns everything received until the server
     * closes, or until nothing arrives for {@code quietMillis} after at least one byte.
     */
    public static String exchange(int port, String request, int quietMillis) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(quietMillis);
            try {
                socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
            } catch (java.net.SocketException closedEarly) {
                // the server refused before reading; read what it said, if anything
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // quiet: the server is keeping the connection open
            } catch (java.net.SocketException reset) {
                // the server closed with our bytes unread (RST): what arrived before is the answer
            }
            return out.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** The status code of the first response in {@code raw}, or -1. */
    public static int status(String raw) {
        if (!raw.startsWith("HTTP/1.")) {
            return -1;
        }
        return Integer.parseInt(raw.substring(9, 12));
    }
}
