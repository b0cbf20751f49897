package io.tidegate.kernel.engine;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tidegate.spi.model.FaultPolicy;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.policy.Decision;
import io.tidegate.spi.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The stages between a routed request and its route's action: the route's policies in order (a decision
 * already made goes on at once, a pending one on the event loop when it completes), then fault injection.
 * Stateless: the exchange's state is in the {@link Exchange}, the connection's behind {@link ExchangeControl}.
 */
final class PolicyStages {

    /** The handler's logger: these lines were always its own, and log configuration names it. */
    private static final System.Logger LOG = System.getLogger(ProxyFrontendHandler.class.getName());

    private PolicyStages() {
    }

    /** Asks the route's policies from {@code from} on, then injects faults and acts. */
    static void run(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e, int from) {
        Policy[] policies = e.route.policies();
        for (int i = from; i < policies.length; i++) {
            CompletionStage<Decision> stage;
            try {
                stage = policies[i].evaluate(e.head);
            } catch (RuntimeException failure) {
                policyFailed(owner, e, failure);
                return;
            }
            if (stage instanceof CompletableFuture<Decision> done && done.isDone()
                    && !done.isCompletedExceptionally()) {
                if (!applyDecision(ctx, owner, e, done.join())) {
                    return;
                }
                e.policyCompletions.allowed(policies, i, e.head);
                continue;
            }
            int index = i;
            stage.whenComplete((decision, failure) -> ctx.executor().execute(() -> {
                if (!owner.runs(e)) {
                    if (decision instanceof Decision.Allow) {
                        e.policyCompletions.allowed(policies, index, e.head); // the client went away meanwhile
                    }
                    return;
                }
                if (failure != null) {
                    policyFailed(owner, e, failure);
                } else if (applyDecision(ctx, owner, e, decision)) {
                    e.policyCompletions.allowed(policies, index, e.head);
                    run(ctx, owner, e, index + 1);
                }
            }));
            return;
        }
        injectFaults(ctx, owner, e);
    }

    /** The route's fault injection (Envoy's and Istio's order: delay, then abort), then its action. */
    private static void injectFaults(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e) {
        FaultPolicy fault = e.route.fault();
        if (fault == null) {
            owner.act(e);
            return;
        }
        if (fault.delay() != null && Faults.happens(fault.delayPercent())) {
            e.flag = "DI";
            ctx.executor().schedule(() -> {
                if (owner.runs(e)) {
                    abortOrAct(ctx, owner, e, fault);
                }
            }, fault.delay().toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        abortOrAct(ctx, owner, e, fault);
    }

    private static void abortOrAct(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e, FaultPolicy fault) {
        if (fault.abortStatus() != null && Faults.happens(fault.abortPercent())) {
            owner.respondLocal(e, LocalReplies.faultAbort(ctx.alloc(), e, fault), "FI");
            return;
        }
        owner.act(e);
    }

    /** Returns whether the request may go on; a denial is answered. */
    static boolean applyDecision(ChannelHandlerContext ctx, ExchangeControl owner, Exchange e, Decision decision) {
        if (decision instanceof Decision.Deny deny) {
            LOG.log(System.Logger.Level.DEBUG, "route " + e.route.name() + ": denied " + deny.status() + ": "
                    + deny.reason());
            FullHttpResponse response = LocalReplies.denied(ctx.alloc(), deny);
            e.reason = deny.reason();
            owner.respondLocal(e, response, "PD");
            return false;
        }
        Decision.Allow allow = (Decision.Allow) decision;
        e.policyRequestEdits = merge(e.policyRequestEdits, allow.requestHeaders());
        e.policyResponseEdits = merge(e.policyResponseEdits, allow.responseHeaders());
        return true;
    }

    static void policyFailed(ExchangeControl owner, Exchange e, Throwable failure) {
        LOG.log(System.Logger.Level.WARNING, "policy failed on route " + e.route.name() + "; answering 500", failure);
        owner.respondError(e, HttpResponseStatus.INTERNAL_SERVER_ERROR, "policy evaluation failed", "PF");
    }

    /** The edits of two policies in order: {@code b}'s apply after {@code a}'s. */
    static HeaderEdits merge(HeaderEdits a, HeaderEdits b) {
        if (b.isEmpty()) {
            return a;
        }
        if (a.isEmpty()) {
            return b;
        }
        List<HeaderValue> set = new ArrayList<>(a.set());
        set.addAll(b.set());
        List<HeaderValue> add = new ArrayList<>(a.add());
        add.addAll(b.add());
        List<String> remove = new ArrayList<>(a.remove());
        remove.addAll(b.remove());
        return new HeaderEdits(set, add, remove);
    }
}
