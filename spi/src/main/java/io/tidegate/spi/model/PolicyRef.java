package io.tidegate.spi.model;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.config.ConfigNode;

/**
 * A policy bound to a listener or route: the policy plugin's id and the settings for this binding.
 * Two refs with equal id and settings share one policy instance, and that instance survives config
 * swaps (a rate limiter keeps its buckets when an unrelated route changes).
 *
 * @param id the policy plugin id, e.g. {@code rate-limit}
 * @param settings the binding's settings, validated by the plugin when the table is compiled
 */
public record PolicyRef(String id, ConfigNode settings) {

    public PolicyRef {
        requireNonNull(id, "id");
        requireNonNull(settings, "settings");
    }
}
