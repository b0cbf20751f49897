package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A match and what to do with the requests it matches.
 *
 * <p><b>Order is precedence.</b> Within a fragment, the first route in list order whose match holds
 * wins (Envoy and Istio semantics). Sources with other precedence rules (Ingress: longest path, Exact
 * before Prefix; Gateway API: the spec's tie-breakers) sort their routes before publishing. Across
 * sources, routes of the source listed first in {@code tidegate.yaml} come first.
 *
 * @param name a name unique within the fragment; appears in metrics, logs and {@code explain}
 * @param listeners names of the listeners this route applies to; empty means every HTTP listener
 * @param match the conditions
 * @param action forward, redirect or direct response
 * @param rewrite path and authority rewrite before forwarding; null: none
 * @param requestHeaders edits to the request forwarded
 * @param responseHeaders edits to the response returned
 * @param timeouts per-route timeouts
 * @param retries retry policy; null: no retries
 * @param mirrors requests copied to shadow clusters
 * @param fault injected faults; null: none
 * @param cors CORS answered at the gateway; null: none
 * @param maxRequestBodyBytes larger bodies are refused with 413; null: the listener's limit
 * @param policies policies applied after the listener's, in order
 * @param metadata free-form labels (e.g. translated annotations), shown by {@code explain}
 * @param provenance the source object this route came from
 */
public record Route(String name, Set<String> listeners, RouteMatch match, RouteAction action, PathRewrite rewrite,
                    HeaderEdits requestHeaders, HeaderEdits responseHeaders, Timeouts timeouts, RetryPolicy retries,
                    List<MirrorPolicy> mirrors, FaultPolicy fault, CorsPolicy cors, Long maxRequestBodyBytes,
                    List<PolicyRef> policies, Map<String, String> metadata, Provenance provenance) {

    public Route {
        requireNonNull(name, "name");
        listeners = Set.copyOf(listeners);
        requireNonNull(match, "match");
        requireNonNull(action, "action");
        requestHeaders = requestHeaders == null ? HeaderEdits.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderEdits.NONE : responseHeaders;
        timeouts = timeouts == null ? Timeouts.DEFAULT : timeouts;
        mirrors = List.copyOf(mirrors);
        policies = List.copyOf(policies);
        metadata = Map.copyOf(metadata);
        requireNonNull(provenance, "provenance");
    }

    /** A builder starting from "any host, any path, no action yet". */
    public static Builder builder(String name, Provenance provenance) {
        return new Builder(name, provenance);
    }

    /** A builder holding this route's values. */
    public Builder toBuilder() {
        Builder b = new Builder(name, provenance);
        b.listeners = listeners;
        b.match = match;
        b.action = action;
        b.rewrite = rewrite;
        b.requestHeaders = requestHeaders;
        b.responseHeaders = responseHeaders;
        b.timeouts = timeouts;
        b.retries = retries;
        b.mirrors = new ArrayList<>(mirrors);
        b.fault = fault;
        b.cors = cors;
        b.maxRequestBodyBytes = maxRequestBodyBytes;
        b.policies = new ArrayList<>(policies);
        b.metadata = metadata;
        return b;
    }

    /** Builds a {@link Route}; unset components take the record's defaults. */
    public static final class Builder {
        private String name;
        private final Provenance provenance;
        private Set<String> listeners = Set.of();
        private RouteMatch match = RouteMatch.path(null);
        private RouteAction action;
        private PathRewrite rewrite;
        private HeaderEdits requestHeaders = HeaderEdits.NONE;
        private HeaderEdits responseHeaders = HeaderEdits.NONE;
        private Timeouts timeouts = Timeouts.DEFAULT;
        private RetryPolicy retries;
        private List<MirrorPolicy> mirrors = new ArrayList<>();
        private FaultPolicy fault;
        private CorsPolicy cors;
        private Long maxRequestBodyBytes;
        private List<PolicyRef> policies = new ArrayList<>();
        private Map<String, String> metadata = Map.of();

        private Builder(String name, Provenance provenance) {
            this.name = requireNonNull(name, "name");
            this.provenance = requireNonNull(provenance, "provenance");
        }

        public Builder name(String name) {
            this.name = requireNonNull(name, "name");
            return this;
        }

        public Builder listeners(Set<String> listeners) {
            this.listeners = listeners;
            return this;
        }

        public Builder match(RouteMatch match) {
            this.match = match;
            return this;
        }

        public Builder action(RouteAction action) {
            this.action = action;
            return this;
        }

        /** Forward everything to one cluster. */
        public Builder forwardTo(String cluster) {
            return action(RouteAction.Forward.to(cluster));
        }

        public Builder rewrite(PathRewrite rewrite) {
            this.rewrite = rewrite;
            return this;
        }

        public Builder requestHeaders(HeaderEdits edits) {
            this.requestHeaders = edits;
            return this;
        }

        public Builder responseHeaders(HeaderEdits edits) {
            this.responseHeaders = edits;
            return this;
        }

        public Builder timeouts(Timeouts timeouts) {
            this.timeouts = timeouts;
            return this;
        }

        public Builder retries(RetryPolicy retries) {
            this.retries = retries;
            return this;
        }

        public Builder addMirror(MirrorPolicy mirror) {
            this.mirrors.add(mirror);
            return this;
        }

        public Builder fault(FaultPolicy fault) {
            this.fault = fault;
            return this;
        }

        public Builder cors(CorsPolicy cors) {
            this.cors = cors;
            return this;
        }

        public Builder maxRequestBodyBytes(Long max) {
            this.maxRequestBodyBytes = max;
            return this;
        }

        public Builder addPolicy(PolicyRef policy) {
            this.policies.add(policy);
            return this;
        }

        public Builder metadata(Map<String, String> metadata) {
            this.metadata = metadata;
            return this;
        }

        public Route build() {
            if (action == null) {
                throw new IllegalStateException("route " + name + ": no action (expected: forward, redirect or direct response)");
            }
            return new Route(name, listeners, match, action, rewrite, requestHeaders, responseHeaders, timeouts,
                    retries, mirrors, fault, cors, maxRequestBodyBytes, policies, metadata, provenance);
        }
    }
}
