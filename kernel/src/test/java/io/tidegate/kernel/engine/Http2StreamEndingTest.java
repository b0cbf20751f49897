package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.Http2Error;
import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.kernel.testing.NoLeaks;
import io.tidegate.kernel.testing.RawH2;
import io.tidegate.kernel.testing.RawH2.Frame;
import io.tidegate.kernel.testing.TestUpstream;
import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.RouteMatch;
import io.tidegate.spi.model.Timeouts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How the gateway ends a downstream HTTP/2 stream, read frame by frame off a raw h2c connection (no client
 * library between the test and the wire, so a stray frame cannot be hidden by one): a response to a request
 * the client ended is its last frame with END_STREAM and nothing after; a complete response sent before the
 * client finished its body is followed by RST_STREAM(NO_ERROR), RFC 9113 section 8.1, and what the client sent
 * meanwhile is ignored; a client's reset is not answered with one; a response cut before it left is CANCELled.
 */
@ExtendWith(NoLeaks.class)
class Http2StreamEndingTest {

    private static final Provenance ORIGIN = Provenance.of("test", "Http2StreamEndingTest");
    private static final int HEADERS = RawH2.HEADERS;
    private static final int RST_STREAM = RawH2.RST_STREAM;
    private static final int END_STREAM = RawH2.END_STREAM;

    static TestUpstream upstream;
    static EngineHarness gateway;

    @BeforeAll
    static void start() throws Exception {
        upstream = TestUpstream.start("app");
        gateway = EngineHarness.start();
        Route local = Route.builder("local", ORIGIN.withRule("local"))
                .match(RouteMatch.path(PathMatch.segmentPrefix("/local")))
                .action(new RouteAction.DirectResponse(200, "answered early", List.of())).build();
        Route slow = Route.builder("slow", ORIGIN.withRule("slow"))
                .match(RouteMatch.path(PathMatch.segmentPrefix("/timeout")))
                .timeouts(new Timeouts(Duration.ofMillis(200), null))
                .action(new RouteAction.DirectResponse(200, "never leaves", List.of())).build();
        Route app = Route.builder("app", ORIGIN.withRule("app")).forwardTo("app").build();
        gateway.publish(Fragment.of(List.of(local, slow, app), List.of(
                Cluster.of("app", List.of(Endpoint.of("127.0.0.1", upstream.port())), ORIGIN.withRule("c")))));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.close();
    }

    @Test
    void aProxiedResponseEndsTheStreamWithItsLastFrameAndNothingFollows() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            for (int id = 1; id <= 5; id += 2) { // and again on the same connection
                int stream = id;
                c.request(stream, "GET", "/app", true);
                List<Frame> frames = c.untilPingAck();
                assertThat(frames).as("frames of stream %d", stream)
                        .anyMatch(f -> f.stream() == stream && (f.flags() & END_STREAM) != 0)
                        .noneMatch(f -> f.type() == RST_STREAM);
            }
        }
    }

    @Test
    void aCompleteResponseBeforeTheRequestBodyEndedIsFollowedByResetNoError() throws Exception {
        try (RawH2 c = new RawH2(gateway.port())) {
            c.request(1, "POST", "/local", false); // the body never comes
            List<Frame> frames = c.untilReset(1);
            assertThat(frames).anyMatch(f -> f.stream() == 1 && f.type() == HEADERS);
            Frame last = frames.get(frames.size() - 1);
            assertThat(last.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
            assertThat(frames.get(frames.size() - 2).flags() & END_STREAM).as("the response ended first")
                    .isEqualTo(END_STREAM);
            for (int i = 0; i < 3; i++) {
                c.data(1, "sent before the client saw the reset", false);
            }
            assertThat(c.pingAndRead()).as("RFC 9113 5.1: frames after our RST_STREAM are ignored, not reset again")
                    .noneMatch(f -> f.type() == RST_STREAM || f.type() == RawH2.GOAWAY);
        }
    }

    @Test
    void aClientResetWhileTheResponseWaitsForItsWindowIsNotAnsweredWithAReset() throws Exception {
        try (RawH2 c = new RawH2(gateway.port(), 0)) { // no DATA may leave: the body waits in the gateway
            c.request(1, "GET", "/local", true);
            c.reset(1, Http2Error.CANCEL.code());
            List<Frame> frames = c.pingAndRead();
            assertThat(frames).as("RFC 9113 5.4.2: no RST_STREAM answers one")
                    .noneMatch(f -> f.type() == RST_STREAM || f.type() == RawH2.GOAWAY);
            c.request(3, "GET", "/app", true); // the connection serves on
            assertThat(c.pingAndRead()).noneMatch(f -> f.type() == RawH2.GOAWAY);
        }
    }

    @Test
    void aTimeoutWhileTheResponseEndWaitsForItsWindowCancelsTheStream() throws Exception {
        try (RawH2 c = new RawH2(gateway.port(), 0)) {
            c.request(1, "GET", "/timeout", true);
            List<Frame> frames = c.untilReset(1); // the request timeout (200 ms) cuts the undelivered response
            assertThat(frames.get(frames.size() - 1).errorCode()).as("not NO_ERROR: the response never ended")
                    .isEqualTo(Http2Error.CANCEL.code());
        }
    }
}
