package io.tidegate.kernel.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tidegate.spi.model.PathMatch;
import io.tidegate.spi.model.Route;
import io.tidegate.spi.model.StringMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The index against the reference: for random tables and requests drawn from small overlapping vocabularies,
 * {@link RouteTable#match} must pick the route a linear scan with the reference semantics picks (the first
 * route {@link RouteTable#explain} reports as matched). Seeded, so a failure reproduces.
 */
class DifferentialTest {

    private static final String[] HOST_PATTERNS = {"a.example.com", "b.example.com", "example.com", "*.example.com",
        "*.a.example.com", "*.com", "*", "x.a.example.com", "A.Example.com"};
    private static final String[] HOSTS = {"a.example.com", "b.example.com", "example.com", "x.a.example.com",
        "y.x.a.example.com", "other.com", "other.org", ""};
    private static final String[] PATH_VALUES = {"/", "/a", "/a/", "/a/b", "/ab", "/A", "/a//b", "/a/b/c", "/A/b",
        "//"};
    private static final String[] REGEXES = {"/a/.*", "/[a-z]+", "/a/b", ".*b.*", "/A.*"};
    private static final String[] PATHS = {"/", "/a", "/a/", "/a/b", "/a/b/", "/ab", "/A", "/A/B", "/a//b", "/a/b/c",
        "/abc", "//", "/b", "/a/bc", "/A/b/c"};

    @Test
    void indexAgreesWithLinearScan() throws Exception {
        Random random = new Random(20260311);
        int lookups = 0;
        int matched = 0;
        for (int t = 0; t < 60; t++) {
            List<Route> routes = new ArrayList<>();
            int size = 1 + random.nextInt(16);
            for (int i = 0; i < size; i++) {
                routes.add(randomRoute(random, "r" + i));
            }
            RouteTable<Route> table = M.table(routes);
            for (int q = 0; q < 150; q++) {
                Req request = Req.of(pick(random, HOSTS), pick(random, PATHS))
                        .method(random.nextBoolean() ? "GET" : "POST");
                if (random.nextBoolean()) {
                    request.header("x-env", random.nextBoolean() ? "prod" : "dev");
                }
                if (M.winner(table, request) != null) { // throws when index and scan disagree
                    matched++;
                }
                lookups++;
            }
        }
        assertThat(lookups).isEqualTo(60 * 150);
        // neither vacuous way round: both outcomes are exercised often
        assertThat(matched).isBetween(lookups / 5, lookups * 4 / 5);
    }

    private static Route randomRoute(Random random, String name) {
        M m = M.any();
        int hostCount = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(2);
        if (hostCount > 0) {
            String[] hosts = new String[hostCount];
            for (int i = 0; i < hostCount; i++) {
                hosts[i] = pick(random, HOST_PATTERNS);
            }
            m.andHosts(hosts);
        }
        if (random.nextBoolean()) {
            m.singleLabel();
        }
        int kind = random.nextInt(10) == 0 ? 4 : random.nextInt(4);
        boolean ignoreCase = random.nextInt(4) == 0;
        if (kind < 4) {
            PathMatch.Kind pathKind = PathMatch.Kind.values()[kind];
            String value = pathKind == PathMatch.Kind.REGEX ? pick(random, REGEXES) : pick(random, PATH_VALUES);
            m.andPath(new PathMatch(pathKind, value, ignoreCase));
        }
        switch (random.nextInt(6)) {
            case 0 -> m.methods("POST");
            case 1 -> m.header("x-env", StringMatch.exact("prod"));
            case 2 -> m.withoutHeader("x-env", StringMatch.present());
            default -> { }
        }
        return m.route(name);
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }
}
