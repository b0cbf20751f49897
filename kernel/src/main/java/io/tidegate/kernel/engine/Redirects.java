package io.tidegate.kernel.engine;

import io.tidegate.kernel.runtime.CompiledRoute;
import io.tidegate.spi.model.RouteAction;

/**
 * Builds a redirect's {@code Location}. Unset parts keep the request's; a scheme change drops the
 * request's port (it belonged to the old scheme), as Envoy's {@code https_redirect} does.
 */
final class Redirects {

    private Redirects() {
    }

    static String location(RouteAction.Redirect redirect, RequestHead head, CompiledRoute route) {
        String scheme = redirect.scheme() != null ? redirect.scheme() : head.scheme();
        String host = redirect.host() != null ? redirect.host() : head.host();
        int port;
        if (redirect.port() != null) {
            port = redirect.port();
        } else if (!scheme.equals(head.scheme())) {
            port = 0;
        } else {
            port = Authority.port(head.authority(), 0);
        }
        if ((scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443)) {
            port = 0;
        }
        String path;
        if (redirect.path() != null) {
            path = redirect.path();
        } else if (redirect.prefixRewrite() != null) {
            path = route.rewriter().apply(head.path());
        } else {
            path = head.path();
        }
        StringBuilder out = new StringBuilder(64).append(scheme).append("://");
        out.append(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
        if (port > 0) {
            out.append(':').append(port);
        }
        out.append(path);
        if (!redirect.stripQuery() && !head.rawQuery().isEmpty()) {
            out.append('?').append(head.rawQuery());
        }
        return out.toString();
    }
}
