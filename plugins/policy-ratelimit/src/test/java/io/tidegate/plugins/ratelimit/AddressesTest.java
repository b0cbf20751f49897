package io.tidegate.plugins.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.config.ConfigNode;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** IP literals, CIDR matching, and which address is the client behind trusted proxies. */
class AddressesTest {

    @ParameterizedTest(name = "{0} contains {1}: {2}")
    @CsvSource({
            "10.0.0.0/8,       10.255.1.2,    true",
            "10.0.0.0/8,       11.0.0.1,      false",
            "10.1.2.3/8,       10.9.9.9,      true", // host bits are cleared, as nginx reads it
            "192.0.2.7,        192.0.2.7,     true",
            "192.0.2.7,        192.0.2.8,     false",
            "192.0.2.0/25,     192.0.2.127,   true",
            "192.0.2.0/25,     192.0.2.128,   false",
            "0.0.0.0/0,        203.0.113.9,   true",
            "0.0.0.0/0,        2001:db8::1,   false",
            "2001:db8::/32,    2001:db8:ffff::1, true",
            "2001:db8::/32,    2001:db9::1,   false",
            "2001:db8::/33,    2001:db8:7fff::1, true",
            "2001:db8::/33,    2001:db8:8000::1, false",
            "::/0,             ::1,           true",
            "::1,              ::1,           true",
            "[::1],            ::1,           true",
            "::ffff:10.0.0.1,  10.0.0.1,      true", // IPv4-mapped IPv6 is the IPv4 address
    })
    void cidrContains(String cidr, String address, boolean expected) {
        assertThat(Cidr.parse(cidr)).as(cidr).isNotNull();
        assertThat(Cidr.parse(cidr).contains(IpAddresses.parse(address))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "''{0}'' is refused")
    @CsvSource({"10.0.0.0/33", "10.0.0/8", "256.0.0.1", "10.0.0.1/", "example.com", "10.0.0.1/-1", "::1/129",
            "01234.0.0.1", "2001:db8::g", "localhost", "1.2.3.4.5", "fe80::1%eth0", "' '"})
    void notACidr(String text) {
        assertThat(Cidr.parse(text)).isNull();
    }

    @ParameterizedTest(name = "peer {0}, trusted [{1}], X-Forwarded-For ''{2}'' -> {3}")
    @CsvSource(delimiter = '|', value = {
            // no trusted proxies: the header is never believed
            "203.0.113.9 |                          | 1.2.3.4               | 203.0.113.9",
            // peer not trusted: the header is ignored
            "203.0.113.9 | 10.0.0.0/8               | 1.2.3.4               | 203.0.113.9",
            // peer trusted: the rightmost untrusted hop
            "10.0.0.5    | 10.0.0.0/8               | 1.2.3.4               | 1.2.3.4",
            "10.0.0.5    | 10.0.0.0/8               | 6.6.6.6, 1.2.3.4      | 1.2.3.4",
            "10.0.0.5    | 10.0.0.0/8               | 1.2.3.4, 10.0.0.9     | 1.2.3.4",
            // a client forging its own hop left of the real one cannot choose its key
            "10.0.0.5    | 10.0.0.0/8               | 10.0.0.7, 1.2.3.4     | 1.2.3.4",
            // every hop trusted: the leftmost is the best we know
            "10.0.0.5    | 10.0.0.0/8               | 10.0.0.7, 10.0.0.8    | 10.0.0.7",
            // no header from a trusted proxy: the proxy itself
            "10.0.0.5    | 10.0.0.0/8               |                       | 10.0.0.5",
            // garbage stops the walk at the last trusted hop
            "10.0.0.5    | 10.0.0.0/8               | 1.2.3.4, bogus        | 10.0.0.5",
            "10.0.0.5    | 10.0.0.0/8               | 1.2.3.4:5678          | 1.2.3.4",
            "10.0.0.5    | 10.0.0.0/8,2001:db8::/32 | [2001:db9::1]:443     | 2001:db9::1",
            "::1         | ::1                      | 192.0.2.1             | 192.0.2.1",
    })
    void clientBehindTrustedProxies(String peer, String trusted, String xff, String expected) {
        List<String> ranges = trusted == null ? List.of() : Arrays.stream(trusted.split(",")).map(String::trim).toList();
        ClientAddress client = new ClientAddress(CidrSet.parse(ConfigNode.fromObject(ranges, "test")));
        String[] headers = xff == null ? new String[0] : new String[] {"X-Forwarded-For", xff};
        assertThat(client.of(Fakes.request(peer, "r", headers))).isEqualTo(IpAddresses.parse(expected));
    }

    @ParameterizedTest(name = "two X-Forwarded-For lines")
    @CsvSource({"10.0.0.5, 1.2.3.4"})
    void severalHeaderLinesAreOneList(String peer, String expected) {
        ClientAddress client = new ClientAddress(CidrSet.parse(ConfigNode.fromObject(List.of("10.0.0.0/8"), "test")));
        assertThat(client.of(Fakes.request(peer, "r", "X-Forwarded-For", "9.9.9.9, 1.2.3.4",
                "X-Forwarded-For", "10.0.0.1"))).isEqualTo(IpAddresses.parse(expected));
    }
}
