package io.tidegate.distribution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What the L4 gateway tests say on the wire: Redis inline commands through a tcp listener, access log lines. */
final class L4Wire {

    private L4Wire() {
    }

    /** Sends {@code PING} to the Redis server behind {@code port} and asserts {@code +PONG}, then a SET/GET pair. */
    static void assertRedisAnswers(int port, String key) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("+PONG");
            s.getOutputStream().write(("SET " + key + " via-gateway\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("+OK");
            s.getOutputStream().write(("GET " + key + "\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(line(in)).isEqualTo("$11");
            assertThat(line(in)).isEqualTo("via-gateway");
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("closed after " + b);
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }

    /** The first line of {@code file} containing {@code needle}, waiting for the access log's writer thread. */
    static String awaitLine(Path file, String needle) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file)) {
                    if (line.contains(needle)) {
                        return line;
                    }
                }
            }
            Thread.sleep(20); // polling a file another thread appends to, with a deadline
        }
        throw new AssertionError("no line with " + needle + " in " + file);
    }
}
