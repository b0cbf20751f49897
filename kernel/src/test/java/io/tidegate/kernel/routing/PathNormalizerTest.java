package io.tidegate.kernel.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class PathNormalizerTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            /                   | /
            /a/b                | /a/b
            /a/./b              | /a/b
            /a/../b             | /b
            /a/b/..             | /a/
            /a/b/.              | /a/b/
            /a/./               | /a/
            /.                  | /
            /./                 | /
            /a/..               | /
            /a/b/c/./../../g    | /a/g
            /a/b/../            | /a/
            /a/%2e/b            | /a/b
            /a/%2E/b            | /a/b
            /a/%2e%2E/b         | /b
            /a/.%2e/b           | /b
            /a/%2e./b           | /b
            /a/%2e              | /a/
            /a//b               | /a//b
            /a//../b            | /a/b
            //..                | /
            /a/                 | /a/
            /...                | /...
            /.a/a.              | /.a/a.
            /%2e%2e%2e          | /%2e%2e%2e
            /a/%2               | /a/%2
            /a/%2f..            | /a/%2f..
            /%2E%2e%2E/x/../y   | /%2E%2e%2E/y
            """)
    void removesDotSegments(String raw, String expected) {
        assertThat(PathNormalizer.normalize(raw)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/../x", "/a/../../x", "/%2e%2e/x", "/.%2E", "/a/./../..", "//../..", "a/b", "x", "*"})
    void refusesPathsThatClimbAboveRootOrAreNotAbsolute(String raw) {
        assertThat(PathNormalizer.normalize(raw)).isNull();
    }

    @ParameterizedTest
    @NullAndEmptySource
    void refusesNullAndEmpty(String raw) {
        assertThat(PathNormalizer.normalize(raw)).isNull();
    }

    @Test
    void returnsTheSameInstanceWhenThereIsNothingToRemove() {
        String path = new String("/api/v1/users/.well-known/a..b");
        assertThat(PathNormalizer.normalize(path)).isSameAs(path);
    }
}
