package io.tidegate.plugins.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable set of verification keys, each with the algorithms it may verify: RSA keys only RS/PS,
 * EC keys only the ES algorithm of their curve, symmetric keys only HS. A token's {@code alg} picks
 * among these, so an RSA public key can never be used as an HMAC secret (algorithm confusion).
 * Verifiers are built once per key set, not per request.
 */
final class JwtKeys {

    record Candidate(String kid, Set<JWSAlgorithm> algorithms, JWSVerifier verifier) {
    }

    private final List<Candidate> candidates;
    private final List<String> skipped;

    private JwtKeys(List<Candidate> candidates, List<String> skipped) {
        this.candidates = List.copyOf(candidates);
        this.skipped = List.copyOf(skipped);
    }

    /** Keys of {@code set} usable for signatures with one of {@code allowed}; others are listed in {@link #skipped()}. */
    static JwtKeys of(JWKSet set, Set<JWSAlgorithm> allowed) {
        List<Candidate> out = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (JWK jwk : set.getKeys()) {
            String label = jwk.getKeyType() + (jwk.getKeyID() == null ? "" : " kid '" + jwk.getKeyID() + "'");
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                skipped.add(label + ": use is not 'sig'");
                continue;
            }
            Set<JWSAlgorithm> algs = algorithmsFor(jwk);
            if (jwk.getAlgorithm() != null) {
                algs = algs.contains(jwk.getAlgorithm()) ? Set.of(JWSAlgorithm.parse(jwk.getAlgorithm().getName()))
                        : Set.of();
            }
            Set<JWSAlgorithm> usable = new java.util.HashSet<>(algs);
            usable.retainAll(allowed);
            if (usable.isEmpty()) {
                skipped.add(label + ": no allowed algorithm for it");
                continue;
            }
            try {
                out.add(new Candidate(jwk.getKeyID(), Set.copyOf(usable), verifier(jwk)));
            } catch (JOSEException | RuntimeException e) {
                skipped.add(label + ": " + e.getMessage());
            }
        }
        return new JwtKeys(out, skipped);
    }

    private static Set<JWSAlgorithm> algorithmsFor(JWK jwk) {
        if (jwk instanceof RSAKey) {
            return Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
                    JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512);
        }
        if (jwk instanceof ECKey ec) {
            Curve c = ec.getCurve();
            if (Curve.P_256.equals(c)) {
                return Set.of(JWSAlgorithm.ES256);
            }
            if (Curve.P_384.equals(c)) {
                return Set.of(JWSAlgorithm.ES384);
            }
            if (Curve.P_521.equals(c)) {
                return Set.of(JWSAlgorithm.ES512);
            }
            return Set.of();
        }
        if (jwk instanceof OctetSequenceKey) {
            return Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
        }
        return Set.of();
    }

    private static JWSVerifier verifier(JWK jwk) throws JOSEException {
        if (jwk instanceof RSAKey rsa) {
            if (rsa.size() < 2048) {
                throw new JOSEException("RSA key shorter than 2048 bits");
            }
            return new RSASSAVerifier(rsa.toRSAPublicKey());
        }
        if (jwk instanceof ECKey ec) {
            return new ECDSAVerifier(ec.toECPublicKey());
        }
        return new MACVerifier((OctetSequenceKey) jwk);
    }

    /** The keys a token with {@code kid} (or none) and {@code alg} may be checked with. */
    List<Candidate> select(String kid, JWSAlgorithm alg) {
        List<Candidate> out = new ArrayList<>(2);
        for (Candidate c : candidates) {
            if ((kid == null || Objects.equals(kid, c.kid())) && c.algorithms().contains(alg)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Whether any key carries {@code kid}. */
    boolean hasKid(String kid) {
        for (Candidate c : candidates) {
            if (kid.equals(c.kid())) {
                return true;
            }
        }
        return false;
    }

    boolean isEmpty() {
        return candidates.isEmpty();
    }

    int size() {
        return candidates.size();
    }

    List<String> skipped() {
        return skipped;
    }
}
