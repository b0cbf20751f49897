package io.tidegate.plugins.istio;

import io.tidegate.spi.model.Listener;
import io.tidegate.spi.model.ListenerProtocol;
import io.tidegate.spi.model.ListenerRole;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The listeners of tidegate.yaml as Istio port numbers reach them: {@code listenerPorts}, else their own port. */
final class PortListeners {

    private final List<Listener> listeners;
    private final Map<Integer, List<String>> listenerPorts;

    PortListeners(List<Listener> listeners, Map<Integer, List<String>> listenerPorts) {
        this.listeners = List.copyOf(listeners);
        this.listenerPorts = Map.copyOf(listenerPorts);
    }

    /** The listener names a Gateway server port binds: {@code listenerPorts[port]}, else those bound to it. */
    List<String> forPort(int port) {
        List<String> names = listenerPorts.get(port);
        return names != null ? names
                : listeners.stream().filter(l -> l.address().port() == port).map(Listener::name).toList();
    }

    /** The listener of that name, or null. */
    Listener named(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst().orElse(null);
    }

    /** The listeners a match's {@code port} keeps: those the port maps to (all when it names none). */
    Set<String> onPort(Node match, Set<String> names) {
        if (!match.has("port")) {
            return names;
        }
        List<String> byPort = forPort(match.get("port").integer(0, 1, 65535));
        Set<String> out = new LinkedHashSet<>(names);
        out.retainAll(byPort);
        return out;
    }

    /** The {@code egress}-role listeners of these protocols: what {@code mesh} binds. */
    Set<String> egress(Set<ListenerProtocol> protocols) {
        Set<String> out = new LinkedHashSet<>();
        listeners.stream().filter(l -> l.role() == ListenerRole.EGRESS && protocols.contains(l.protocol()))
                .forEach(l -> out.add(l.name()));
        return out;
    }

    /** As tidegate.yaml writes it: {@code http}, {@code tls-passthrough}. */
    static String protocolName(ListenerProtocol p) {
        return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
