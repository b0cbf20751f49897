package io.tidegate.kernel.engine;

import io.netty.channel.ChannelHandlerContext;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Asks a listener's connection policies ({@code Policy.onConnection}) about a new client connection, one
 * after the other, and later tells those that admitted it that it closed. Shared by the HTTP/1.1 connection
 * ({@link ProxyFrontendHandler}) and the HTTP/2 one ({@link Http2Connection}); answers that arrive later
 * are handled on the connection's event loop, and ignored once it closed.
 */
final class ConnectionAdmission {

    private static final System.Logger LOG = System.getLogger(ConnectionAdmission.class.getName());

    /** What the connection does with the verdict. */
    interface Verdict {
        void admitted();

        void refused(String reason);
    }

    private final List<Policy> admitted = new ArrayList<>(0);

    /** Asks {@code policies} in order; the first denial, exception or failed stage refuses. */
    void ask(List<Policy> policies, DownstreamConnection connection, ChannelHandlerContext ctx, Verdict verdict) {
        ask(policies, 0, connection, ctx, verdict);
    }

    private void ask(List<Policy> policies, int from, DownstreamConnection connection, ChannelHandlerContext ctx,
                     Verdict verdict) {
        for (int i = from; i < policies.size(); i++) {
            Policy policy = policies.get(i);
            CompletionStage<Decision> stage;
            try {
                stage = policy.onConnection(connection);
            } catch (RuntimeException failure) {
                verdict.refused("policy failed: " + failure);
                return;
            }
            if (stage instanceof CompletableFuture<Decision> done && done.isDone() && !done.isCompletedExceptionally()) {
                if (done.join() instanceof Decision.Deny deny) {
                    verdict.refused(deny.reason());
                    return;
                }
                admitted.add(policy);
                continue;
            }
            int next = i + 1;
            stage.whenComplete((decision, failure) -> ctx.executor().execute(() -> {
                if (!ctx.channel().isActive()) {
                    return;
                }
                if (failure != null || decision instanceof Decision.Deny) {
                    verdict.refused(failure != null ? "policy failed: " + failure : ((Decision.Deny) decision).reason());
                    return;
                }
                admitted.add(policy);
                ask(policies, next, connection, ctx, verdict);
            }));
            return;
        }
        verdict.admitted();
    }

    /** The connection closed: the policies that admitted it hear so. */
    void closed(DownstreamConnection connection) {
        for (Policy p : admitted) {
            try {
                p.onConnectionClosed(connection);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "policy failed in onConnectionClosed", e);
            }
        }
    }
}
