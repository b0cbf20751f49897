/**
 * Tidegate's plugin contract.
 *
 * <p>This module is the only thing a plugin compiles against. It holds the immutable traffic model
 * ({@link io.tidegate.spi.model}), the config-source extension point ({@link io.tidegate.spi.source}),
 * the policy extension point ({@link io.tidegate.spi.policy}), the services the kernel lends to a
 * plugin ({@link io.tidegate.spi.plugin}) and a location-aware config tree ({@link io.tidegate.spi.config}).
 *
 * <p>It depends on the JDK and PF4J only: no Netty, fabric8, Consul or Dagger type may appear here,
 * which an ArchUnit test enforces.
 */
package io.tidegate.spi;
