package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.CompiledRoute;
import io.tidegate.kernel.runtime.Cors;
import io.tidegate.kernel.runtime.ForwardProxyRoute;

/**
 * A new exchange's route, and what is answered before its policies run: a request misdirected to a
 * connection made for another host's certificate, no route, a declared body over the limit, a CORS
 * preflight. Stateless; the answers go out through the exchange's {@link ExchangeControl}.
 */
final class RequestRouting {

    private RequestRouting() {
    }

    /**
     * Sets {@code e.route}, its body limit and CORS origin.
     *
     * @return whether the request goes on to its route's policies; otherwise it was answered
     */
    static boolean route(EngineContext engine, GatewayConfig.ListenerConfig listener,
            DownstreamConnection connection, ExchangeControl owner, Exchange e, HttpRequest request) {
        RequestHead head = e.head;
        CompiledConfig config = engine.config(); // read once; this request keeps this generation
        io.tidegate.kernel.tls.SniMap certificates = connection.isTls() ? config.certificates(listener.name()) : null;
        if (certificates != null && certificates.misdirected(connection.serverName(), head.host())) {
            // The host's certificate verifies clients; this connection was set up under another one.
            owner.respondError(e, HttpResponseStatus.MISDIRECTED_REQUEST,
                    "this host needs a connection made for its own name (SNI)", "MR");
            return false;
        }
        CompiledRoute route = head.isConnect() ? null : config.table(listener.name()).match(head);
        if (route == null && listener.forwardProxy() && head.isProxyRequest()) {
            route = engine.forwardProxy().route(config, listener.name()); // ForwardProxy: no route, or CONNECT
        }
        if (route == null) {
            owner.respondError(e, HttpResponseStatus.NOT_FOUND, "no route for this host and path", "NR");
            return false;
        }
        e.route = route;
        if (!ForwardProxyRoute.is(route)) {
            head.route(route); // policies see route() null on the forward-proxy path (the spi contract)
        }
        e.maxBodyBytes = route.maxBodyBytes() > 0 ? route.maxBodyBytes() : listener.maxBodyBytes();
        if (e.maxBodyBytes > 0 && HttpUtil.getContentLength(request, -1L) > e.maxBodyBytes) {
            owner.respondError(e, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large", "DPE");
            return false;
        }
        Cors cors = route.cors();
        if (cors != null) {
            String origin = request.headers().get(HttpHeaderNames.ORIGIN);
            if (cors.allows(origin)) {
                if (CorsResponses.isPreflight(request)) {
                    // Before policies: a browser's preflight carries no credentials to check.
                    owner.respondLocal(e, CorsResponses.preflight(cors, origin), null);
                    return false;
                }
                e.corsOrigin = origin;
            }
        }
        return true;
    }
}
