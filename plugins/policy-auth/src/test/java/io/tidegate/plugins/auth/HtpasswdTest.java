package io.tidegate.plugins.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HtpasswdTest {

    /**
     * Vectors from other implementations: bcrypt from the OpenBSD/jBCrypt test suite ($2b$ and $2y$
     * are the same algorithm with another prefix), apr1 from {@code openssl passwd -apr1 -salt saltsalt
     * secret}, SHA from {@code htpasswd -s}.
     */
    static Stream<Arguments> vectors() {
        return Stream.of(
                Arguments.of("$2a$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abc", true),
                Arguments.of("$2b$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abc", true),
                Arguments.of("$2y$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abc", true),
                Arguments.of("$2y$06$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i", "abd", false),
                Arguments.of("$2a$06$.rCVZVOThsIa97pEDOxvGuRRgzG64bvtJ0938xuqzv18d3ZpQhstC",
                        "abcdefghijklmnopqrstuvwxyz", true),
                Arguments.of("$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0", "secret", true),
                Arguments.of("$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0", "Secret", false),
                Arguments.of("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", true),
                Arguments.of("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret ", false));
    }

    @ParameterizedTest(name = "{0} / {1} -> {2}")
    @MethodSource("vectors")
    void verifiesHashesWrittenByOtherTools(String hash, String password, boolean expected) throws Exception {
        Htpasswd file = Htpasswd.parse("# comment\n\nalice:" + hash + "\n");
        assertThat(Htpasswd.verify(file.user("alice"), password)).isEqualTo(expected);
    }

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("alice:secret", "line 1 (user 'alice'): unsupported password format"),
                Arguments.of("alice:rl.3StKT.4T8M", "line 1 (user 'alice'): unsupported password format"),
                Arguments.of("alice:$1$saltsalt$qjXMvbEw8oaL.CzflDugX/", "unsupported password format"),
                Arguments.of("alice:$6$salt$IxDD3jeSOb5eB1CX5LBsqZFVkJdido3OUILO5Ifz5iwMuTS4XMS130MTSuDDl3aCI6WouIL9AjRbLCelDCy.g.",
                        "unsupported password format"),
                Arguments.of("alice:{SHA}bm90LXNoYTE=", "unsupported password format"),
                Arguments.of("alice:$2y$03$If6bvum7DFjUnE9p2uDeDu0YHzrHM6tf.iqN8.yx.jNN1ILEf7h0i",
                        "unsupported password format"),
                Arguments.of("nocolon", "line 1: expected 'user:hash'"),
                Arguments.of("a:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\na:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
                        "line 2: user 'a' is listed twice"),
                Arguments.of("# only a comment\n", "has no users"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refused")
    void refusesWhatItCannotCheckSafelyWithoutShowingTheHash(String text, String message) {
        assertThatThrownBy(() -> Htpasswd.parse(text))
                .isInstanceOf(Htpasswd.FormatException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("$1$saltsalt").doesNotContain("secret"));
    }

    @org.junit.jupiter.api.Test
    void apr1MatchesOpenssl() {
        assertThat(Htpasswd.apr1("secret", "saltsalt")).isEqualTo("$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0");
    }
}
