package io.evloop.redis.cluster;

import io.evloop.redis.RedisConnectionException;
import io.evloop.redis.RedisProtocolException;
import io.evloop.redis.Reply;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Which node serves each of the 16384 slots, as CLUSTER SLOTS last said (and MOVED since
 * corrected): immutable, replaced whole, so that routing reads it without a lock. Addresses
 * are {@code host:port} strings.
 */
final class ClusterSlotMap {

    static final ClusterSlotMap EMPTY = new ClusterSlotMap(new String[ClusterKeys.SLOTS], new String[ClusterKeys.SLOTS][], List.of());

    private final String[] master;
    private final String[][] replicas;
    private final List<String> masters;

    private ClusterSlotMap(String[] master, String[][] replicas, List<String> masters) {
        this.master = master;
        this.replicas = replicas;
        this.masters = masters;
    }

    /**
     * The map a CLUSTER SLOTS reply describes; a node named without a host ("" or "?", as a
     * node that does not know its own address answers) is on {@code answeredBy}'s host.
     */
    static ClusterSlotMap parse(Reply reply, String answeredBy) {
        String[] master = new String[ClusterKeys.SLOTS];
        String[][] replicas = new String[ClusterKeys.SLOTS][];
        Set<String> masters = new LinkedHashSet<>();
        for (Reply range : reply.asList()) {
            List<Reply> r = range.asList();
            int from = (int) r.get(0).asLong();
            int to = (int) r.get(1).asLong();
            if (from < 0 || to >= ClusterKeys.SLOTS || from > to) {
                throw new RedisProtocolException(answeredBy + " answered CLUSTER SLOTS with the range " + from + "-" + to);
            }
            String owner = address(r.get(2), answeredBy);
            List<String> copies = new ArrayList<>();
            for (int i = 3; i < r.size(); i++) {
                copies.add(address(r.get(i), answeredBy));
            }
            String[] copyArray = copies.toArray(new String[0]);
            for (int s = from; s <= to; s++) {
                master[s] = owner;
                replicas[s] = copyArray;
            }
            masters.add(owner);
        }
        if (masters.isEmpty()) {
            throw new RedisConnectionException(answeredBy + " answered CLUSTER SLOTS with no slots: is the cluster set up?");
        }
        return new ClusterSlotMap(master, replicas, List.copyOf(masters));
    }

    private static String address(Reply node, String answeredBy) {
        List<Reply> n = node.asList();
        String host = n.get(0).asString();
        if (host == null || host.isEmpty() || host.equals("?")) {
            host = answeredBy.substring(0, answeredBy.lastIndexOf(':'));
        }
        return host + ":" + n.get(1).asLong();
    }

    /** The master of {@code slot}; null when no node serves it. */
    String master(int slot) {
        return master[slot];
    }

    /** Every master, in the order CLUSTER SLOTS named them. */
    List<String> masters() {
        return masters;
    }

    /**
     * Where to send: a random master for a keyless command ({@code slot < 0}), a random replica
     * of the slot for a read when replicas serve reads and the slot has one, else its master.
     */
    String addressFor(int slot, boolean readFromReplica) {
        if (slot < 0) {
            return masters.isEmpty() ? null : masters.get(ThreadLocalRandom.current().nextInt(masters.size()));
        }
        if (readFromReplica) {
            String[] copies = replicas[slot];
            if (copies != null && copies.length > 0) {
                return copies[ThreadLocalRandom.current().nextInt(copies.length)];
            }
        }
        return master[slot];
    }

    /** This map with {@code slot} on {@code target} (after MOVED, ahead of the next refresh). */
    ClusterSlotMap repointed(int slot, String target) {
        if (target.equals(master[slot])) {
            return this;
        }
        String[] moved = master.clone();
        moved[slot] = target;
        List<String> all = masters;
        if (!all.contains(target)) {
            List<String> grown = new ArrayList<>(all);
            grown.add(target);
            all = List.copyOf(grown);
        }
        return new ClusterSlotMap(moved, replicas, all);
    }

    /** A redirection's address: one given as ":port" (a node without a known host) is on {@code askedAddress}'s host. */
    static String normalize(String target, String askedAddress) {
        return target.startsWith(":") ? askedAddress.substring(0, askedAddress.lastIndexOf(':')) + target : target;
    }
}
