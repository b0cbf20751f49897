package io.tidegate.plugins.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import java.time.Duration;

/**
 * The client options every Redis connection of a binding shares: commands rejected at once while
 * disconnected (Lettuce's {@code REJECT_COMMANDS}, never queued), each command failed after
 * {@code timeout}, automatic reconnects, TCP keep-alive.
 */
record RedisLinkOptions(Duration timeout) {

    ClientOptions clientOptions() {
        return ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).keepAlive(true).build())
                .build();
    }
}
