package io.tidegate.kernel.testing;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.pkitesting.X509Bundle;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server (grpc-java on its own shaded Netty) on loopback port 0, standing in for a gRPC
 * application behind the gateway: h2c with prior knowledge, or h2 over TLS with ALPN. Its service
 * {@code test.Echo} uses raw bytes as messages (no protobuf, no generated code):
 * <ul>
 *   <li>{@code Unary}: answers the request; a request {@code fail:TEXT} fails with INVALID_ARGUMENT and TEXT;</li>
 *   <li>{@code Server}: the request is a count N; answers N messages {@code 0..N-1};</li>
 *   <li>{@code Client}: answers {@code messages:bytes} once the client half-closes;</li>
 *   <li>{@code Bidi}: echoes every message as it comes;</li>
 *   <li>{@code Hang}: never answers; {@link #cancelled()} completes when the call is cancelled.</li>
 * </ul>
 * Every call echoes the request metadata {@code x-meta} as the response header {@code x-meta-echo}, and
 * ends with the trailer {@code x-trailer: done}.
 */
public final class GrpcEcho implements AutoCloseable {

    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    public static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<byte[], byte[]> SERVER = method("Server",
            MethodDescriptor.MethodType.SERVER_STREAMING);
    public static final MethodDescriptor<byte[], byte[]> CLIENT = method("Client",
            MethodDescriptor.MethodType.CLIENT_STREAMING);
    public static final MethodDescriptor<byte[], byte[]> BIDI = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);
    public static final MethodDescriptor<byte[], byte[]> HANG = method("Hang", MethodDescriptor.MethodType.UNARY);

    public static final Metadata.Key<String> X_META = Metadata.Key.of("x-meta", Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> X_META_ECHO = Metadata.Key.of("x-meta-echo",
            Metadata.ASCII_STRING_MARSHALLER);
    public static final Metadata.Key<String> X_TRAILER = Metadata.Key.of("x-trailer", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final AtomicInteger calls = new AtomicInteger();
    private volatile CompletableFuture<Void> cancelled = new CompletableFuture<>();

    private GrpcEcho(NettyServerBuilder builder) throws IOException {
        this.server = builder.addService(ServerInterceptors.intercept(service(), new EchoMetadata())).build().start();
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", name))
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
    }

    /** Plaintext HTTP/2 (prior knowledge). */
    public static GrpcEcho h2c() throws IOException {
        return new GrpcEcho(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
    }

    /** HTTP/2 over TLS with this leaf (ALPN h2, as grpc-java always offers). */
    public static GrpcEcho tls(X509Bundle leaf) throws IOException {
        var context = GrpcSslContexts.forServer(
                new ByteArrayInputStream(TestPki.chainPem(leaf).getBytes(StandardCharsets.US_ASCII)),
                new ByteArrayInputStream(leaf.getPrivateKeyPEM().getBytes(StandardCharsets.US_ASCII))).build();
        return new GrpcEcho(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).sslContext(context));
    }

    public int port() {
        return server.getPort();
    }

    /** Calls started. */
    public int calls() {
        return calls.get();
    }

    /** Completes when a {@code Hang} call is cancelled (deadline, client cancel, or the stream's reset). */
    public CompletableFuture<Void> cancelled() {
        return cancelled;
    }

    private ServerServiceDefinition service() {
        return ServerServiceDefinition.builder("test.Echo")
                .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, out) -> {
                    String text = new String(request, StandardCharsets.UTF_8);
                    if (text.startsWith("fail:")) {
                        out.onError(Status.INVALID_ARGUMENT.withDescription(text.substring(5)).asRuntimeException());
                        return;
                    }
                    out.onNext(request);
                    out.onCompleted();
                }))
                .addMethod(SERVER, ServerCalls.asyncServerStreamingCall((request, out) -> {
                    int n = Integer.parseInt(new String(request, StandardCharsets.UTF_8));
                    for (int i = 0; i < n; i++) {
                        out.onNext(Integer.toString(i).getBytes(StandardCharsets.UTF_8));
                    }
                    out.onCompleted();
                }))
                .addMethod(CLIENT, ServerCalls.asyncClientStreamingCall(out -> new StreamObserver<byte[]>() {
                    int messages;
                    long bytes;

                    @Override
                    public void onNext(byte[] value) {
                        messages++;
                        bytes += value.length;
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onNext((messages + ":" + bytes).getBytes(StandardCharsets.UTF_8));
                        out.onCompleted();
                    }
                }))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(out -> new StreamObserver<byte[]>() {
                    @Override
                    public void onNext(byte[] value) {
                        out.onNext(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                        out.onCompleted();
                    }
                }))
                .addMethod(HANG, ServerCalls.asyncUnaryCall((request, out) -> {
                    CompletableFuture<Void> done = cancelled;
                    io.grpc.Context.current().addListener(c -> done.complete(null), Runnable::run);
                }))
                .build();
    }

    /** Echoes {@code x-meta} and adds the trailer {@code x-trailer}. */
    private final class EchoMetadata implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                          ServerCallHandler<Q, R> next) {
            calls.incrementAndGet();
            String meta = headers.get(X_META);
            return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void sendHeaders(Metadata responseHeaders) {
                    if (meta != null) {
                        responseHeaders.put(X_META_ECHO, meta);
                    }
                    super.sendHeaders(responseHeaders);
                }

                @Override
                public void close(Status status, Metadata trailers) {
                    trailers.put(X_TRAILER, "done");
                    super.close(status, trailers);
                }
            }, headers);
        }
    }

    /** A new future for the next {@code Hang} call's cancellation. */
    public void resetCancelled() {
        cancelled = new CompletableFuture<>();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
