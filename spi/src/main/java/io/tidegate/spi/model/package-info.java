/**
 * The immutable traffic model, in Envoy's vocabulary: {@link io.tidegate.spi.model.Listener},
 * {@link io.tidegate.spi.model.Route}, {@link io.tidegate.spi.model.Cluster},
 * {@link io.tidegate.spi.model.Endpoint} and {@link io.tidegate.spi.model.Certificate}, gathered per
 * source into a {@link io.tidegate.spi.model.Fragment}.
 *
 * <p>Every type is a record or an immutable class; collections are copied on construction. A
 * {@code null} component means "not set: the kernel's default applies", and each such component says
 * so in its documentation.
 */
package io.tidegate.spi.model;
