package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.PathRewrite;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PathRewriterTest {

    @ParameterizedTest(name = "segment prefix {0} -> {1}: {2} becomes {3}")
    @CsvSource({
            "/v1,/,/v1/users,/users",
            "/v1,/,/v1,/",
            "/v1/,/,/v1/users,/users",
            "/v1,/api,/v1/users,/api/users",
            "/v1,/api/,/v1/users,/api/users",
            "/,/app,/x,/app/x",
    })
    void replacesSegmentPrefixesWithoutDoubleSlashes(String prefix, String replacement, String path, String out) {
        PathRewriter r = PathRewriter.compile(PathRewrite.prefix(replacement), PathMatch.segmentPrefix(prefix));
        assertThat(r.apply(path)).isEqualTo(out);
    }

    @Test
    void characterPrefixesAreReplacedAsEnvoyDoes() {
        PathRewriter r = PathRewriter.compile(PathRewrite.prefix("/new"), PathMatch.prefix("/old"));
        assertThat(r.apply("/oldies")).isEqualTo("/newies");
        assertThat(r.apply("/old/x")).isEqualTo("/new/x");
    }

    @Test
    void fullAndRegexRewrites() {
        assertThat(PathRewriter.compile(new PathRewrite(null, "/fixed", null, null, null), null).apply("/any"))
                .isEqualTo("/fixed");
        PathRewriter regex = PathRewriter.compile(new PathRewrite(null, null, "^/service/([^/]+)(/.*)$", "\\2/instance/\\1",
                null), PathMatch.regex("/service/.*"));
        assertThat(regex.apply("/service/foo/v1/api")).isEqualTo("/v1/api/instance/foo");
        assertThat(PathRewriter.toRe2jSubstitution("/a/\\1$")).isEqualTo("/a/$1\\$");
    }

    @Test
    void refusesRewritesThatCannotApply() {
        assertThatThrownBy(() -> PathRewriter.compile(PathRewrite.prefix("/"), PathMatch.exact("/x")))
                .hasMessageContaining("rewrite.prefix: needs a prefix path match");
        assertThatThrownBy(() -> PathRewriter.compile(new PathRewrite(null, null, "(", "x", null), null))
                .hasMessageContaining("rewrite.regex");
    }
}
