package io.tidegate.kernel.engine;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayDeque;

/** The downstream HTTP/1.1 codec: {@link StrictRequestDecoder} and {@link HeadAwareResponseEncoder} sharing the method queue. */
final class StrictServerCodec extends CombinedChannelDuplexHandler<StrictRequestDecoder, HeadAwareResponseEncoder> {

    /** @param headTimeoutNanos how long a request head may take from its first byte; 0: unbounded */
    StrictServerCodec(int maxRequestLine, int maxHeaderBytes, long headTimeoutNanos) {
        ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
        HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(maxRequestLine)
                .setMaxHeaderSize(maxHeaderBytes)
                .setMaxChunkSize(64 * 1024)
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setAllowPartialChunks(true);
        init(new StrictRequestDecoder(config, methods, headTimeoutNanos), new HeadAwareResponseEncoder(methods));
    }
}
