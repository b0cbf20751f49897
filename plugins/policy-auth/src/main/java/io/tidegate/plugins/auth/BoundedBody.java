package io.tidegate.plugins.auth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory up to a bound. Past the bound it either fails (a JWKS document
 * must be whole) or keeps the first bytes and stops reading (a denial body shown to the client).
 */
final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {

    /** Thrown (as the stage's failure) when a body that must be whole is larger than the bound. */
    static final class TooLarge extends IOException {
        TooLarge(long max) {
            super("body larger than " + max + " bytes");
        }
    }

    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final long max;
    private final boolean truncate;
    private Flow.Subscription subscription;

    private BoundedBody(long max, boolean truncate) {
        this.max = max;
        this.truncate = truncate;
    }

    /** Fails past {@code max} bytes. */
    static HttpResponse.BodyHandler<byte[]> failingAbove(long max) {
        return info -> new BoundedBody(max, false);
    }

    /** Keeps at most {@code max} bytes. */
    static HttpResponse.BodyHandler<byte[]> truncatedAt(long max) {
        return info -> new BoundedBody(max, true);
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            int room = (int) Math.min(Integer.MAX_VALUE, max - out.size());
            if (b.remaining() > room) {
                if (!truncate) {
                    result.completeExceptionally(new TooLarge(max));
                } else {
                    byte[] part = new byte[room];
                    b.get(part);
                    out.write(part, 0, part.length);
                    result.complete(out.toByteArray());
                }
                subscription.cancel();
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.write(chunk, 0, chunk.length);
        }
    }

    @Override
    public void onError(Throwable t) {
        result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        result.complete(out.toByteArray());
    }
}
