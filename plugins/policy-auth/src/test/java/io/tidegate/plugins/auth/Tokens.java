package io.tidegate.plugins.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.function.Consumer;

/** Keys and signed tokens for tests (nimbus on the signing side; the policy verifies). */
final class Tokens {

    private Tokens() {
    }

    static RSAKey rsa(String kid) {
        try {
            return new RSAKeyGenerator(2048).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static ECKey ec(String kid) {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static OctetSequenceKey oct(String kid) {
        try {
            return new OctetSequenceKeyGenerator(256).keyID(kid).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The public JWK set document, as a JWKS endpoint serves it (oct keys are kept: they are shared secrets). */
    static String jwks(JWK... keys) {
        return new JWKSet(List.of(keys)).toString(true);
    }

    static String jwksWithSecrets(JWK... keys) {
        return new JWKSet(List.of(keys)).toString(false);
    }

    /** Claims valid at {@code now}: iss, aud, sub, exp in 5 minutes. */
    static JWTClaimsSet.Builder claims(Instant now) {
        return new JWTClaimsSet.Builder().issuer("https://issuer.test").audience("api").subject("user-1")
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
    }

    static String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims) {
        return sign(key, alg, claims, h -> { });
    }

    static String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims, Consumer<JWSHeader.Builder> header) {
        try {
            JWSHeader.Builder h = new JWSHeader.Builder(alg);
            if (key.getKeyID() != null) {
                h.keyID(key.getKeyID());
            }
            header.accept(h);
            SignedJWT jwt = new SignedJWT(h.build(), claims);
            jwt.sign(signer(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static JWSSigner signer(JWK key) throws JOSEException {
        if (key instanceof RSAKey rsa) {
            return new RSASSASigner(rsa);
        }
        if (key instanceof ECKey ec) {
            return new ECDSASigner(ec);
        }
        return new MACSigner((OctetSequenceKey) key);
    }
}
