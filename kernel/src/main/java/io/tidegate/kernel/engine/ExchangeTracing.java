package io.tidegate.kernel.engine;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.tidegate.kernel.tracing.SpanContext;
import io.tidegate.kernel.tracing.SpanData;
import io.tidegate.kernel.tracing.Tracer;
import java.util.ArrayList;
import java.util.List;

/**
 * The engine's side of tracing (docs/engine.md, "Tracing"): the server span starts with the request head,
 * the forwarded request carries the gateway's {@code traceparent} (same trace, the gateway's span as
 * parent) and the caller's {@code tracestate}, and the span ends with the exchange, named and
 * attributed per OpenTelemetry's HTTP semantic conventions.
 */
final class ExchangeTracing {

    static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    static final AsciiString TRACESTATE = AsciiString.cached("tracestate");

    private ExchangeTracing() {
    }

    /** The request's span; null when tracing is off (the headers then pass through untouched). */
    static SpanContext start(Tracer tracer, HttpHeaders requestHeaders) {
        if (!tracer.enabled()) {
            return null;
        }
        return tracer.start(requestHeaders.getAll(TRACEPARENT), requestHeaders.getAll(TRACESTATE));
    }

    /** Replaces the caller's trace headers with the gateway's on the request going upstream. */
    static void inject(SpanContext span, HttpHeaders upstreamHeaders) {
        if (span == null) {
            return;
        }
        upstreamHeaders.set(TRACEPARENT, span.traceparent());
        if (span.traceState() != null) {
            upstreamHeaders.set(TRACESTATE, span.traceState());
        } else {
            upstreamHeaders.remove(TRACESTATE); // a new trace: the old trace's vendor state does not apply
        }
    }

    /** Ends the exchange's span: exported when sampled. */
    static void end(Tracer tracer, Exchange e, DownstreamConnection connection, String protocol) {
        SpanContext span = e.trace;
        if (span == null || !tracer.records(span)) {
            return;
        }
        RequestHead h = e.head;
        String route = e.route == null ? null : e.route.name();
        List<SpanData.Attribute> attributes = new ArrayList<>(12);
        attributes.add(SpanData.Attribute.of("http.request.method", h.method()));
        attributes.add(SpanData.Attribute.of("url.path", h.path()));
        if (!h.rawQuery().isEmpty()) {
            attributes.add(SpanData.Attribute.of("url.query", h.rawQuery()));
        }
        attributes.add(SpanData.Attribute.of("url.scheme", h.scheme()));
        if (e.status > 0) {
            attributes.add(SpanData.Attribute.of("http.response.status_code", e.status));
        }
        attributes.add(SpanData.Attribute.of("server.address", h.host()));
        attributes.add(SpanData.Attribute.of("server.port", h.port()));
        attributes.add(SpanData.Attribute.of("client.address", connection.clientIp()));
        attributes.add(SpanData.Attribute.of("network.protocol.version", protocolVersion(protocol)));
        if (route != null) {
            attributes.add(SpanData.Attribute.of("tidegate.route", route));
        }
        if (e.clusterName() != null) {
            attributes.add(SpanData.Attribute.of("tidegate.cluster", e.clusterName()));
        }
        if (e.upstreamAddress() != null) {
            attributes.add(SpanData.Attribute.of("upstream.address", e.upstreamAddress()));
        }
        if (e.flag != null) {
            attributes.add(SpanData.Attribute.of("tidegate.response_flags", e.flag));
        }
        // A server span is an error when the gateway answered 5xx, or nothing at all (semantic conventions:
        // 4xx is the client's error, not the server's).
        boolean error = e.status >= 500 || e.status == 0;
        String name = route == null ? h.method() : h.method() + " " + route;
        tracer.end(span, name, System.nanoTime(), error, error ? e.flag : null, attributes);
    }

    /** {@code HTTP/1.1} to {@code 1.1}, {@code HTTP/2} to {@code 2}. */
    private static String protocolVersion(String protocol) {
        return protocol.startsWith("HTTP/") ? protocol.substring(5) : protocol;
    }
}
