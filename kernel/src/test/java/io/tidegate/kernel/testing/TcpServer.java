package io.tidegate.kernel.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP server on loopback port 0, standing in for a non-HTTP application behind a {@code tcp}
 * listener (a database, a message broker). Two behaviours: {@link #echo} (bytes back, and on the client's
 * FIN, a FIN back after the last byte: the half-close a request/response protocol relies on) and
 * {@link #greeter} (writes its name and closes, so a client learns which endpoint it reached). A thread per
 * connection: this is a test stand-in, not a server.
 */
public final class TcpServer implements AutoCloseable {

    private final ServerSocket server;
    private final String name;
    private final boolean echo;
    private final CountDownLatch gate;
    private final AtomicInteger accepted = new AtomicInteger();
    private final Thread acceptor;

    private TcpServer(String name, boolean echo, CountDownLatch gate) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.name = name;
        this.echo = echo;
        this.gate = gate;
        this.acceptor = new Thread(this::accept, "tcp-server-" + name);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Echoes every byte; reads nothing until {@code gate} opens (null: at once). */
    public static TcpServer echo(String name, CountDownLatch gate) throws IOException {
        return new TcpServer(name, true, gate);
    }

    /** Writes {@code name} and a newline to each connection, then closes it. */
    public static TcpServer greeter(String name) throws IOException {
        return new TcpServer(name, false, null);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                Thread t = new Thread(() -> serve(s), "tcp-conn-" + name);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            OutputStream out = s.getOutputStream();
            if (!echo) {
                out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            if (gate != null) {
                gate.await();
            }
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            out.flush();
            s.shutdownOutput(); // the FIN back, after the last byte
            in.read(); // until the peer closes
        } catch (IOException | InterruptedException e) {
            // the peer went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
