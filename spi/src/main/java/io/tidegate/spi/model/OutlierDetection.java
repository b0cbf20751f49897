package io.tidegate.spi.model;

import java.time.Duration;

/**
 * Passive health: endpoints that keep failing are ejected for a while (Envoy semantics).
 *
 * @param consecutive5xx ejections after this many 5xx in a row; 0 disables
 * @param consecutiveGatewayErrors ejections after this many 502/503/504 or connect errors in a row; 0 disables
 * @param interval how often ejections are re-evaluated
 * @param baseEjectionTime ejection time, multiplied by the number of times the endpoint was ejected
 * @param maxEjectionPercent at most this share of the cluster is ejected at once
 */
public record OutlierDetection(int consecutive5xx, int consecutiveGatewayErrors, Duration interval,
                               Duration baseEjectionTime, int maxEjectionPercent) {
}
