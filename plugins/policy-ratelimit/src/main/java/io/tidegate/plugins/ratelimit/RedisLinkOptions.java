package io.tidegate.plugins.ratelimit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.MaintNotificationsConfig;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import java.time.Duration;

/**
 * The client options every Redis connection of a binding shares: commands rejected at once while
 * disconnected (Lettuce's {@code REJECT_COMMANDS}, never queued), each command failed after
 * {@code timeout}, automatic reconnects, TCP keep-alive, no Redis Enterprise maintenance notifications.
 */
record RedisLinkOptions(Duration timeout) {

    ClientOptions clientOptions() {
        return ClientOptions.builder()
                .autoReconnect(true)
                // Redis Enterprise's maintenance hand-offs (Lettuce 7 asks for them in every handshake and logs
                // "not supported" at INFO on a plain server, once per worker connection): not for a single server.
                .maintNotificationsConfig(MaintNotificationsConfig.disabled())
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(2)).keepAlive(true).build())
                .build();
    }
}
