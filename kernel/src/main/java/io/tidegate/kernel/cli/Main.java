package io.tidegate.kernel.cli;

import io.tidegate.kernel.Gateway;
import io.tidegate.kernel.StartupException;
import io.tidegate.kernel.admin.ConfigDescriber;
import io.tidegate.kernel.config.GatewayConfig;
import io.tidegate.kernel.config.GatewayConfigLoader;
import io.tidegate.kernel.di.KernelComponent;
import io.tidegate.kernel.reconcile.SourceStatus;
import io.tidegate.kernel.routing.Explanation;
import io.tidegate.kernel.runtime.ClusterRuntime;
import io.tidegate.kernel.runtime.CompiledConfig;
import io.tidegate.kernel.runtime.CompiledRoute;
import io.tidegate.spi.config.ConfigException;
import io.tidegate.spi.model.Diagnostic;
import io.tidegate.spi.model.RouteAction;
import io.tidegate.spi.model.WeightedCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * {@code tidegate run|validate|routes|explain}. Exit codes: 0 fine, 1 the config or what its sources
 * load is invalid (or the gateway failed), 2 bad usage.
 */
public final class Main {

    static final String USAGE = String.join("\n",
            "usage: tidegate <command> [options]",
            "",
            "  run       [-c FILE]                       run the gateway in the foreground",
            "  validate  -c FILE                         check a config and everything its sources load",
            "  routes    [-c FILE]                       print the compiled routing table with provenance",
            "  explain   METHOD URL [-H 'Name: value']... [-c FILE] [--listener NAME]",
            "                                            say which route, cluster and policies a request gets",
            "  version                                   print the version",
            "",
            "FILE defaults to $TIDEGATE_HOME/conf/tidegate.yaml. Docs: docs/cli.md");

    private static final Duration OFFLINE_TIMEOUT = Duration.ofSeconds(30);

    private final PrintStream out;
    private final PrintStream err;
    private final Path home;

    Main(PrintStream out, PrintStream err, Path home) {
        this.out = out;
        this.err = err;
        this.home = home;
    }

    public static void main(String[] args) {
        String homeProperty = System.getProperty("tidegate.home");
        Path home = Path.of(homeProperty != null ? homeProperty : ".").toAbsolutePath().normalize();
        int code = new Main(System.out, System.err, home).execute(args);
        if (code != 0 || (args.length > 0 && !args[0].equals("run"))) {
            System.exit(code);
        }
    }

    /** Runs a command; returns the exit code ({@code run} blocks until shutdown). */
    int execute(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            out.println(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        Arguments a;
        try {
            a = Arguments.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("tidegate: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            return switch (a.command()) {
                case "version" -> {
                    String v = Main.class.getPackage().getImplementationVersion();
                    out.println("tidegate " + (v == null ? "dev" : v));
                    yield 0;
                }
                case "run" -> run(load(a));
                case "validate" -> validate(load(a));
                case "routes" -> routes(load(a));
                case "explain" -> explain(load(a), a);
                default -> {
                    err.println("tidegate: unknown command '" + a.command() + "'");
                    err.println(USAGE);
                    yield 2;
                }
            };
        } catch (ConfigException | StartupException e) {
            err.println("tidegate: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("tidegate: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (RuntimeException e) {
            err.println("tidegate: " + e);
            return 1;
        }
    }

    private GatewayConfig load(Arguments a) throws IOException {
        Path file = a.configFile() != null ? Path.of(a.configFile()).toAbsolutePath().normalize()
                : home.resolve("conf/tidegate.yaml");
        return new GatewayConfigLoader().load(file, home);
    }

    private int run(GatewayConfig config) throws InterruptedException {
        Gateway gateway = KernelComponent.factory().create(config).gateway();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            gateway.shutdown(Duration.ofSeconds(10));
            stopped.countDown();
        }, "tidegate-shutdown"));
        try {
            gateway.start();
        } catch (RuntimeException | InterruptedException e) {
            gateway.close();
            throw e;
        }
        stopped.await();
        return 0;
    }

