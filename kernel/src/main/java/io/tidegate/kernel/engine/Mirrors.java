package io.tidegate.kernel.engine;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.tidegate.kernel.runtime.CompiledMirror;
import io.tidegate.kernel.runtime.CompiledRoute;
import java.util.ArrayList;
import java.util.List;

/**
 * The shadow copies of one exchange: which of the route's mirror policies sample this request, and
 * the tee of its body to each. The main exchange calls {@link #start} once it has its upstream head
 * (after the route's rewrite and header edits), {@link #tee} for each body chunk, and
 * {@link #mainEnded} when it ends.
 */
final class Mirrors {

    private final List<Mirror> copies;

    private Mirrors(List<Mirror> copies) {
        this.copies = copies;
    }

    /**
     * Starts the copies this request is sampled for, each with the body received so far; null when
     * there are none. {@code upstreamHead} is the head the main request sends; each copy gets its
     * own, with the authority suffixed {@code -shadow} as Envoy does.
     *
     * @param received body chunks received so far (not yet sent); not consumed
     * @param requestDone whether the request is complete (a bodyless request: no end marker follows)
     */
    static Mirrors start(EngineContext engine, EventLoop loop, CompiledRoute route, RequestHead main,
                         HttpRequest upstreamHead, Iterable<HttpContent> received, boolean requestDone) {
        List<Mirror> started = null;
        for (CompiledMirror policy : route.mirrors()) {
            if (policy.cluster() == null || !Faults.happens(policy.percent())) {
                continue;
            }
            Mirror m = Mirror.start(engine, loop, policy.cluster(), main, shadowHead(upstreamHead),
                    route.requestTimeoutNanos());
            if (m == null) {
                continue;
            }
            boolean sawLast = false;
            for (HttpContent c : received) {
                sawLast |= c instanceof LastHttpContent;
                m.onBody(c.retainedDuplicate());
            }
            if (requestDone && !sawLast) {
                m.onBody(LastHttpContent.EMPTY_LAST_CONTENT);
            }
            if (started == null) {
                started = new ArrayList<>(route.mirrors().length);
            }
            started.add(m);
        }
        return started == null ? null : new Mirrors(started);
    }

    /** Gives each copy its share of a body chunk; {@code content} stays the caller's. */
    void tee(HttpContent content) {
        for (int i = 0; i < copies.size(); i++) {
            copies.get(i).onBody(content.retainedDuplicate());
        }
    }

    void mainEnded() {
        for (int i = 0; i < copies.size(); i++) {
            copies.get(i).mainEnded();
        }
    }

    static HttpRequest shadowHead(HttpRequest head) {
        HttpRequest copy = new DefaultHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(),
                head.headers().copy());
        String host = copy.headers().get(HttpHeaderNames.HOST);
        if (host != null) {
            copy.headers().set(HttpHeaderNames.HOST, shadowAuthority(host));
        }
        return copy;
    }

    /** {@code host-shadow[:port]}: the suffix goes on the host, before any port (IPv6 literals kept whole). */
    static String shadowAuthority(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || authority.indexOf(']') > colon) {
            return authority + "-shadow";
        }
        return authority.substring(0, colon) + "-shadow" + authority.substring(colon);
    }
}
