package io.tidegate.spi.model;

/** How a {@code *.example.com} host pattern treats the labels the star stands for. */
public enum HostWildcard {
    /** One or more labels: {@code a.example.com} and {@code a.b.example.com} (Envoy, Istio, Gateway API). */
    ANY_LABELS,
    /** Exactly one label: {@code a.example.com} only (Kubernetes Ingress). */
    SINGLE_LABEL
}
