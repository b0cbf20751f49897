package io.tidegate.plugins.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.Cluster;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.Route;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Table: each invalid fixture in {@code src/test/resources/fixtures/invalid} states in its header
 * comments the errors it must produce (provenance rule, then {@code line:column: key.path: reason}), in
 * order, and which objects must still apply. A bad route or cluster is rejected alone; a file with a bad
 * top level contributes nothing (rule {@code -}: the whole file).
 */
class InvalidFixturesTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"route-match.yaml", "route-action.yaml", "clusters.yaml", "duplicates.yaml",
            "top-level-key.yaml", "not-a-map.yaml", "routes-not-a-list.yaml"})
    void reportsEveryErrorWithFileLineAndKey(String fixture) {
        String origin = "invalid/" + fixture;
        Expectations expected = Expectations.of(Fixtures.text(origin));

        Translation t = Fixtures.translate(origin);

        assertThat(t.diagnostics()).allSatisfy(d -> {
            assertThat(d.severity()).isEqualTo(Diagnostic.Severity.ERROR);
            assertThat(d.object().source()).isEqualTo("file");
            assertThat(d.object().object()).isEqualTo(origin);
            assertThat(d.message()).startsWith(origin + ":" + lineOf(d) + ":");
        });
        assertThat(t.diagnostics()).extracting(d -> (d.object().rule().isEmpty() ? "-" : d.object().rule()) + " "
                        + d.message().substring(origin.length() + 1))
                .containsExactlyElementsOf(expected.errors);
        assertThat(t.routes()).extracting(Route::name).containsExactlyElementsOf(expected.routes);
        assertThat(t.clusters()).extracting(Cluster::name).containsExactlyElementsOf(expected.clusters);
    }

    /** The line in the message: every error names one (files are never empty here). */
    private static String lineOf(Diagnostic d) {
        String rest = d.message().substring(d.object().object().length() + 1);
        assertThat(rest).matches("^[1-9][0-9]*:[1-9][0-9]*: .*");
        return rest.substring(0, rest.indexOf(':'));
    }

    private record Expectations(List<String> errors, List<String> routes, List<String> clusters) {

        static Expectations of(String text) {
            List<String> errors = new ArrayList<>();
            List<String> routes = List.of();
            List<String> clusters = List.of();
            for (String line : text.split("\n")) {
                if (line.startsWith("# error ")) {
                    errors.add(line.substring("# error ".length()));
                } else if (line.startsWith("# routes:")) {
                    routes = names(line.substring("# routes:".length()));
                } else if (line.startsWith("# clusters:")) {
                    clusters = names(line.substring("# clusters:".length()));
                }
            }
            assertThat(errors).as("a fixture without expected errors is not an invalid fixture").isNotEmpty();
            return new Expectations(errors, routes, clusters);
        }

        private static List<String> names(String list) {
            return list.isBlank() ? List.of() : Arrays.stream(list.split(",")).map(String::trim).toList();
        }
    }
}
