package io.tidegate.plugins.file;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads YAML fixtures from the test class path; their origin is their resource name, e.g. {@code valid/minimal.yaml}. */
final class Fixtures {

    private Fixtures() {
    }

    static String text(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SourceFile file(String name) {
        return new SourceFile(name, TestContext.YAML.parse(name, text(name)));
    }

    static Translation translate(String... names) {
        FileTranslator translator = new FileTranslator("file", TestContext.LISTENER_PROTOCOLS);
        return translator.translate(java.util.Arrays.stream(names).map(Fixtures::file).toList());
    }
}
