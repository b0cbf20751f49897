package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A socket the gateway accepts connections on.
 *
 * @param name unique name; routes and policies refer to listeners by it
 * @param address where to bind
 * @param protocol what clients speak
 * @param role ingress or egress
 * @param tls TLS settings for {@code https}; null for the others
 * @param policies policies applied to every request on this listener, before route policies
 */
public record Listener(String name, SocketAddress address, ListenerProtocol protocol, ListenerRole role,
                       TlsSettings tls, List<PolicyRef> policies) {

    public Listener {
        requireNonNull(name, "name");
        requireNonNull(address, "address");
        requireNonNull(protocol, "protocol");
        requireNonNull(role, "role");
        policies = List.copyOf(policies);
    }
}
