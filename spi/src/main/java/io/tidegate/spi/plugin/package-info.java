/** Services the kernel lends to plugins: scheduler, clock, metrics, logger, YAML, DNS. */
package io.tidegate.spi.plugin;
