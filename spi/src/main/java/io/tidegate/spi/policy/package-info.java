/**
 * The policy extension point. A policy plugin contributes a {@link io.tidegate.spi.policy.PolicyFactory};
 * the kernel creates one {@link io.tidegate.spi.policy.Policy} per distinct binding (global, listener
 * or route settings) when config is compiled, and asks it per request through a
 * {@link io.tidegate.spi.policy.RequestView}, which has no Netty type.
 */
package io.tidegate.spi.policy;
