package io.tidegate.kernel.routing;

import static java.util.Objects.requireNonNull;

import io.tidegate.spi.model.Route;

/**
 * A route that cannot be compiled. Names the route (and so its provenance) and the offending field, so
 * that the source can reject the one object and keep the last good table live.
 */
public final class InvalidRouteException extends Exception {

    private static final long serialVersionUID = 1L;

    private final transient Route route;
    private final String field;

    /**
     * @param route the route that failed
     * @param field the path of the field within the route, e.g. {@code match.path.regex}
     * @param message what is wrong and what was expected
     */
    public InvalidRouteException(Route route, String field, String message) {
        super("route " + requireNonNull(route, "route").name() + " (" + route.provenance() + "): "
                + requireNonNull(field, "field") + ": " + requireNonNull(message, "message"));
        this.route = route;
        this.field = field;
    }

    /** The route that failed. */
    public Route route() {
        return route;
    }

    /** The field within the route, e.g. {@code match.hosts[1]}. */
    public String field() {
        return field;
    }
}
