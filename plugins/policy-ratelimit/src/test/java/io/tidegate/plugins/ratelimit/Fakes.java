package io.tidegate.plugins.ratelimit;

import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.model.Provenance;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.RequestView;
import io.tidegate.spi.policy.RouteView;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Request and connection views as the engine hands them to a policy, built from plain values. */
final class Fakes {

    private Fakes() {
    }

    static ConnectionView connection(String peer) {
        InetSocketAddress address = new InetSocketAddress(IpAddresses.parse(peer), 40000);
        return new ConnectionView() {
            @Override
            public long id() {
                return 1;
            }

            @Override
            public InetSocketAddress remoteAddress() {
                return address;
            }

            @Override
            public String listener() {
                return "web";
            }

            @Override
            public ListenerRole role() {
                return ListenerRole.INGRESS;
            }

            @Override
            public boolean isTls() {
                return false;
            }

            @Override
            public String serverName() {
                return null;
            }

            @Override
            public List<X509Certificate> peerCertificates() {
                return List.of();
            }
        };
    }

    /** A request from {@code peer} on route {@code route} (null: none) with headers as name, value, ... */
    static RequestView request(String peer, String route, String... headers) {
        ConnectionView connection = connection(peer);
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            entries.add(Map.entry(headers[i], headers[i + 1]));
        }
        RouteView routeView = route == null ? null : new RouteView() {
            @Override
            public String name() {
                return route;
            }

            @Override
            public Provenance provenance() {
                return null;
            }

            @Override
            public Map<String, String> metadata() {
                return Map.of();
            }
        };
        return new RequestView() {
            @Override
            public String method() {
                return "GET";
            }

            @Override
            public String scheme() {
                return "http";
            }

            @Override
            public String authority() {
                return "app.example.com";
            }

            @Override
            public String host() {
                return "app.example.com";
            }

            @Override
            public int port() {
                return 80;
            }

            @Override
            public String path() {
                return "/";
            }

            @Override
            public String rawQuery() {
                return "";
            }

            @Override
            public String queryParam(String name) {
                return null;
            }

            @Override
            public String header(String name) {
                for (int i = 0; i < entries.size(); i++) { // no allocation, as the engine's view
                    Map.Entry<String, String> e = entries.get(i);
                    if (e.getKey().equalsIgnoreCase(name)) {
                        return e.getValue();
                    }
                }
                return null;
            }

            @Override
            public List<String> headers(String name) {
                String lower = name.toLowerCase(Locale.ROOT);
                return entries.stream().filter(e -> e.getKey().toLowerCase(Locale.ROOT).equals(lower))
                        .map(Map.Entry::getValue).toList();
            }

            @Override
            public List<Map.Entry<String, String>> headerEntries() {
                return entries;
            }

            @Override
            public String requestId() {
                return "test";
            }

            @Override
            public boolean isProxyRequest() {
                return false;
            }

            @Override
            public RouteView route() {
                return routeView;
            }

            @Override
            public ConnectionView connection() {
                return connection;
            }
        };
    }

    static InetAddress ip(String s) {
        return IpAddresses.parse(s);
    }
}
