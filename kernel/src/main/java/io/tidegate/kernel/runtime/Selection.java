package io.tidegate.kernel.runtime;

import io.tidegate.spi.model.Endpoint;
import io.tidegate.spi.model.LoadBalancer;

/**
 * The endpoints of a cluster that receive new requests right now, and a balancer over them. Built
 * when the cluster is compiled and again whenever an active health check or outlier detection changes
 * the set; a request reads the current selection once.
 *
 * @param members indexes into the cluster's endpoint array, in order
 * @param usable for every endpoint of the cluster, whether it is a member
 * @param balancer picks a position in {@code members}; null when there are none
 */
record Selection(int[] members, boolean[] usable, Balancer balancer) {

    static Selection of(Endpoint[] endpoints, boolean[] usable, LoadBalancer lb, LeastRequest.Counts active) {
        int n = 0;
        for (boolean u : usable) {
            n += u ? 1 : 0;
        }
        int[] members = new int[n];
        int[] weights = new int[n];
        String[] keys = new String[n];
        for (int i = 0, m = 0; i < endpoints.length; i++) {
            if (usable[i]) {
                members[m] = i;
                weights[m] = endpoints[i].weight();
                // Hash identities are addresses, so every gateway with the same endpoints agrees.
                keys[m++] = endpoints[i].address().toString();
            }
        }
        Balancer balancer = n == 0 ? null : switch (lb.policy()) {
            case ROUND_ROBIN -> new SmoothWeightedRoundRobin(weights);
            case RANDOM -> new WeightedRandom(weights);
            case LEAST_REQUEST -> new LeastRequest(members, active);
            case RING_HASH -> new RingHash(keys, weights);
            case MAGLEV -> new Maglev(keys, weights);
        };
        return new Selection(members, usable.clone(), balancer);
    }

    int size() {
        return members.length;
    }
}
