/**
 * The config-source extension point. A source plugin contributes a {@link io.tidegate.spi.source.ConfigSourceFactory};
 * the kernel creates one {@link io.tidegate.spi.source.ConfigSource} per {@code sources:} entry and the
 * source pushes its whole state through a {@link io.tidegate.spi.source.FragmentSink}.
 */
package io.tidegate.spi.source;
