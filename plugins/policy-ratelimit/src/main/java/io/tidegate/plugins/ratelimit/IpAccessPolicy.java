package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.RequestView;
import java.net.InetAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Deny wins: an address in {@code deny} is refused; otherwise, when {@code allow} is not empty, an
 * address outside it is refused; everything else passes. On a new connection only the socket peer is
 * known: a peer that is a trusted proxy is let in and each of its requests is judged on the client
 * that {@code X-Forwarded-For} names; any other peer is judged at once (a refused connection is closed
 * before a byte is read).
 */
final class IpAccessPolicy implements Policy {

    private final CidrSet allow;
    private final CidrSet deny;
    private final ClientAddress client;
    private final CompletionStage<Decision> denied;

    IpAccessPolicy(CidrSet allow, CidrSet deny, ClientAddress client, int status) {
        this.allow = allow;
        this.deny = deny;
        this.client = client;
        this.denied = CompletableFuture.completedFuture(Decision.deny(status, "forbidden", "ip-access: client address refused"));
    }

    /** Whether {@code address} may pass. */
    boolean permits(InetAddress address) {
        if (deny.contains(address)) {
            return false;
        }
        return allow.isEmpty() || allow.contains(address);
    }

    @Override
    public CompletionStage<Decision> evaluate(RequestView request) {
        return permits(client.of(request)) ? Decision.ALLOW_STAGE : denied;
    }

    @Override
    public CompletionStage<Decision> onConnection(ConnectionView connection) {
        InetAddress peer = ClientAddress.peer(connection);
        if (client.isTrustedProxy(peer) || permits(peer)) {
            return Decision.ALLOW_STAGE;
        }
        return denied;
    }
}
