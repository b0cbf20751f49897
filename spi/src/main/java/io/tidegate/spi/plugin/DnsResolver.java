package io.tidegate.spi.plugin;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletionStage;

/** Asynchronous name resolution (hosts file first, then the system's name servers). */
public interface DnsResolver {

    /** All addresses of {@code host}; an IP literal resolves to itself. Fails with UnknownHostException. */
    CompletionStage<List<InetAddress>> resolveAll(String host);
}
