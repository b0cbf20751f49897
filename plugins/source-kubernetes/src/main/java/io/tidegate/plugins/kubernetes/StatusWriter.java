package io.tidegate.plugins.kubernetes;

import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressLoadBalancerIngressBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Writes {@code status.loadBalancer.ingress} of served Ingresses: the configured {@code publishAddress},
 * or the addresses of the gateway's own Service ({@code publishService}, e.g. a LoadBalancer's). Only
 * the leader calls it. Writes only what differs, so a relist writes nothing.
 */
final class StatusWriter {

    private final KubernetesClient client;
    private final String publishAddress;
    private final String publishService;
    private final System.Logger log;

    StatusWriter(KubernetesClient client, String publishAddress, String publishService, System.Logger log) {
        this.client = client;
        this.publishAddress = publishAddress;
        this.publishService = publishService;
        this.log = log;
    }

    boolean enabled() {
        return publishAddress != null || publishService != null;
    }

    /** The addresses to publish; empty when unknown yet (a LoadBalancer still pending). */
    List<IngressLoadBalancerIngress> addresses() {
        List<IngressLoadBalancerIngress> out = new ArrayList<>();
        if (publishAddress != null) {
            out.add(entry(publishAddress));
            return out;
        }
        int slash = publishService.indexOf('/');
        Service svc = client.services().inNamespace(publishService.substring(0, slash))
                .withName(publishService.substring(slash + 1)).get();
        if (svc == null) {
            return out;
        }
        if (svc.getStatus() != null && svc.getStatus().getLoadBalancer() != null
                && svc.getStatus().getLoadBalancer().getIngress() != null) {
            for (LoadBalancerIngress lb : svc.getStatus().getLoadBalancer().getIngress()) {
                out.add(new IngressLoadBalancerIngressBuilder().withIp(lb.getIp()).withHostname(lb.getHostname())
                        .build());
            }
        }
        if (out.isEmpty() && svc.getSpec() != null && svc.getSpec().getExternalIPs() != null) {
            svc.getSpec().getExternalIPs().forEach(ip -> out.add(entry(ip)));
        }
        return out;
    }

    private static IngressLoadBalancerIngress entry(String address) {
        boolean ip = address.matches("[0-9.]+") || address.contains(":");
        return ip ? new IngressLoadBalancerIngressBuilder().withIp(address).build()
                : new IngressLoadBalancerIngressBuilder().withHostname(address).build();
    }

    /** Brings every served Ingress's status to the published addresses. Blocking: call off the event loops. */
    void write(List<Ingress> served) {
        List<IngressLoadBalancerIngress> addresses;
        try {
            addresses = addresses();
        } catch (RuntimeException e) {
            log.log(Level.WARNING, "cannot read publishService " + publishService + ": " + e.getMessage());
            return;
        }
        if (addresses.isEmpty()) {
            return;
        }
        for (Ingress ingress : served) {
            List<IngressLoadBalancerIngress> current = ingress.getStatus() == null
                    || ingress.getStatus().getLoadBalancer() == null ? null
                    : ingress.getStatus().getLoadBalancer().getIngress();
            if (Objects.equals(current, addresses)) {
                continue;
            }
            Ingress updated = new IngressBuilder(ingress).withNewStatus().withNewLoadBalancer()
                    .withIngress(addresses).endLoadBalancer().endStatus().build();
            try {
                client.network().v1().ingresses().inNamespace(ingress.getMetadata().getNamespace())
                        .resource(updated).updateStatus();
            } catch (RuntimeException e) {
                log.log(Level.WARNING, "cannot write status of Ingress " + ingress.getMetadata().getNamespace()
                        + "/" + ingress.getMetadata().getName() + ": " + e.getMessage());
            }
        }
    }
}
