package io.tidegate.kernel.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.kernel.testing.EngineHarness;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Fragment;
import io.tidegate.spi.model.HeaderEdits;
import io.tidegate.spi.model.HeaderValue;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.RouteAction;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Header edits a route may carry (RFC 9110 5.1 names, 5.5 values), checked when the config compiles. */
class HeaderEditRulesTest {

    private static final Provenance P = Provenance.of("test", "objects.yaml");

    private static HeaderEdits set(String name, String value) {
        return new HeaderEdits(List.of(new HeaderValue(name, value)), List.of(), List.of());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "x-request-source|gateway",
        "X-Upper_Case.ok|value with spaces, commas; and \"quotes\"",
        "x-empty-value|''",
    })
    void tokensWithValuesWithoutLineBreaksAreHeaders(String name, String value) {
        assertThat(HeaderEditRules.invalid("requestHeaders", set(name, value == null ? "" : value))).isNull();
    }

    @Test
    void everyTcharIsANameCharacterAndSeparatorsAreNot() {
        assertThat(HeaderEditRules.invalid("r", set("!#$%&'*+-.^_`|~09azAZ", "v"))).isNull();
        for (char c : "()<>@,;:\\\"/[]?={} \t".toCharArray()) {
            assertThat(HeaderEditRules.isTokenChar(c)).as("'%s'", c).isFalse();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "x bad|v|requestHeaders.set[0].name: 'x bad' is not a header name",
        "x:colon|v|requestHeaders.set[0].name: 'x:colon' is not a header name",
        "x-é|v|requestHeaders.set[0].name: 'x-é' is not a header name",
    })
    void aNameThatIsNoTokenIsRefusedByItsField(String name, String value, String why) {
        assertThat(HeaderEditRules.invalid("requestHeaders", set(name, value))).startsWith(why);
    }

    @Test
    void valuesWithCrLfOrNulAndEmptyNamesAreRefused() {
        assertThat(HeaderEditRules.invalid("responseHeaders", set("x-a", "one\r\nSet-Cookie: stolen=1")))
                .isEqualTo("responseHeaders.set[0].value: header 'x-a' has a CR (expected: a value without CR, LF "
                        + "or NUL)");
        assertThat(HeaderEditRules.invalid("r", set("x-a", "a\nb"))).contains("has a LF");
        assertThat(HeaderEditRules.invalid("r", set("x-a", "a\0b"))).contains("has a NUL");
        assertThat(HeaderEditRules.invalid("r", set("", "v"))).isEqualTo("r.set[0].name: empty header name "
                + "(expected: a token)");
        assertThat(HeaderEditRules.invalid("r", new HeaderEdits(List.of(), List.of(new HeaderValue("ok", "v"),
                new HeaderValue("not ok", "v")), List.of()))).startsWith("r.add[1].name:");
        assertThat(HeaderEditRules.invalid("r", new HeaderEdits(List.of(), List.of(), List.of("x", "a b"))))
                .startsWith("r.remove[1]:");
    }

    @Test
    void aRouteWithABadEditIsRejectedAloneNamingTheField() throws Exception {
        try (EngineHarness harness = EngineHarness.start()) {
            Route bad = Route.builder("bad", P.withRule("bad"))
                    .action(new RouteAction.DirectResponse(200, "x", List.of()))
                    .responseHeaders(set("x-note", "a\r\nb")).build();
            Route badDirect = Route.builder("bad-direct", P.withRule("bad-direct"))
                    .action(new RouteAction.DirectResponse(200, "x", List.of(new HeaderValue("a b", "v")))).build();
            Route good = Route.builder("good", P.withRule("good"))
                    .action(new RouteAction.DirectResponse(200, "fine", List.of())).build();
            CompiledConfig live = harness.publish(Fragment.of(List.of(bad, badDirect, good), List.of()));
            assertThat(live.routes()).extracting(r -> r.route().name()).containsExactly("good");
            List<Diagnostic> diags = harness.reconciler().sources().get(0).diagnostics();
            assertThat(diags).anySatisfy(d -> {
                assertThat(d.object().toString()).isEqualTo("test:objects.yaml#bad");
                assertThat(d.field()).isEqualTo("responseHeaders.set[0].value");
                assertThat(d.message()).contains("route 'bad' rejected");
            }).anySatisfy(d -> {
                assertThat(d.object().toString()).isEqualTo("test:objects.yaml#bad-direct");
                assertThat(d.field()).isEqualTo("directResponse.headers[0].name");
            });
        }
    }
}
