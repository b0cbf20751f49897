package io.tidegate.kernel.engine;

import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.policy.ConnectionView;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** A client connection as policies and the access log see it. */
final class DownstreamConnection implements ConnectionView {

    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final InetSocketAddress remote;
    private final InetSocketAddress local;
    private final String listener;
    private final ListenerRole role;
    private final String clientIp;
    private final String localPort;
    private final boolean tls;
    private String serverName;
    private List<X509Certificate> peerCertificates = List.of();

    DownstreamConnection(InetSocketAddress remote, InetSocketAddress local, String listener, ListenerRole role) {
        this(remote, local, listener, role, false);
    }

    DownstreamConnection(InetSocketAddress remote, InetSocketAddress local, String listener, ListenerRole role,
                         boolean tls) {
        this.tls = tls;
        this.remote = remote;
        this.local = local;
        this.listener = listener;
        this.role = role;
        this.clientIp = remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
        this.localPort = Integer.toString(local.getPort());
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return remote;
    }

    InetSocketAddress localAddress() {
        return local;
    }

    /** The port the client connected to, as text ({@code X-Forwarded-Port}), computed once per connection. */
    String localPort() {
        return localPort;
    }

    /** The client's IP as text, computed once per connection. */
    String clientIp() {
        return clientIp;
    }

    @Override
    public String listener() {
        return listener;
    }

    @Override
    public ListenerRole role() {
        return role;
    }

    /** Set once the TLS handshake is done, before any policy is asked and any request read. */
    void handshakeDone(String sni, List<X509Certificate> peers) {
        this.serverName = sni;
        this.peerCertificates = List.copyOf(peers);
    }

    @Override
    public boolean isTls() {
        return tls;
    }

    @Override
    public String serverName() {
        return serverName;
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        return peerCertificates;
    }
}
