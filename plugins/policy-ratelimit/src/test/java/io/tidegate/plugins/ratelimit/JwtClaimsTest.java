package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Reading one claim from a JWT payload (the token was verified by the auth policy before). */
class JwtClaimsTest {

    static String jwt(String payloadJson) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    @ParameterizedTest(name = "{1} of {0}")
    @CsvSource(delimiter = '|', nullValues = "NULL", value = {
            "{\"sub\":\"alice\"}                                  | sub    | alice",
            "{ \"iss\" : \"x\", \"sub\" : \"bob\" }               | sub    | bob",
            "{\"sub\":\"a\\\"b\\\\c\\u0041\"}                     | sub    | a\"b\\cA",
            "{\"tenant\":42}                                      | tenant | 42",
            "{\"admin\":true}                                     | admin  | true",
            "{\"nested\":{\"sub\":\"inner\"},\"sub\":\"outer\"}   | sub    | outer",
            "{\"list\":[1,{\"sub\":\"x\"},\"]\"],\"sub\":\"y\"}  | sub    | y",
            "{\"https://example.com/tenant\":\"t1\"}              | https://example.com/tenant | t1",
            "{\"obj\":{\"a\":1}}                                  | obj    | NULL", // not a scalar
            "{\"sub\":null}                                       | sub    | NULL",
            "{\"iss\":\"x\"}                                      | sub    | NULL",
            "{}                                                   | sub    | NULL",
            "{\"sub\":\"unterminated                              | sub    | NULL",
            "[\"sub\",\"x\"]                                      | sub    | NULL",
    })
    void claims(String payload, String claim, String expected) {
        assertThat(JwtClaims.claim("Bearer " + jwt(payload.strip()), claim)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "''{0}''")
    @CsvSource(nullValues = "NULL", value = {"NULL", "''", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a.b", "Bearer !!!.***.x",
            "Bearer .e30.x"})
    void notATokenGivesNoClaim(String header) {
        assertThat(JwtClaims.claim(header, "sub")).isNull();
    }

    @ParameterizedTest(name = "bare token and case of the scheme")
    @CsvSource({"bearer ", "BEARER ", "''"})
    void schemeIsOptionalAndCaseInsensitive(String scheme) {
        assertThat(JwtClaims.claim(scheme + jwt("{\"sub\":\"s\"}"), "sub")).isEqualTo("s");
    }
}
