package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawHttp;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.kernel.testing.WebSocketEchoServer;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** WebSocket through the real engine: a JDK WebSocket client, a Netty WebSocket server. */
@ExtendWith(NoLeaks.class)
class WebSocketTest {

    private static final Provenance ORIGIN = Provenance.of("test", "WebSocketTest");

    static EngineHarness gateway;
    static WebSocketEchoServer echo;
    static TestUpstream plain;

    @BeforeAll
    static void start() throws Exception {
        gateway = EngineHarness.start();
        echo = new WebSocketEchoServer("echo");
        plain = TestUpstream.start("plain");
    }

    @AfterAll
    static void stop() {
        gateway.close();
        echo.close();
        plain.close();
    }

    static Fragment routes(String extraRouteBody) {
        return Fragment.of(List.of(
                        Route.builder("ws", ORIGIN.withRule("ws")).match(RouteMatch.path(PathMatch.segmentPrefix("/ws")))
                                .forwardTo("echo").build(),
                        Route.builder("plain", ORIGIN.withRule("plain"))
                                .match(RouteMatch.path(PathMatch.segmentPrefix("/plain"))).forwardTo("plain").build(),
                        Route.builder("other", ORIGIN.withRule("other"))
                                .action(new RouteAction.DirectResponse(200, extraRouteBody, List.of())).build()),
                List.of(Cluster.of("echo", List.of(Endpoint.of("127.0.0.1", echo.port())), ORIGIN),
                        Cluster.of("plain", List.of(Endpoint.of("127.0.0.1", plain.port())), ORIGIN)));
    }

    /** Collects whole messages the client receives. */
    static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        private final StringBuilder text = new StringBuilder();
        private java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                messages.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.writeBytes(b);
            if (last) {
                messages.add(binary.toByteArray());
                binary = new java.io.ByteArrayOutputStream();
            }
            ws.request(1);
            return null;
        }

        Object next() throws InterruptedException {
            Object m = messages.poll(10, TimeUnit.SECONDS);
            assertThat(m).as("a message within 10 s").isNotNull();
            return m;
        }
    }

    @Test
    void messagesEchoBothWaysAndTheConnectionOutlivesAConfigSwap() throws Exception {
        gateway.publish(routes("ws-v1"));
        Collector collector = new Collector();
        WebSocket ws = gateway.client().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws"), collector).get(10, TimeUnit.SECONDS);

        ws.sendText("hello", true).get(5, TimeUnit.SECONDS);
        assertThat(collector.next()).isEqualTo("echo: hello");

        gateway.publish(routes("ws-v2")); // a new generation that keeps the route
        ws.sendText("after the swap", true).get(5, TimeUnit.SECONDS);
        assertThat(collector.next()).isEqualTo("echo: after the swap");

        // 2 MiB each way: more than any socket buffer, so backpressure has to work on both sides.
        byte[] big = new byte[2 * 1024 * 1024];
        new java.util.Random(1).nextBytes(big);
        ws.sendBinary(ByteBuffer.wrap(big), true).get(10, TimeUnit.SECONDS);
        assertThat((byte[]) collector.next()).isEqualTo(big);

        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        assertThat(echo.handshakes()).isEqualTo(1);
        assertThat(RawHttp.exchange(gateway.port(), "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 2000))
                .endsWith("ws-v2");
    }

    @Test
    void anH2cUpgradeIsNotCarriedAndTheRequestGoesOnAsHttp11() throws Exception {
        gateway.publish(routes("h2c"));
        String response = RawHttp.exchange(gateway.port(), "GET /plain HTTP/1.1\r\nHost: a\r\n"
                + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n"
                + "Connection: close\r\n\r\n", 2000);
        assertThat(response).startsWith("HTTP/1.1 200").contains("plain GET /plain")
                .doesNotContain("upgrade: h2c").doesNotContain("http2-settings");
    }
}
