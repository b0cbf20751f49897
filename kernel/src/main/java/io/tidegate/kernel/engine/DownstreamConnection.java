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

    DownstreamConnection(InetSocketAddress remote, InetSocketAddress local, String listener, ListenerRole role) {
        this.remote = remote;
        this.local = local;
        this.listener = listener;
        this.role = role;
        this.clientIp = remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
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

    @Override
    public boolean isTls() {
        return false;
    }

    @Override
    public String serverName() {
        return null;
    }

    @Override
    public List<X509Certificate> peerCertificates() {
        return List.of();
    }
}
