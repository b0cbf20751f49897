package io.tidegate.spi.model;

/** Which way traffic on a listener flows; policies (e.g. the egress allowlist) bind by role. */
public enum ListenerRole {
    /** Clients outside reach services inside. */
    INGRESS,
    /** Workloads inside reach services outside (forward proxy or egress gateway). */
    EGRESS
}