    private Gateway offline(GatewayConfig config) throws InterruptedException {
        Gateway gateway = KernelComponent.factory().create(config).gateway();
        if (!gateway.loadOffline(OFFLINE_TIMEOUT)) {
            List<String> waiting = new ArrayList<>();
            gateway.reconciler().sources().stream().filter(s -> s.version() == 0).forEach(s -> waiting.add(s.name()));
            gateway.close();
            throw new StartupException("sources did not load within " + OFFLINE_TIMEOUT.toSeconds() + "s: " + waiting);
        }
        return gateway;
    }

    private int validate(GatewayConfig config) throws InterruptedException {
        try (Gateway gateway = offline(config)) {
            boolean errors = false;
            for (SourceStatus s : gateway.reconciler().sources()) {
                out.printf("source %s (%s): %d routes, %d clusters%n", s.name(), s.plugin(), s.routes(), s.clusters());
                if (s.lastError() != null) {
                    out.println("  ERROR " + s.lastError());
                }
                for (Diagnostic d : s.diagnostics()) {
                    out.println("  " + d);
                }
                errors |= s.hasErrors();
            }
            CompiledConfig compiled = gateway.reconciler().current();
            out.printf("%s: %d routes, %d clusters%n", errors ? "INVALID" : "OK", compiled.routes().size(),
                    compiled.clusters().size());
            return errors ? 1 : 0;
        }
    }

    private int routes(GatewayConfig config) throws InterruptedException {
        try (Gateway gateway = offline(config)) {
            CompiledConfig compiled = gateway.reconciler().current();
            for (GatewayConfig.ListenerConfig listener : config.listeners()) {
                out.println("listener " + listener.name() + " (" + listener.listener().address() + ")");
                List<CompiledRoute> routes = compiled.table(listener.name()).routes();
                var tcpRoutes = compiled.l4Table(listener.name()).routes();
                if (routes.isEmpty() && tcpRoutes.isEmpty()) {
                    out.println("  (no routes)");
                }
                routes.forEach(r -> out.println("  " + ConfigDescriber.routeLine(r)));
                tcpRoutes.forEach(r -> out.println("  " + ConfigDescriber.tcpRouteLine(r)));
            }
            return 0;
        }
    }

    /**
     * {@code explain} on a {@code tcp} or {@code tls-passthrough} listener: the URL's host stands for the SNI
     * name a passthrough client sends (a tcp listener reads none); says which TCP route takes the connection.
     */
    private int explainL4(GatewayConfig config, GatewayConfig.ListenerConfig listener, ExplainRequest request)
            throws InterruptedException {
        boolean passthrough = listener.listener().protocol() == io.tidegate.spi.model.ListenerProtocol.TLS_PASSTHROUGH;
        String sni = passthrough ? request.authority().replaceFirst(":\\d+$", "") : null;
        try (Gateway gateway = offline(config)) {
            CompiledConfig compiled = gateway.reconciler().current();
            out.printf("connection: %s (listener %s)%n", passthrough ? "TLS with SNI " + sni : "TCP, no SNI read",
                    listener.name());
            var route = compiled.l4Table(listener.name()).match(sni);
            if (route == null) {
                out.println("result: no tcp route matches: the connection is closed (flag NR)");
                return 0;
            }
            out.println("result: tcp route " + route.name() + " [" + route.route().provenance() + "]");
            out.println("  " + ConfigDescriber.tcpRouteLine(route));
            return 0;
        }
    }

