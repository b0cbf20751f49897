package io.tidegate.spi.model;

import java.time.Duration;

/**
 * Injected faults, for testing resilience.
 *
 * @param delay delay before forwarding; null: none
 * @param delayPercent share of requests delayed, 0 to 100
 * @param abortStatus status answered instead of forwarding; null: none
 * @param abortPercent share of requests aborted, 0 to 100
 */
public record FaultPolicy(Duration delay, double delayPercent, Integer abortStatus, double abortPercent) {
}
