package io.tidegate.kernel.reconcile;

import io.tidegate.spi.model.Diagnostic;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot of one source's state, for {@code GET /sources} and {@code tidegate validate}.
 *
 * @param name the source's name
 * @param plugin the source plugin's id
 * @param version how many fragments were accepted (0: none yet)
 * @param lastAccepted when the live fragment was accepted; null: never
 * @param routes routes in the live fragment
 * @param clusters clusters in the live fragment
 * @param lastError why the last fragment was rejected, or why the backend is unreachable; null: fine
 * @param diagnostics what the source and the kernel said about its objects
 */
public record SourceStatus(String name, String plugin, long version, Instant lastAccepted, int routes, int clusters,
                           String lastError, List<Diagnostic> diagnostics) {

    public SourceStatus {
        diagnostics = List.copyOf(diagnostics);
    }

    /** Whether any diagnostic is an error or the last fragment was rejected. */
    public boolean hasErrors() {
        return lastError != null || diagnostics.stream().anyMatch(d -> d.severity() == Diagnostic.Severity.ERROR);
    }
}
