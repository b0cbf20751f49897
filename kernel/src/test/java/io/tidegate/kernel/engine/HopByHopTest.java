package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 9110 section 7.6.1: what {@link HopByHop#strip} removes, and what a client may not make it remove. */
class HopByHopTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("no hop-by-hop header", List.of("Host: a", "Accept: */*"), List.of("Host: a", "Accept: */*")),
                Arguments.of("Connection: keep-alive", List.of("Host: a", "Connection: keep-alive"), List.of("Host: a")),
                Arguments.of("the classic set, any case", List.of("host: a", "KEEP-ALIVE: timeout=5", "Proxy-Connection: x",
                        "te: trailers", "Upgrade: h2c", "x: 1"), List.of("host: a", "x: 1")),
                Arguments.of("headers Connection names go too", List.of("Connection: close, X-Secret ,x-other",
                        "X-Secret: s", "X-Other: o", "X-Kept: k"), List.of("X-Kept: k")),
                Arguments.of("names in several Connection headers", List.of("Connection: a", "Connection: b", "A: 1",
                        "B: 2", "C: 3"), List.of("C: 3")),
                Arguments.of("framing and Host cannot be named away", List.of("Connection: Content-Length, HOST, "
                        + "transfer-encoding, Keep-Alive, close", "Host: a", "Content-Length: 3",
                        "Transfer-Encoding: chunked"), List.of("Host: a", "Content-Length: 3", "Transfer-Encoding: chunked")),
                Arguments.of("empty tokens are ignored", List.of("Connection: ,, ,", "X: 1"), List.of("X: 1")),
                Arguments.of("similar names stay", List.of("Connections: 1", "Tee: 2", "Upgraded: 3", "Keep-Alivex: 4"),
                        List.of("Connections: 1", "Tee: 2", "Upgraded: 3", "Keep-Alivex: 4")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void strips(String name, List<String> in, List<String> out) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (String line : in) {
            int colon = line.indexOf(':');
            headers.add(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        HopByHop.strip(headers);
        List<String> left = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            left.add(h.getKey() + ": " + h.getValue());
        }
        assertThat(left).containsExactlyElementsOf(out);
    }
}
