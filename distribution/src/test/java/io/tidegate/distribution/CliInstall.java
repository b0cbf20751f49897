package io.tidegate.distribution;

import java.io.IOException;
import java.nio.file.Path;

/** A test install for CLI tests, which live in the CLI's package. */
public final class CliInstall {

    private CliInstall() {
    }

    /** A test install under {@code home} with {@code routes} as conf/routes.d/routes.yaml; returns the config path. */
    public static Path create(Path home, String routes) throws IOException {
        TestInstall install = new TestInstall(home);
        install.writeRoutes("routes.yaml", routes);
        return install.writeConfig(TestInstall.freePort(), TestInstall.freePort(), "");
    }
}
