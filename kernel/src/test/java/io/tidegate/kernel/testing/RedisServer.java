package io.tidegate.kernel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} from the OS packages (installed by .ci/run), on a free loopback port,
 * without persistence. Ready when it answers PING; {@link #kill()} stands for a Redis outage.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final Path dir;
    /** The TLS port ({@code --tls-port}), or 0 for none. */
    private final int tlsPort;
    private final List<String> tlsArgs;
    private Process process;

    private RedisServer(int port, Path dir, int tlsPort, List<String> tlsArgs) {
        this.port = port;
        this.dir = dir;
        this.tlsPort = tlsPort;
        this.tlsArgs = tlsArgs;
    }

    public int port() {
        return port;
    }

    /** The port that speaks TLS only (Redis's own TLS, {@code --tls-port}); 0 without {@link #startTls}. */
    public int tlsPort() {
        return tlsPort;
    }

    public static RedisServer start(Path dir) throws Exception {
        RedisServer r = new RedisServer(freePort(), dir, 0, List.of());
        r.restart();
        return r;
    }

    /**
     * A server that also serves TLS on {@link #tlsPort()}, with this certificate chain and key (PEM files), not
     * asking clients for certificates. The plain port stays for {@link #command} and readiness.
     */
    public static RedisServer startTls(Path dir, Path certificatePem, Path privateKeyPem) throws Exception {
        RedisServer r = new RedisServer(freePort(), dir, freePort(), List.of("--tls-cert-file",
                certificatePem.toString(), "--tls-key-file", privateKeyPem.toString(), "--tls-auth-clients", "no"));
        r.restart();
        return r;
    }

    /** Starts (again) on the same port. */
    public void restart() throws Exception {
        Path log = dir.resolve("redis-" + port + ".log");
        List<String> args = new java.util.ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        if (tlsPort != 0) {
            args.addAll(List.of("--tls-port", Integer.toString(tlsPort)));
            args.addAll(tlsArgs);
        }
        process = new ProcessBuilder(args).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited: " + Files.readString(log));
            }
            if ("+PONG".equals(command("PING"))) {
                return;
            }
            Thread.sleep(20); // polling another process's readiness: there is no event to wait on
        }
        throw new IllegalStateException("redis-server not answering PING within 10s: " + Files.readString(log));
    }

    /** Sends one inline command and returns the first reply line, or null when Redis cannot be reached. */
    public String command(String inline) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        } catch (IOException e) {
            return null;
        }
    }

    /** Kills the server at once (SIGKILL): connections drop, nothing answers. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
