package io.evloop.dag;

import io.evloop.redis.RedisCommands;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A DAG of named nodes, built once (and checked then: duplicate names, missing dependencies
 * and cycles are refused) and executed any number of times, concurrently, by a
 * {@link DagScheduler}. Immutable and thread-safe.
 *
 * <p>A CPU node computes a value from its inputs on the scheduler's CPU executor. An IO node
 * starts Redis calls and returns a future; the scheduler decides whether those calls run as
 * async commands on an event loop or as blocking calls on an IO thread pool, so the same node
 * code serves both modes.
 */
public final class Dag {

    /** Computes a node's value on a CPU thread. */
    @FunctionalInterface
    public interface CpuFunction {
        Object apply(NodeInputs inputs) throws Exception;
    }

    /** Starts a node's Redis calls and returns the future of its value. Must not block. */
    @FunctionalInterface
    public interface IoFunction {
        CompletableFuture<?> start(NodeInputs inputs, RedisCommands redis);
    }

    /** One node; {@code index} is its position in topological order. */
    static final class Node {
        final String name;
        final int index;
        final boolean io;
        final CpuFunction cpu;
        final IoFunction ioFunction;
        final int[] dependencies;
        int[] dependents;

        Node(String name, int index, boolean io, CpuFunction cpu, IoFunction ioFunction, int[] dependencies) {
            this.name = name;
            this.index = index;
            this.io = io;
            this.cpu = cpu;
            this.ioFunction = ioFunction;
            this.dependencies = dependencies;
        }
    }

    private final List<Node> nodes;
    private final Map<String, Integer> indexByName;

    private Dag(List<Node> nodes, Map<String, Integer> indexByName) {
        this.nodes = nodes;
        this.indexByName = indexByName;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Node names in a topological order (every node after its dependencies). */
    public List<String> nodeNames() {
        List<String> names = new ArrayList<>(nodes.size());
        nodes.forEach(n -> names.add(n.name));
        return names;
    }

    List<Node> nodes() {
        return nodes;
    }

    int indexOf(String name) {
        Integer i = indexByName.get(name);
        if (i == null) {
            throw new IllegalArgumentException("no node named '" + name + "' in this DAG; nodes are " + nodeNames());
        }
        return i;
    }

    /** Collects nodes; {@link #build()} checks the graph. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Object[]> specs = new LinkedHashMap<>(); // name -> {io?, fn, deps}

        private Builder() {
        }

        public Builder cpu(String name, List<String> dependsOn, CpuFunction fn) {
            return add(name, false, Objects.requireNonNull(fn, "fn"), dependsOn);
        }

        public Builder io(String name, List<String> dependsOn, IoFunction fn) {
            return add(name, true, Objects.requireNonNull(fn, "fn"), dependsOn);
        }

        private Builder add(String name, boolean io, Object fn, List<String> dependsOn) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dependsOn, "dependsOn: use List.of() for a node without dependencies");
            if (name.isBlank()) {
                throw new IllegalArgumentException("node name must not be blank");
            }
            if (specs.containsKey(name)) {
                throw new IllegalArgumentException("duplicate node name '" + name + "'");
            }
            specs.put(name, new Object[] {io, fn, List.copyOf(dependsOn)});
            return this;
        }

        /**
         * @throws IllegalArgumentException on a missing dependency or a cycle, naming the nodes
         */
        @SuppressWarnings("unchecked")
        public Dag build() {
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("a DAG needs at least one node");
            }
            Map<String, List<String>> deps = new LinkedHashMap<>();
            specs.forEach((name, spec) -> {
                List<String> d = (List<String>) spec[2];
                for (String dep : d) {
                    if (!specs.containsKey(dep)) {
                        throw new IllegalArgumentException("node '" + name + "' depends on '" + dep + "', which is not in the DAG");
                    }
                    if (dep.equals(name)) {
                        throw new IllegalArgumentException("node '" + name + "' depends on itself");
                    }
                }
                deps.put(name, d);
            });
            List<String> order = topologicalOrder(deps);
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < order.size(); i++) {
                index.put(order.get(i), i);
            }
            List<Node> nodes = new ArrayList<>(order.size());
            List<List<Integer>> dependents = new ArrayList<>();
            for (int i = 0; i < order.size(); i++) {
                String name = order.get(i);
                Object[] spec = specs.get(name);
                int[] d = deps.get(name).stream().mapToInt(index::get).distinct().toArray();
                boolean io = (Boolean) spec[0];
                nodes.add(new Node(name, i, io, io ? null : (CpuFunction) spec[1], io ? (IoFunction) spec[1] : null, d));
                dependents.add(new ArrayList<>());
            }
            for (Node n : nodes) {
                for (int d : n.dependencies) {
                    dependents.get(d).add(n.index);
                }
            }
            for (Node n : nodes) {
                n.dependents = dependents.get(n.index).stream().mapToInt(Integer::intValue).toArray();
            }
            return new Dag(Collections.unmodifiableList(nodes), Map.copyOf(index));
        }

        private static List<String> topologicalOrder(Map<String, List<String>> deps) {
            Map<String, Integer> missing = new LinkedHashMap<>();
            Map<String, List<String>> users = new HashMap<>();
            deps.forEach((name, d) -> {
                missing.put(name, (int) d.stream().distinct().count());
                d.stream().distinct().forEach(dep -> users.computeIfAbsent(dep, k -> new ArrayList<>()).add(name));
            });
            ArrayDeque<String> ready = new ArrayDeque<>();
            missing.forEach((name, count) -> {
                if (count == 0) {
                    ready.add(name);
                }
            });
            List<String> order = new ArrayList<>();
            while (!ready.isEmpty()) {
                String name = ready.poll();
                order.add(name);
                for (String user : users.getOrDefault(name, List.of())) {
                    if (missing.merge(user, -1, Integer::sum) == 0) {
                        ready.add(user);
                    }
                }
            }
            if (order.size() != deps.size()) {
                List<String> inCycle = new ArrayList<>();
                missing.forEach((name, count) -> {
                    if (count > 0) {
                        inCycle.add(name);
                    }
                });
                throw new IllegalArgumentException("the DAG has a cycle through " + inCycle);
            }
            return order;
        }
    }
}
