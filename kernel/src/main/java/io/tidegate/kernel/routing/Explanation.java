package io.tidegate.kernel.routing;

/**
 * Why one route did or did not match a request, as {@code tidegate explain} prints it.
 *
 * @param route the route payload
 * @param matched whether the route's whole match holds for the request
 * @param reason the first condition that failed, in words; for a matching route, {@code "matched"} when it
 *               is the one selected, or which earlier route shadows it
 */
public record Explanation<T>(T route, boolean matched, String reason) {
}
