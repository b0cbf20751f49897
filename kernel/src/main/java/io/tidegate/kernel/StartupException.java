package io.tidegate.kernel;

/** The gateway cannot start as configured; the message names the config entry and what to fix. */
public final class StartupException extends RuntimeException {

    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