    private int explain(GatewayConfig config, Arguments a) throws InterruptedException {
        ExplainRequest request;
        try {
            request = new ExplainRequest(a.positional().get(0), a.positional().get(1), a.headers());
        } catch (IllegalArgumentException e) {
            err.println("tidegate: " + e.getMessage());
            return 2;
        }
        String listener = a.listener() != null ? a.listener() : config.listeners().get(0).name();
        if (config.listeners().stream().noneMatch(l -> l.name().equals(listener))) {
            err.println("tidegate: no listener named '" + listener + "'");
            return 2;
        }
        GatewayConfig.ListenerConfig chosen = config.listeners().stream().filter(l -> l.name().equals(listener))
                .findFirst().orElseThrow();
        if (chosen.isLayer4()) {
            return explainL4(config, chosen, request);
        }
        try (Gateway gateway = offline(config)) {
            CompiledConfig compiled = gateway.reconciler().current();
            out.printf("request: %s %s://%s%s (listener %s)%n", request.method(), request.scheme(),
                    request.authority(), request.path(), listener);
            List<Explanation<CompiledRoute>> steps = compiled.table(listener).explain(request);
            CompiledRoute winner = null;
            for (Explanation<CompiledRoute> step : steps) {
                if (step.matched()) {
                    winner = step.route();
                    break;
                }
                out.println("  skipped " + step.route().name() + ": " + step.reason());
            }
            if (winner == null) {
                boolean proxy = config.listeners().stream().anyMatch(l -> l.name().equals(listener) && l.forwardProxy());
                if (proxy) {
                    List<String> bound = config.policies().stream()
                            .filter(p -> p.listeners().isEmpty() || p.listeners().contains(listener))
                            .map(GatewayConfig.PluginEntry::name).toList();
                    out.println("result: no route matches: listener " + listener + " is a forward proxy, so a proxy"
                            + " client's request goes to " + request.authority() + " itself once the listener's"
                            + " policies " + bound + " allow it and its resolved address; in origin-form it gets 404");
                    return 0;
                }
                out.println("result: no route matches: the gateway answers 404");
                return 0;
            }
            describeWinner(winner, compiled);
            return 0;
        }
    }

    private void describeWinner(CompiledRoute winner, CompiledConfig compiled) {
        out.println("route: " + winner.name() + " [" + winner.provenance() + "]");
        out.println("  match:  " + ConfigDescriber.matchText(winner.route().match()));
        out.println("  action: " + ConfigDescriber.actionText(winner.action()));
        if (winner.action() instanceof RouteAction.Forward forward) {
            for (WeightedCluster wc : forward.clusters()) {
                ClusterRuntime cluster = compiled.clusters().get(wc.cluster());
                if (cluster == null) {
                    out.println("  cluster " + wc.cluster() + ": NOT DEFINED by any source: requests get 503");
                    continue;
                }
                List<String> endpoints = new ArrayList<>();
                cluster.spec().endpoints().forEach(e -> endpoints.add(e.address() + "(" + e.health().name()
                        .toLowerCase() + ")"));
                out.println("  cluster " + wc.cluster() + " weight " + wc.weight() + ": " + cluster.healthyEndpoints()
                        + " healthy of " + endpoints.size() + " " + endpoints + " ["
                        + cluster.spec().provenance() + "]");
            }
        }
        List<String> policies = new ArrayList<>();
        winner.route().policies().forEach(p -> policies.add(p.id()));
        out.println("  policies: " + (winner.policies().length == 0 ? "none"
                : winner.policies().length + " bound (route: " + policies + ", plus global/listener policies)"));
    }

    /** Parsed command line. */
    record Arguments(String command, String configFile, String listener, List<String> headers,
                     List<String> positional) {

        static Arguments parse(String[] args) {
            String config = null;
            String listener = null;
            List<String> headers = new ArrayList<>();
            List<String> positional = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "-c", "--config" -> config = value(args, ++i, "-c");
                    case "-H", "--header" -> headers.add(value(args, ++i, "-H"));
                    case "--listener" -> listener = value(args, ++i, "--listener");
                    default -> {
                        if (args[i].startsWith("-") && args[i].length() > 1) {
                            throw new IllegalArgumentException("unknown option '" + args[i] + "'");
                        }
                        positional.add(args[i]);
                    }
                }
            }
            if (!args[0].equals("explain") && !positional.isEmpty()) {
                throw new IllegalArgumentException("unexpected argument '" + positional.get(0) + "'");
            }
            if (args[0].equals("explain") && positional.size() != 2) {
                throw new IllegalArgumentException("explain needs METHOD and URL, e.g. explain GET http://example.com/api");
            }
            if (args[0].equals("validate") && config == null) {
                throw new IllegalArgumentException("validate needs -c FILE");
            }
            return new Arguments(args[0], config, listener, headers, positional);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }
    }
}
