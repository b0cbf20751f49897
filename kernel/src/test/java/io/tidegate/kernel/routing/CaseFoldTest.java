package io.tidegate.kernel.routing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CaseFoldTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            /API/Users | /api/users
            /ÄPFEL     | /äpfel
            /%2F       | /%2f
            /İ         | /i
            """)
    void foldsCharByCharKeepingLength(String in, String out) {
        assertThat(CaseFold.fold(in)).isEqualTo(out).hasSameSizeAs(in);
    }

    @Test
    void returnsTheSameInstanceWhenAlreadyFolded() {
        String path = new String("/api/users/ä");
        assertThat(CaseFold.fold(path)).isSameAs(path);
    }
}
