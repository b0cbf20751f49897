package io.tidegate.kernel.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code traceparent} rules of W3C Trace Context (https://www.w3.org/TR/trace-context/#traceparent-header
 * and its processing model, 3.2 and 4.3), case by case as the spec and its test suite state them.
 */
class TraceParentTest {

    @ParameterizedTest(name = "valid: {0}")
    @CsvSource(delimiter = '|', value = {
        // header | trace id | parent id | sampled
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | 4bf92f3577b34da6a3ce929d0e0e4736 | 00f067aa0ba902b7 | true",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00 | 4bf92f3577b34da6a3ce929d0e0e4736 | 00f067aa0ba902b7 | false",
        // flags other than sampled are allowed; only bit 0 means sampled
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09 | 4bf92f3577b34da6a3ce929d0e0e4736 | 00f067aa0ba902b7 | true",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02 | 4bf92f3577b34da6a3ce929d0e0e4736 | 00f067aa0ba902b7 | false",
        // a higher version is parsed by the version 00 layout (4.3 "Versioning of traceparent")
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | 4bf92f3577b34da6a3ce929d0e0e4736 | 00f067aa0ba902b7 | true",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like | 4bf92f3577b34da6a3ce929d0e0e4736 | 00f067aa0ba902b7 | true",
        // ids with leading zeros and the largest values
        "00-00000000000000000000000000000001-0000000000000001-01 | 00000000000000000000000000000001 | 0000000000000001 | true",
        "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01 | ffffffffffffffffffffffffffffffff | ffffffffffffffff | true",
    })
    void parsesValidHeaders(String header, String traceId, String parentId, boolean sampled) {
        TraceParent p = TraceParent.parse(header);
        assertThat(p).isNotNull();
        assertThat(Hex.of(p.traceIdHigh(), p.traceIdLow())).isEqualTo(traceId);
        assertThat(Hex.of(p.parentId())).isEqualTo(parentId);
        assertThat(p.sampled()).isEqualTo(sampled);
    }

    @ParameterizedTest(name = "optional whitespace around the value: [{0}]")
    @ValueSource(strings = {" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\t", " \t00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 "})
    void ignoresOptionalWhitespace(String header) {
        assertThat(TraceParent.parse(header)).isNotNull();
    }

    @ParameterizedTest(name = "invalid ({1}): {0}")
    @CsvSource(delimiter = '|', value = {
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | version ff is forbidden",
        "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | version of one digit",
        "000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | version of three digits",
        "0A-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | upper-case version",
        "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 | version not hex",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-01 | version 00 with extra data",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01- | version 00 with a trailing dash",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01 | upper-case trace id",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01 | upper-case parent id",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A | upper-case flags",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01 | all-zero trace id",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01 | all-zero parent id",
        "00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01 | trace id not hex",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01 | parent id not hex",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0z | flags not hex",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01 | trace id of 31 digits",
        "00-4bf92f3577b34da6a3ce929d0e0e47366-00f067aa0ba902b7-01 | trace id of 33 digits",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01 | parent id of 15 digits",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b77-01 | parent id of 17 digits",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1 | flags of one digit",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-001 | flags of three digits",
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01 | wrong delimiter",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7 | no flags",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what | higher version: flags not followed by a dash",
        "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0 | higher version shorter than 55",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x | version 00 with one extra character",
    })
    void rejectsInvalidHeaders(String header, String why) {
        assertThat(TraceParent.parse(header)).as(why).isNull();
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", "garbage"})
    void absentOrGarbageIsNoTraceParent(String header) {
        assertThat(TraceParent.parse(header)).isNull();
    }

    @ParameterizedTest
    @CsvSource({"true, 01", "false, 00"})
    void formatsVersion00(boolean sampled, String flags) {
        String header = TraceParent.format(0x4bf92f3577b34da6L, 0xa3ce929d0e0e4736L, 0x00f067aa0ba902b7L, sampled);
        assertThat(header).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-" + flags);
        assertThat(TraceParent.parse(header).sampled()).isEqualTo(sampled);
    }
}
