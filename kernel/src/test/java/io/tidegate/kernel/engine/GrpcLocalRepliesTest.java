package io.tidegate.kernel.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The gRPC form of the gateway's own errors: which requests get it, the status table, the message encoding. */
class GrpcLocalRepliesTest {

    private static HttpRequest request(String contentType) {
        HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/pkg.Svc/Call");
        if (contentType != null) {
            r.headers().set("content-type", contentType);
        }
        return r;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
            "application/grpc, true",
            "application/grpc+proto, true",
            "application/grpc;charset=utf-8, true",
            "Application/GRPC, true",
            "application/grpc-web, false",
            "application/grpc-web+proto, false",
            "application/json, false",
    })
    void grpcRequestsAreKnownByTheirContentType(String type, boolean grpc) {
        assertThat(GrpcLocalReplies.isGrpc(request(type))).isEqualTo(grpc);
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @CsvSource({
            "400, DPE, 13", "401, PD, 16", "403, PD, 7", "404, NR, 12", "429, PD, 14", "502, UF, 14", "503, UH, 14",
            "504, UF, 14", "504, UT, 4", "504, SI, 4", "500, PF, 2", "413, DPE, 2",
    })
    void statusesFollowGrpcsHttpMappingAndTimeoutsAreDeadlines(int http, String flag, int grpc) {
        assertThat(GrpcLocalReplies.status(http, flag)).isEqualTo(grpc);
    }

    @Test
    void anErrorBecomesATrailersOnlyOkWithTheStatusAndTheEncodedMessage() {
        FullHttpResponse error = Responses.error(ByteBufAllocator.DEFAULT, HttpResponseStatus.BAD_GATEWAY,
                "upstream connect failed 100% \u00e9");
        error.headers().set("www-authenticate", "Basic");
        FullHttpResponse grpc = GrpcLocalReplies.adapt(request("application/grpc"), error, "UF");
        try {
            assertThat(error.refCnt()).isZero();
            assertThat(grpc.status().code()).isEqualTo(200);
            assertThat(grpc.content().readableBytes()).isZero();
            assertThat(grpc.headers().get("content-type")).isEqualTo("application/grpc");
            assertThat(grpc.headers().get("grpc-status")).isEqualTo("14");
            assertThat(grpc.headers().get("grpc-message"))
                    .isEqualTo("502 Bad Gateway: upstream connect failed 100%25 %C3%A9");
            assertThat(grpc.headers().get("www-authenticate")).isEqualTo("Basic");
        } finally {
            grpc.release();
        }
    }

    @Test
    void nonGrpcRequestsAndNonErrorsAreLeftAlone() {
        FullHttpResponse error = Responses.error(ByteBufAllocator.DEFAULT, HttpResponseStatus.NOT_FOUND, "no route");
        assertThat(GrpcLocalReplies.adapt(request("text/plain"), error, "NR")).isSameAs(error);
        FullHttpResponse ok = Responses.text(ByteBufAllocator.DEFAULT, HttpResponseStatus.OK, "hi");
        assertThat(GrpcLocalReplies.adapt(request("application/grpc"), ok, null)).isSameAs(ok);
        error.release();
        ok.release();
    }
}
