package io.tidegate.kernel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Fails a test class when Netty reported a buffer leak during it. Use with {@code @ExtendWith(NoLeaks.class)}. */
public final class NoLeaks implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        LeakRecorder.install();
        LeakRecorder.collect(); // leaks of an earlier class are that class's failure, not ours
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertThat(LeakRecorder.collect()).as("Netty buffer leaks (PARANOID detection)").isEmpty();
    }
}
