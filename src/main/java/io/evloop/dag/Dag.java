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
 * code serves both modes. Two more IO node kinds:
 * <ul>
 *   <li>a <b>coroutine IO node</b> ({@link Builder#coroutineIo}) is plain sequential code that
 *       suspends on each call with {@link Coroutine#await}; it runs on a virtual thread of its
 *       own (Java 21 and later, see {@link #coroutineIoAvailable()});</li>
 *   <li>a <b>fan-out IO node</b> ({@link Builder#fanOutIo}) makes one call per item of a list,
 *       at most a given number at once, and yields their values in the items' order.</li>
 * </ul>
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

    /**
     * The body of a coroutine IO node: sequential code that makes Redis calls and waits for each
     * with {@code co.await(...)}, returning the node's value. It may block in other ways too (it
     * runs on a virtual thread of its own), but only an await is ended early when the execution
     * stops.
     */
    @FunctionalInterface
    public interface CoroutineIoFunction {
        Object run(NodeInputs inputs, RedisCommands redis, Coroutine co) throws Exception;
    }

    /** The items a fan-out IO node makes one call for each of. Must not block. */
    @FunctionalInterface
    public interface ItemsFunction<T> {
        List<? extends T> items(NodeInputs inputs) throws Exception;
    }

    /** Starts the call for one item of a fan-out IO node and returns the future of its value. Must not block. */
    @FunctionalInterface
    public interface ItemIoFunction<T> {
        CompletableFuture<?> start(NodeInputs inputs, T item, RedisCommands redis);
    }

    /** What a node is and where it runs. */
    enum Kind { CPU, IO, COROUTINE_IO, FAN_OUT_IO }

    /** A fan-out node's two functions and its bound. */
    record FanOut(ItemsFunction<?> items, ItemIoFunction<?> call, int maxInFlight) {
    }

    /** One node; {@code index} is its position in topological order. */
    static final class Node {
        final String name;
        final int index;
        final Kind kind;
        /** A {@link CpuFunction}, {@link IoFunction}, {@link CoroutineIoFunction} or {@link FanOut}, by kind. */
        final Object function;
        final int[] dependencies;
        int[] dependents;

        Node(String name, int index, Kind kind, Object function, int[] dependencies) {
            this.name = name;
            this.index = index;
            this.kind = kind;
            this.function = function;
            this.dependencies = dependencies;
        }
    }

    private record Spec(Kind kind, Object function, List<String> dependsOn) {
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

    /**
     * Whether this JVM runs coroutine IO nodes: they need virtual threads, final from Java 21.
     * Where it returns false, {@link Builder#coroutineIo} throws.
     */
    public static boolean coroutineIoAvailable() {
        return VirtualThreads.available();
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
        private final Map<String, Spec> specs = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder cpu(String name, List<String> dependsOn, CpuFunction fn) {
            return add(name, Kind.CPU, Objects.requireNonNull(fn, "fn"), dependsOn);
        }

        public Builder io(String name, List<String> dependsOn, IoFunction fn) {
            return add(name, Kind.IO, Objects.requireNonNull(fn, "fn"), dependsOn);
        }

        /**
         * A coroutine IO node: {@code body} runs on a virtual thread of its own and waits for
         * each Redis call with {@code co.await(...)}, for example
         * <pre>{@code
         * .coroutineIo("profile", List.of("user"), (in, redis, co) -> {
         *     String id = in.get("user");
         *     String segment = co.await(redis.hget("user:" + id, "segment"));
         *     return co.await(redis.lrange("top:" + segment, 0, 9));
         * })
         * }</pre>
         * In event-loop mode the calls are async commands on the loop and the thread parks
         * between them; in thread-pool mode the body runs on an IO thread and each await
         * returns the blocking call's reply. When the execution ends (deadline, cancellation,
         * another node's failure) a pending await throws {@link DagNodeCancelledException}.
         *
         * @throws UnsupportedOperationException on a JVM older than Java 21, which has no
         *     virtual threads; {@link #io} nodes work on every release
         */
        public Builder coroutineIo(String name, List<String> dependsOn, CoroutineIoFunction body) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(body, "body");
            VirtualThreads.require(name);
            return add(name, Kind.COROUTINE_IO, body, dependsOn);
        }

        /**
         * A fan-out IO node: {@code items} gives a list (typically a dependency's value, e.g.
         * {@code in -> in.<List<String>>get("ids")}), {@code call} starts one call per item,
         * at most {@code maxInFlight} of them at once within one execution, and the node's
         * value is the list of the calls' values in the items' order. One failed call fails
         * the node with a {@link DagItemException} (the item's index) as the cause of the
         * {@link DagNodeException}; the calls not started then never start. Both functions
         * start on the event loop (thread-pool mode: an IO thread) and must not block.
         *
         * @throws IllegalArgumentException if {@code maxInFlight < 1}
         */
        public <T> Builder fanOutIo(String name, List<String> dependsOn, int maxInFlight,
                                    ItemsFunction<T> items, ItemIoFunction<? super T> call) {
            Objects.requireNonNull(items, "items");
            Objects.requireNonNull(call, "call");
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("fan-out node '" + name + "': maxInFlight must be >= 1, got " + maxInFlight);
            }
            return add(name, Kind.FAN_OUT_IO, new FanOut(items, call, maxInFlight), dependsOn);
        }

        private Builder add(String name, Kind kind, Object fn, List<String> dependsOn) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dependsOn, "dependsOn: use List.of() for a node without dependencies");
            if (name.isBlank()) {
                throw new IllegalArgumentException("node name must not be blank");
            }
            if (specs.containsKey(name)) {
                throw new IllegalArgumentException("duplicate node name '" + name + "'");
            }
            specs.put(name, new Spec(kind, fn, List.copyOf(dependsOn)));
            return this;
        }

        /**
         * @throws IllegalArgumentException on a missing dependency or a cycle, naming the nodes
         */
        public Dag build() {
            if (specs.isEmpty()) {
                throw new IllegalArgumentException("a DAG needs at least one node");
            }
            Map<String, List<String>> deps = new LinkedHashMap<>();
            specs.forEach((name, spec) -> {
                List<String> d = spec.dependsOn();
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
                Spec spec = specs.get(name);
                int[] d = deps.get(name).stream().mapToInt(index::get).distinct().toArray();
                nodes.add(new Node(name, i, spec.kind(), spec.function(), d));
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
