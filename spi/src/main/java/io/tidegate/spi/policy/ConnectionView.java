package io.tidegate.spi.policy;

import io.tidegate.spi.model.ListenerRole;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.List;

/** What a policy may know about a client connection. */
public interface ConnectionView {

    /** A process-unique id of the connection. */
    long id();

    /** The peer's address as seen on the socket (not from {@code X-Forwarded-For}). */
    InetSocketAddress remoteAddress();

    /** The listener's name. */
    String listener();

    /** The listener's role. */
    ListenerRole role();

    /** Whether the connection is TLS-terminated by the gateway. */
    boolean isTls();

    /** The SNI name the client sent, or null. */
    String serverName();

    /** The client certificate chain (mTLS), leaf first; empty when none. */
    List<X509Certificate> peerCertificates();
}
