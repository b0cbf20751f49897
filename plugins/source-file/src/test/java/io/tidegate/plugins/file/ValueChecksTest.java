package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The JDK-only checks for values the kernel checks with other tools (RE2) or with DNS-free parsing. */
class ValueChecksTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "/api/.*                 | ",
            "(?P<id>[0-9]+)          | ",
            "(?i)/Admin              | ",
            "[(?=]x                  | ",
            "\\Q(?=\\E               | ",
            "a{2}+                   | possessive quantifiers are not supported",
            "a*+                     | possessive quantifiers are not supported",
            "/(?!admin)              | lookahead and lookbehind are not supported",
            "(?<=a)b                 | lookahead and lookbehind are not supported",
            "(a)\\1                  | backreferences are not supported",
            "(?>a)                   | atomic groups are not supported",
            "a(b                     | Unclosed group near index 3",
            "*a                      | Dangling meta character '*' near index 0"})
    void re2(String regex, String problem) {
        assertThat(Re2Check.problem(regex)).isEqualTo(problem);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "10.0.0.1, true", "255.255.255.255, true", "256.0.0.1, false", "10.0.0, false", "010.0.0.1x, false",
            "::1, true", "2001:db8::1, true", "fe80::1%eth0, true", "::ffff:10.0.0.1, true",
            "1:2:3:4:5:6:7:8, true", "1:2:3:4:5:6:7:8:9, false", "1::2::3, false", ":1::, false",
            "example.com, false", "db, false", "cafe, false"})
    void ipLiterals(String host, boolean ip) {
        assertThat(IpLiterals.isIp(host)).isEqualTo(ip);
    }
}
