package io.tidegate.plugins.egress;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision table. Each row is a target as the kernel presents it and the verdict expected after
 * both stages the kernel runs: {@code onRequest} (evaluate), then, for forward-proxy targets with a
 * resolved address ({@code via IP}), {@code onAddress} (onUpstreamAddress). The first denial wins.
 *
 * <p>Row syntax: {@code KIND HOST:PORT [proxy] [via IP]}, KIND one of {@code http} (a request the gateway
 * reads), {@code connect} (a CONNECT tunnel) or {@code sni} (a passthrough connection's server name);
 * {@code proxy}: on the forward-proxy path (no route matched), where a name may be decided by its address.
 */
class EgressRulesTest {

    static final String ALLOWLIST = """
            mode: deny
            allow:
              - host: api.partner.test
                ports: [443]
                protocols: [https]
              - host: '*.example.com'
              - host: plain.test
                protocols: [http]
              - sni: '*.payments.test'
              - cidr: 10.0.0.0/8
                except: [10.1.0.0/16]
              - cidr: 127.0.0.1/32
                ports: [8080]
            deny:
              - host: blocked.example.com
              - cidr: 192.168.0.0/16
            """;

    static final String DENYLIST = """
            mode: allow
            deny:
              - host: '*.evil.test'
              - cidr: 10.0.0.0/8
                except: [10.9.0.0/16]
            """;

    static final String OPEN = "mode: allow\ndenyLocal: false\n";

    static Stream<Arguments> table() {
        return Stream.of(
                // exact host with port and protocol limits
                row(ALLOWLIST, "connect api.partner.test:443 proxy via 203.0.113.5", "allow"),
                row(ALLOWLIST, "connect api.partner.test:8443 proxy via 203.0.113.5", "not_allowed"),
                row(ALLOWLIST, "http api.partner.test:443", "not_allowed"),
                row(ALLOWLIST, "connect api.example.com:8443 proxy via 203.0.113.5", "allow"), // the wildcard has no port limit
                // wildcards: subdomains at any depth, never the apex or a lookalike
                row(ALLOWLIST, "http www.example.com:80", "allow"),
                row(ALLOWLIST, "http a.b.example.com:80", "allow"),
                row(ALLOWLIST, "http example.com:80", "not_allowed"),
                row(ALLOWLIST, "http notexample.com:80", "not_allowed"),
                // deny rules win over allow rules
                row(ALLOWLIST, "http blocked.example.com:80", "deny_rule"),
                row(ALLOWLIST, "connect blocked.example.com:443 proxy via 203.0.113.5", "deny_rule"),
                row(ALLOWLIST, "http 192.168.3.3:80", "deny_rule"),
                // protocols: http is what the gateway reads; CONNECT is a tunnel
                row(ALLOWLIST, "http plain.test:80 proxy via 203.0.113.9", "allow"),
                row(ALLOWLIST, "connect plain.test:443 proxy via 203.0.113.9", "not_allowed"),
                // CIDR with except, for IP literals and for resolved addresses of names
                row(ALLOWLIST, "http 10.2.3.4:80", "allow"),
                row(ALLOWLIST, "http 10.1.2.3:80", "not_allowed"),
                row(ALLOWLIST, "connect internal.corp:443 proxy via 10.2.3.4", "allow"),
                row(ALLOWLIST, "connect internal.corp:443 proxy via 10.1.0.7", "not_allowed"),
                row(ALLOWLIST, "connect internal.corp:443 proxy via 203.0.113.7", "not_allowed"),
                row(ALLOWLIST, "http internal.corp:80", "not_allowed"), // a route: no address stage to defer to
                // DNS rebinding: an allowed name resolving into a denied or local range
                row(ALLOWLIST, "http www.example.com:80 proxy via 169.254.169.254", "local_address"),
                row(ALLOWLIST, "connect www.example.com:443 proxy via 192.168.1.1", "denied_address"),
                row(ALLOWLIST, "connect www.example.com:443 proxy via 127.0.0.1", "local_address"),
                row(ALLOWLIST, "connect www.example.com:443 proxy via fd00:ec2::254", "local_address"),
                row(ALLOWLIST, "connect www.example.com:443 proxy via ::ffff:169.254.169.254", "local_address"),
                // local literals; an explicit allow CIDR names one on purpose
                row(ALLOWLIST, "http 169.254.169.254:80 proxy", "local_address"),
                row(ALLOWLIST, "http 127.0.0.1:9901 proxy", "local_address"),
                row(ALLOWLIST, "http 127.0.0.1:8080 proxy via 127.0.0.1", "allow"),
                row(ALLOWLIST, "http ::1:80 proxy", "local_address"),
                // SNI of passthrough connections
                row(ALLOWLIST, "sni shop.payments.test:8443", "allow"),
                row(ALLOWLIST, "sni payments.test:8443", "not_allowed"),
                row(ALLOWLIST, "sni evil.test:8443", "not_allowed"),
                // mode allow: a denylist
                row(DENYLIST, "http anything.test:80 proxy via 203.0.113.1", "allow"),
                row(DENYLIST, "http x.evil.test:80", "deny_rule"),
                row(DENYLIST, "http evil.test:80", "allow"),
                row(DENYLIST, "connect db.internal:5432 proxy via 10.1.1.1", "denied_address"),
                row(DENYLIST, "connect db.internal:5432 proxy via 10.9.1.1", "allow"),
                row(DENYLIST, "http metadata.test:80 proxy via 169.254.169.254", "local_address"),
                row(DENYLIST, "http 10.0.0.1:80", "deny_rule"),
                // denyLocal: false opens the local ranges too
                row(OPEN, "http metadata.test:80 proxy via 169.254.169.254", "allow"),
                row(OPEN, "http 127.0.0.1:9901 proxy", "allow"));
    }

    @ParameterizedTest(name = "{1} => {2}")
    @MethodSource("table")
    void decides(String settings, String target, String expected) throws Exception {
        EgressRules rules = EgressSettings.parse(TestContext.settings(settings)).rules();
        List<String> words = new ArrayList<>(List.of(target.split(" ")));
        String kind = words.remove(0);
        String hostPort = words.remove(0);
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon);
        int port = Integer.parseInt(hostPort.substring(colon + 1));
        boolean proxy = words.remove("proxy");
        InetAddress via = null;
        if (words.remove("via")) {
            via = InetAddress.getByName(words.remove(0)); // literals only: no lookup
        }
        assertThat(words).as("row syntax").isEmpty();
        Protocol.Traffic traffic = switch (kind) {
            case "http" -> Protocol.Traffic.HTTP;
            case "connect" -> Protocol.Traffic.TUNNEL;
            case "sni" -> Protocol.Traffic.TLS_PASSTHROUGH;
            default -> throw new IllegalArgumentException(kind);
        };
        EgressRules.Target t = new EgressRules.Target(host, Cidr.literal(host), port, traffic,
                kind.equals("sni") ? host : null, proxy);

        EgressRules.Verdict verdict = rules.onRequest(t);
        if (verdict.allowed() && via != null) {
            verdict = rules.onAddress(t, via);
        }
        assertThat(verdict.allowed() ? "allow" : verdict.code()).isEqualTo(expected);
    }

    private static Arguments row(String settings, String target, String expected) {
        return Arguments.of(settings, target, expected);
    }
}
