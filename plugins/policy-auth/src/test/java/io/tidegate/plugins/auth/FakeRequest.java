package io.tidegate.plugins.auth;

import io.tidegate.spi.model.ListenerRole;
import io.tidegate.spi.policy.ConnectionView;
import io.tidegate.spi.policy.RequestView;
import io.tidegate.spi.policy.RouteView;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A request head as the kernel's view exposes it, built by tests. */
final class FakeRequest implements RequestView {

    private String method = "GET";
    private String path = "/";
    private String query = "";
    private String authority = "app.example.com";
    private final List<Map.Entry<String, String>> headers = new ArrayList<>();

    static FakeRequest get(String pathAndQuery) {
        FakeRequest r = new FakeRequest();
        int q = pathAndQuery.indexOf('?');
        r.path = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        r.query = q < 0 ? "" : pathAndQuery.substring(q + 1);
        return r;
    }

    FakeRequest method(String m) {
        method = m;
        return this;
    }

    FakeRequest header(String name, String value) {
        headers.add(Map.entry(name, value));
        return this;
    }

    @Override
    public String method() {
        return method;
    }

    @Override
    public String scheme() {
        return "http";
    }

    @Override
    public String authority() {
        return authority;
    }

    @Override
    public String host() {
        return authority;
    }

    @Override
    public int port() {
        return 80;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String rawQuery() {
        return query;
    }

    @Override
    public String queryParam(String name) {
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            if (URLDecoder.decode(k, StandardCharsets.UTF_8).equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public String header(String name) {
        List<String> all = headers(name);
        return all.isEmpty() ? null : all.get(0);
    }

    @Override
    public List<String> headers(String name) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase(name)) {
                out.add(h.getValue());
            }
        }
        return out;
    }

    @Override
    public List<Map.Entry<String, String>> headerEntries() {
        return List.copyOf(headers);
    }

    @Override
    public String requestId() {
        return "req-1";
    }

    @Override
    public boolean isProxyRequest() {
        return false;
    }

    @Override
    public RouteView route() {
        return null;
    }

    @Override
    public ConnectionView connection() {
        return new ConnectionView() {
            @Override
            public long id() {
                return 1;
            }

            @Override
            public InetSocketAddress remoteAddress() {
                return new InetSocketAddress("127.0.0.7", 50000);
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
}
