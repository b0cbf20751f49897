package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.Queue;

/**
 * A response to HEAD carries the headers a GET would (Content-Length, even Transfer-Encoding) but no
 * body; the encoder must know, or it would write a chunked terminator the client never expects.
 */
final class HeadAwareResponseEncoder extends HttpResponseEncoder {

    private final Queue<HttpMethod> methods;

    HeadAwareResponseEncoder(Queue<HttpMethod> methods) {
        this.methods = methods;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        int code = msg.status().code();
        if (code >= 100 && code < 200 && code != 101) {
            return super.isContentAlwaysEmpty(msg); // interim responses answer no request yet
        }
        HttpMethod method = methods.poll();
        return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
    }
}
