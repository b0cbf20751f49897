package io.tidegate.spi.policy;

import io.tidegate.spi.model.Provenance;
import java.util.Map;

/** What a policy may know about the route a request matched. */
public interface RouteView {

    /** The route's name. */
    String name();

    /** Where the route came from. */
    Provenance provenance();

    /** The route's metadata (e.g. translated annotations). */
    Map<String, String> metadata();
}
