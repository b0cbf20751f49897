package io.tidegate.plugins.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.tidegate.plugins.auth.BasicAuthFactory;
import io.tidegate.plugins.auth.ExtAuthFactory;
import io.tidegate.plugins.ratelimit.ConcurrencyLimitFactory;
import io.tidegate.plugins.ratelimit.IpAccessFactory;
import io.tidegate.plugins.ratelimit.RateLimitFactory;
import io.tidegate.plugins.support.kubernetes.ManifestReader;
import io.tidegate.spi.model.PolicyRef;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.policy.Policy;
import io.tidegate.spi.policy.PolicyFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link PolicyRef} the translator emits, for every fixture, is built by the real policy factory of
 * its id ({@code policy-auth}, {@code policy-ratelimit}, test scope): a setting name or value the policy
 * does not accept fails here, not on a user's gateway.
 */
class PolicySettingsTest {

    private static final Map<String, PolicyFactory> FACTORIES = Map.of(
            "ip-access", new IpAccessFactory(),
            "rate-limit", new RateLimitFactory(),
            "basic-auth", new BasicAuthFactory(),
            "ext-auth", new ExtAuthFactory(),
            "concurrency-limit", new ConcurrencyLimitFactory());

    @TempDir
    Path dir;

    static List<PolicyRef> emitted(String fixture) throws Exception {
        String text = Files.readString(IngressTranslatorTest.dir().resolve(fixture + ".yaml"), StandardCharsets.UTF_8);
        IngressTranslator translator = new IngressTranslator("kubernetes", "tidegate",
                KubernetesSettings.DEFAULT_CONTROLLER, false, TestListeners.of(true));
        List<PolicyRef> out = new ArrayList<>();
        for (Route r : translator.translate(Snapshot.of(ManifestReader.parse(text), null)).fragment().routes()) {
            out.addAll(r.policies());
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.tidegate.plugins.kubernetes.IngressTranslatorTest#fixtures")
    void everyEmittedPolicyIsAcceptedByItsFactory(String fixture) throws Exception {
        try (TestContext context = new TestContext(dir)) {
            for (PolicyRef ref : emitted(fixture)) {
                PolicyFactory factory = FACTORIES.get(ref.id());
                assertThat(factory).as("factory for " + ref.id()).isNotNull();
                assertThatCode(() -> {
                    try (Policy p = factory.create(ref.settings(), context)) {
                        assertThat(p).isNotNull();
                    }
                }).as(ref.id() + " " + ref.settings().toPlain()).doesNotThrowAnyException();
            }
        }
    }

    @Test
    void theFixturesBindEveryPolicyKind() throws Exception {
        Set<String> ids = new TreeSet<>();
        for (String f : IngressTranslatorTest.fixtures().toList()) {
            emitted(f).forEach(p -> ids.add(p.id()));
        }
        Set<String> expected = new TreeSet<>(FACTORIES.keySet());
        assertThat(ids).containsExactlyInAnyOrderElementsOf(expected);
    }

    /** The exact settings, as docs/source-kubernetes.md lists them. */
    @Test
    void extAuthSettings() throws Exception {
        List<String> extAuth = emitted("policies").stream().filter(p -> p.id().equals("ext-auth"))
                .map(p -> String.valueOf(p.settings().toPlain())).toList();
        assertThat(extAuth).containsExactly(
                "{url=https://auth.team.svc.cluster.local/verify, method=POST, authResponseHeaders=[X-User, X-Groups], "
                        + "signinUrl=https://auth.example.com/oauth2/start, signinRedirectParam=next}",
                "{url=http://oauth2-proxy.team.svc.cluster.local/oauth2/auth}");
    }
}
