package io.tidegate.kernel.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.model.StringMatch;
import io.tidegate.spi.model.StringMatch.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class CompiledStringMatchTest {

    @ParameterizedTest(name = "{0} {1} ignoreCase={2} vs \"{3}\" -> {4}")
    @CsvSource(delimiter = '|', textBlock = """
            EXACT    | prod         | false | prod          | true
            EXACT    | prod         | false | Prod          | false
            EXACT    | prod         | true  | PROD          | true
            EXACT    | prod         | false | prod2         | false
            EXACT    | ''           | false | ''            | true
            PREFIX   | /api         | false | /api/v1       | true
            PREFIX   | /api         | false | /ap           | false
            PREFIX   | /api         | false | /API/v1       | false
            PREFIX   | /api         | true  | /API/v1       | true
            PREFIX   | ''           | false | anything      | true
            SUFFIX   | .example.com | false | a.example.com | true
            SUFFIX   | .example.com | false | example.com   | false
            SUFFIX   | .example.com | true  | A.EXAMPLE.COM | true
            SUFFIX   | .example.com | false | A.EXAMPLE.COM | false
            CONTAINS | beta         | false | x-beta-y      | true
            CONTAINS | beta         | false | x-BETA-y      | false
            CONTAINS | beta         | true  | x-BETA-y      | true
            CONTAINS | beta         | true  | bet           | false
            CONTAINS | ''           | true  | ''            | true
            REGEX    | v[0-9]+      | false | v12           | true
            REGEX    | v[0-9]+      | false | xv12          | false
            REGEX    | v[0-9]+      | false | v12x          | false
            REGEX    | v[0-9]+      | false | V12           | false
            REGEX    | v[0-9]+      | true  | V12           | true
            REGEX    | 'a|b'        | false | a             | true
            REGEX    | 'a|b'        | false | ab            | false
            PRESENT  | ignored      | false | ''            | true
            PRESENT  | ignored      | false | anything      | true
            """)
    void matches(Kind kind, String operand, boolean ignoreCase, String value, boolean expected) {
        CompiledStringMatch match = CompiledStringMatch.of(new StringMatch(kind, operand, ignoreCase));

        assertThat(match.matches(value)).isEqualTo(expected);
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void nullNeverMatchesNotEvenPresent(Kind kind) {
        assertThat(CompiledStringMatch.of(new StringMatch(kind, "", false)).matches(null)).isFalse();
    }

    @Test
    void invalidRegexIsRefusedWithTheRegexAndTheReason() {
        assertThatThrownBy(() -> CompiledStringMatch.of(StringMatch.regex("a(b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("regex: \"a(b\" (expected: RE2 syntax; ")
                .hasMessageContaining("missing closing )");
    }

    @Test
    void backreferencesAreNotRe2AndAreRefused() {
        assertThatThrownBy(() -> CompiledStringMatch.of(StringMatch.regex("(a)\\1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void describesItselfForExplain() {
        assertThat(CompiledStringMatch.of(new StringMatch(Kind.PREFIX, "/api", true)))
                .hasToString("prefix \"/api\" (ignoring case)");
        assertThat(CompiledStringMatch.of(StringMatch.present())).hasToString("present");
        assertThat(CompiledStringMatch.of(StringMatch.exact("x")).source()).isEqualTo(StringMatch.exact("x"));
    }
}
