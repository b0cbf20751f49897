package io.tidegate.kernel.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The SNI matching rules of tls-passthrough routes, one row per rule. */
class SniIndexTest {

    record Entry(String name, List<String> patterns) {
    }

    /** In order: first match wins, whatever the pattern's kind. */
    static final SniIndex<Entry> INDEX = SniIndex.build(List.of(
            new Entry("wild-first", List.of("*.first.example")),
            new Entry("exact", List.of("api.example.com", "Other.Example.com")),
            new Entry("exact-shadowed", List.of("api.first.example")),
            new Entry("wild", List.of("*.example.com")),
            new Entry("deep-wild", List.of("*.b.example.com")),
            new Entry("star", List.of("*")),
            new Entry("none", List.of())), Entry::patterns);

    static final SniIndex<Entry> NO_CATCH_ALL = SniIndex.build(List.of(
            new Entry("exact", List.of("api.example.com")),
            new Entry("wild", List.of("*.example.com")),
            new Entry("star", List.of("*"))), Entry::patterns);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NULL", value = {
            "api.example.com,      exact",
            "API.EXAMPLE.COM,      exact",              // SNI names compare case-insensitively
            "api.example.com.,     exact",              // the absolute form names the same host
            "other.example.com,    exact",              // patterns are lower-cased too
            "www.example.com,      wild",
            "a.b.example.com,      wild",               // a star takes one or more labels; the earlier route wins
            "example.com,          star",               // *.example.com needs a label in place of the star
            "api.first.example,    wild-first",         // an earlier wildcard beats a later exact name
            "unrelated.test,       star",
            "localhost,            star",
            "NULL,                 none",               // no SNI: only a route without sniHosts
    })
    void firstMatchInOrder(String sni, String expected) {
        assertThat(INDEX.match(sni).name()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(nullValues = "NULL", value = {
            "api.example.com,  exact",
            "x.example.com,    wild",
            "elsewhere.org,    star",
            "NULL,             NULL",                   // * takes any name, but requires one
            "'',               NULL",
    })
    void withoutARouteForConnectionsWithoutSni(String sni, String expected) {
        Entry e = NO_CATCH_ALL.match(sni);
        assertThat(e == null ? null : e.name()).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"a*.example.com", "*example.com", "foo.*.com", "'bad name'", "x..y", "''", "*."})
    void invalidPatternsAreExplained(String pattern) {
        assertThat(SniIndex.problem(pattern)).isNotNull().contains("expected");
    }
}
