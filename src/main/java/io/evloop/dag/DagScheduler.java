package io.evloop.dag;

import io.evloop.EventLoop;
import io.evloop.internal.Durations;
import io.evloop.redis.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * Runs {@link Dag}s: CPU nodes on a CPU executor, IO nodes in one of two modes.
 * <ul>
 *   <li>{@link #onEventLoop}: IO nodes start on the event loop and their Redis calls are
 *       async commands, any number in flight; the target architecture.</li>
 *   <li>{@link #onThreadPool}: IO nodes run on a fixed pool of threads doing blocking Redis
 *       calls, one connection per thread; the architecture evloop replaces, kept as the
 *       honest baseline.</li>
 * </ul>
 * In both, a node starts when all its dependencies are done, and what follows an IO node
 * runs on the CPU executor, never on the loop thread. Thread-safe; many executions may run
 * at once.
 *
 * <p>A coroutine IO node ({@link Dag.Builder#coroutineIo}) runs on a virtual thread of its own
 * in event-loop mode, parked in {@link Coroutine#await} while its calls are in flight on the
 * loop; in thread-pool mode it runs on an IO thread whose blocking calls make each await
 * return at once. When an execution ends early (its deadline, a cancellation, a node's
 * failure, {@link #close()}), every node still running is stopped: IO futures are cancelled,
 * fan-out nodes start no more calls, and a coroutine's pending await throws
 * {@link DagNodeCancelledException}, so no thread stays parked for an execution that is over
 * ({@link DagMetrics#coroutineNodesRunning()} counts them).
 *
 * <p>In event-loop mode, identical reads in flight at once can share one call
 * ({@link Builder#coalesceReads()}, off by default): see that method for what it costs.
 */
public final class DagScheduler implements AutoCloseable {

    /** How IO nodes run. */
    public enum IoMode { EVENT_LOOP, THREAD_POOL }

    /**
     * The reads {@link Builder#coalesceReads()} shares: GET, HGET, HGETALL, MGET, LRANGE,
     * ZRANGE, SMEMBERS and EXISTS.
     */
    public static final Set<String> DEFAULT_COALESCED_READS = CoalescingRedisCommands.DEFAULT_COMMANDS;

    private final Executor cpu;
    private final IoMode mode;
    private final EventLoop loop;
    private final RedisCommands eventLoopRedis;
    private final Set<String> coalescedReads;
    private final ExecutorService ioPool;
    private final ThreadLocal<RedisCommands> threadRedis;
    private final List<AutoCloseable> threadConnections = new ArrayList<>();
    private final ScheduledExecutorService deadlines;
    private final DagMetrics metrics = new DagMetrics();
    /** Coroutine runs whose thread has not ended, for {@link #close()} to stop. */
    private final Set<CoroutineRun> coroutines = ConcurrentHashMap.newKeySet();

    private DagScheduler(Executor cpu, IoMode mode, EventLoop loop, RedisCommands redis,
                         int ioThreads, Supplier<? extends RedisCommands> connections, Set<String> coalescedReads) {
        this.cpu = Objects.requireNonNull(cpu, "cpu executor");
        this.mode = mode;
        this.loop = loop;
        this.coalescedReads = coalescedReads == null ? Set.of() : coalescedReads;
        // Counting sits under coalescing, so that ioCalls counts what reaches Redis.
        RedisCommands counted = redis == null ? null : metrics.counting(redis);
        this.eventLoopRedis = counted == null || coalescedReads == null ? counted
                : new CoalescingRedisCommands(counted, coalescedReads, loop, metrics);
        if (mode == IoMode.THREAD_POOL) {
            this.ioPool = Executors.newFixedThreadPool(ioThreads, named("dag-io-"));
            this.threadRedis = ThreadLocal.withInitial(() -> {
                RedisCommands connection = connections.get();
                if (connection instanceof AutoCloseable closeable) {
                    synchronized (threadConnections) {
                        threadConnections.add(closeable);
                    }
                }
                return metrics.counting(connection);
            });
        } else {
            this.ioPool = null;
            this.threadRedis = null;
        }
        this.deadlines = Executors.newSingleThreadScheduledExecutor(named("dag-deadlines-"));
    }

    /**
     * IO nodes start on {@code loop} and use {@code redis} (a client on that loop) for async calls.
     */
    public static DagScheduler onEventLoop(Executor cpu, EventLoop loop, RedisCommands redis) {
        return builder(cpu).eventLoop(loop, redis).build();
    }

    /**
     * IO nodes run on {@code ioThreads} threads, each with its own blocking connection made by
     * {@code connectionPerThread} (closed by {@link #close()} when it is {@link AutoCloseable}).
     */
    public static DagScheduler onThreadPool(Executor cpu, int ioThreads, Supplier<? extends RedisCommands> connectionPerThread) {
        return builder(cpu).threadPool(ioThreads, connectionPerThread).build();
    }

    /** A scheduler with options: pick one mode ({@link Builder#eventLoop} or {@link Builder#threadPool}). */
    public static Builder builder(Executor cpu) {
        return new Builder(Objects.requireNonNull(cpu, "cpu executor"));
    }

    public IoMode mode() {
        return mode;
    }

    /** The command names whose identical reads in flight share one call; empty when coalescing is off. */
    public Set<String> coalescedReads() {
        return coalescedReads;
    }

    /** Collects a scheduler's mode and options. Not thread-safe. */
    public static final class Builder {
        private final Executor cpu;
        private IoMode mode;
        private EventLoop loop;
        private RedisCommands redis;
        private int ioThreads;
        private Supplier<? extends RedisCommands> connectionPerThread;
        private Set<String> coalescedReads;

        private Builder(Executor cpu) {
            this.cpu = cpu;
        }

        /** IO nodes start on {@code loop} and use {@code redis} (a client on that loop) for async calls. */
        public Builder eventLoop(EventLoop loop, RedisCommands redis) {
            this.loop = Objects.requireNonNull(loop, "loop");
            this.redis = Objects.requireNonNull(redis, "redis");
            return mode(IoMode.EVENT_LOOP);
        }

        /**
         * IO nodes run on {@code ioThreads} threads, each with its own blocking connection made by
         * {@code connectionPerThread} (closed by {@link DagScheduler#close()} when it is {@link AutoCloseable}).
         */
        public Builder threadPool(int ioThreads, Supplier<? extends RedisCommands> connectionPerThread) {
            if (ioThreads < 1) {
                throw new IllegalArgumentException("ioThreads must be >= 1, got " + ioThreads);
            }
            this.ioThreads = ioThreads;
            this.connectionPerThread = Objects.requireNonNull(connectionPerThread, "connectionPerThread");
            return mode(IoMode.THREAD_POOL);
        }

        /** {@link #coalesceReads(Set)} of {@link DagScheduler#DEFAULT_COALESCED_READS}. */
        public Builder coalesceReads() {
            return coalesceReads(DEFAULT_COALESCED_READS);
        }

        /**
         * Identical reads in flight at the same time share one call (single-flight): a command
         * named in {@code commands} (any case) with the same argument bytes as one this
         * scheduler's connection has not answered yet is not sent; it gets that call's reply,
         * or its failure. {@link DagMetrics#coalescedCalls()} counts the calls saved. Reads are
         * shared only within this scheduler's connection, and with the same per-call timeout
         * (a late joiner may see the shared call's timeout sooner than its own, never later).
         *
         * <p>The cost is consistency: a read that joins a call already in flight gets the
         * value Redis read for the first caller, so it may miss a write that completed just
         * before it was asked for. Use it for reads that tolerate that (caches, catalogues,
         * features); leave it off for reads that must see the caller's own writes. Event-loop
         * mode only: each thread of the pool has a blocking connection of its own, with nothing
         * in flight to share.
         *
         * @throws IllegalArgumentException if {@code commands} is empty or holds something that is not a command name
         */
        public Builder coalesceReads(Set<String> commands) {
            this.coalescedReads = CoalescingRedisCommands.normalise(commands);
            return this;
        }

        /**
         * @throws IllegalStateException if no mode was chosen, or coalescing was asked for in thread-pool mode
         */
        public DagScheduler build() {
            if (mode == null) {
                throw new IllegalStateException("choose where IO nodes run: eventLoop(loop, redis) or threadPool(n, connections)");
            }
            if (mode == IoMode.THREAD_POOL && coalescedReads != null) {
                throw new IllegalStateException("read coalescing shares calls in flight on one connection; in thread-pool"
                        + " mode each IO thread has a blocking connection of its own with nothing in flight to share:"
                        + " use eventLoop(loop, redis) with coalesceReads()");
            }
            return new DagScheduler(cpu, mode, loop, redis, ioThreads, connectionPerThread, coalescedReads);
        }

        private Builder mode(IoMode chosen) {
            if (mode != null && mode != chosen) {
                throw new IllegalStateException("this builder already runs IO nodes " + (mode == IoMode.EVENT_LOOP
                        ? "on an event loop" : "on a thread pool") + "; a scheduler has one mode");
            }
            mode = chosen;
            return this;
        }
    }

    public DagMetrics metrics() {
        return metrics;
    }

    /**
     * Executes {@code dag} for {@code request}. The future completes with every node's value,
     * or fails with {@link DagNodeException} (naming the node) or {@link DagTimeoutException}.
     * Cancelling it stops the execution: nodes not started are never started.
     */
    public CompletableFuture<DagResult> execute(Dag dag, Object request, Duration deadline) {
        Objects.requireNonNull(dag, "dag");
        Execution execution = new Execution(dag, request);
        execution.start(Durations.positiveTimeout(deadline, "deadline"));
        return execution.result;
    }

    /**
     * Stops the coroutine IO nodes still running (their executions fail), the IO pool and the
     * deadline timer, and closes the per-thread connections. Idempotent.
     */
    @Override
    public void close() {
        coroutines.forEach(run -> run.stop("the scheduler was closed"));
        deadlines.shutdownNow();
        if (ioPool != null) {
            ioPool.shutdown();
            try {
                ioPool.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ioPool.shutdownNow();
            synchronized (threadConnections) {
                for (AutoCloseable c : threadConnections) {
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // closing a connection of a finished pool: nothing to report to
                    }
                }
                threadConnections.clear();
            }
        }
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger ids = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Something an execution started and must stop if it ends early. */
    interface Stoppable {
        void stop(String reason);
    }

    /** The state of one run of a DAG. */
    private final class Execution {
        final Dag dag;
        final Object request;
        final List<Dag.Node> nodes;
        final Object[] values;
        final AtomicIntegerArray finished;
        final AtomicIntegerArray missingInputs;
        final AtomicInteger nodesLeft;
        final AtomicBoolean over = new AtomicBoolean();
        final Map<Integer, Stoppable> running = new ConcurrentHashMap<>();
        final CompletableFuture<DagResult> result = new CompletableFuture<>();
        final long startNanos = System.nanoTime();
        volatile ScheduledFuture<?> deadlineTask;
        long deadlineMillis;

        Execution(Dag dag, Object request) {
            this.dag = dag;
            this.request = request;
            this.nodes = dag.nodes();
            this.values = new Object[nodes.size()];
            this.finished = new AtomicIntegerArray(nodes.size());
            this.missingInputs = new AtomicIntegerArray(nodes.size());
            for (Dag.Node n : nodes) {
                missingInputs.set(n.index, n.dependencies.length);
            }
            this.nodesLeft = new AtomicInteger(nodes.size());
        }

        void start(Duration deadline) {
            deadlineMillis = deadline.toMillis();
            metrics.executionStarted();
            result.whenComplete((r, e) -> {
                if (e instanceof CancellationException) {
                    stop();
                }
            });
            deadlineTask = deadlines.schedule(this::deadlinePassed, Durations.toNanosSaturated(deadline), TimeUnit.NANOSECONDS);
            for (Dag.Node n : nodes) {
                if (n.dependencies.length == 0) {
                    launch(n);
                }
            }
        }

        void launch(Dag.Node node) {
            if (over.get()) {
                return;
            }
            NodeInputs inputs = inputsFor(node);
            long started = System.nanoTime();
            try {
                if (node.kind == Dag.Kind.CPU) {
                    cpu.execute(() -> runCpu(node, inputs, started));
                } else if (node.kind == Dag.Kind.COROUTINE_IO) {
                    startCoroutine(node, inputs, started);
                } else if (mode == IoMode.EVENT_LOOP) {
                    loop.execute(() -> startIo(node, inputs, eventLoopRedis, started));
                } else {
                    ioPool.execute(() -> startIo(node, inputs, threadRedis.get(), started));
                }
            } catch (RuntimeException rejected) {
                fail(node, rejected);
            }
        }

        /** Hands the rest of the work to the CPU executor, or does it here if the executor refuses. */
        void onCpu(Runnable task) {
            try {
                cpu.execute(task);
            } catch (RejectedExecutionException shutDown) {
                task.run(); // the execution must still end, with whatever thread is at hand
            }
        }

        void runCpu(Dag.Node node, NodeInputs inputs, long started) {
            if (over.get()) {
                return;
            }
            Object value;
            try {
                value = ((Dag.CpuFunction) node.function).apply(inputs);
            } catch (Throwable t) {
                fail(node, t);
                return;
            }
            complete(node, value, started);
        }

        void startIo(Dag.Node node, NodeInputs inputs, RedisCommands redis, long started) {
            if (over.get()) {
                return;
            }
            if (node.kind == Dag.Kind.FAN_OUT_IO) {
                startFanOut(node, inputs, redis, started);
                return;
            }
            CompletableFuture<?> future;
            try {
                future = Objects.requireNonNull(((Dag.IoFunction) node.function).start(inputs, redis),
                        "IO node returned a null future");
            } catch (Throwable t) {
                onCpu(() -> fail(node, t));
                return;
            }
            running.put(node.index, reason -> future.cancel(false));
            if (over.get()) {
                future.cancel(false); // the execution ended while this node started: its stop may have missed it
            }
            // Hand the completion back to the CPU executor: nothing continues on the loop thread.
            future.whenCompleteAsync((value, error) -> {
                running.remove(node.index);
                if (error != null) {
                    fail(node, unwrap(error));
                } else {
                    complete(node, value, started);
                }
            }, cpu);
        }

        /**
         * Starts a coroutine node's thread: a virtual one in event-loop mode (from whichever
         * thread launches the node; the loop thread is not needed to start it), an IO thread in
         * thread-pool mode.
         */
        void startCoroutine(Dag.Node node, NodeInputs inputs, long started) {
            CoroutineRun run = new CoroutineRun(node.name, loop, metrics);
            running.put(node.index, run);
            coroutines.add(run);
            metrics.coroutineStarted();
            try {
                if (mode == IoMode.EVENT_LOOP) {
                    VirtualThreads.newThread(() -> runCoroutine(node, inputs, eventLoopRedis, run, started), node.name).start();
                } else {
                    ioPool.execute(() -> runCoroutine(node, inputs, threadRedis.get(), run, started));
                }
            } catch (RuntimeException | Error notStarted) {
                coroutineEnded(run);
                running.remove(node.index);
                throw notStarted;
            }
        }

        void runCoroutine(Dag.Node node, NodeInputs inputs, RedisCommands redis, CoroutineRun run, long started) {
            try {
                if (!run.attach(Thread.currentThread()) || over.get()) {
                    return;
                }
                Object value;
                try {
                    value = ((Dag.CoroutineIoFunction) node.function).run(inputs, redis, run);
                } catch (Throwable t) {
                    onCpu(() -> fail(node, t));
                    return;
                } finally {
                    run.finish();
                    running.remove(node.index);
                }
                if (node.dependents.length > 0) {
                    // This thread is neither the loop nor a pool thread that others wait on, so
                    // it can hand the value over itself: complete only launches the dependents,
                    // each on its own executor, and cannot end the execution (they are still to
                    // run), so no caller's callback runs here. That saves a hop through the CPU
                    // executor before the dependents are even submitted to it.
                    complete(node, value, started);
                } else {
                    // The last node: completing it completes the caller's future, whose callbacks
                    // run on the CPU executor, as after an IO node.
                    onCpu(() -> complete(node, value, started));
                }
            } finally {
                coroutineEnded(run);
            }
        }

        void coroutineEnded(CoroutineRun run) {
            coroutines.remove(run);
            metrics.coroutineEnded();
        }

        void startFanOut(Dag.Node node, NodeInputs inputs, RedisCommands redis, long started) {
            Dag.FanOut spec = (Dag.FanOut) node.function;
            Object[] items;
            try {
                // A copy: the calls read it from several threads while the source may change.
                items = Objects.requireNonNull(spec.items().items(inputs), "the items function returned null").toArray();
            } catch (Throwable t) {
                onCpu(() -> fail(node, t));
                return;
            }
            FanOutRun run = new FanOutRun(node, inputs, redis, items, spec, started);
            running.put(node.index, run);
            run.pump();
        }

        /**
         * One fan-out node of this execution. {@link #pump} starts calls while fewer than the
         * bound are in flight; each completion frees a slot and pumps again. Calls may complete
         * at once (a blocking connection, a failed send) inside {@link #pump}: the work-in-progress
         * counter then turns the nested pump into another round of the outer one, so that a long
         * list never recurses.
         */
        final class FanOutRun implements Stoppable {
            final Dag.Node node;
            final NodeInputs inputs;
            final RedisCommands redis;
            final Object[] items;
            final Object[] results;
            final Dag.ItemIoFunction<Object> call;
            final long started;
            final AtomicReferenceArray<CompletableFuture<?>> calls;
            final AtomicInteger free;
            final AtomicInteger left;
            final AtomicInteger pumping = new AtomicInteger();
            int next; // only touched by the thread that holds the pump
            volatile boolean stopped;

            // The builder typed the call with the items function's element type; the items here come from that function.
            @SuppressWarnings("unchecked")
            FanOutRun(Dag.Node node, NodeInputs inputs, RedisCommands redis, Object[] items, Dag.FanOut spec, long started) {
                this.node = node;
                this.inputs = inputs;
                this.redis = redis;
                this.items = items;
                this.results = new Object[items.length];
                this.call = (Dag.ItemIoFunction<Object>) spec.call();
                this.started = started;
                this.calls = new AtomicReferenceArray<>(items.length);
                this.free = new AtomicInteger(spec.maxInFlight());
                this.left = new AtomicInteger(items.length);
            }

            void pump() {
                if (items.length == 0) {
                    finished();
                    return;
                }
                if (pumping.getAndIncrement() != 0) {
                    return; // the thread holding the pump goes round once more for us
                }
                do {
                    // over: the execution may have ended before this run was registered to be stopped
                    while (!stopped && !over.get() && next < items.length && free.get() > 0) {
                        free.decrementAndGet();
                        startItem(next++);
                    }
                } while (pumping.decrementAndGet() != 0);
            }

            void startItem(int i) {
                CompletableFuture<?> f;
                try {
                    f = Objects.requireNonNull(call.start(inputs, items[i], redis), "the call returned a null future");
                } catch (Throwable t) {
                    itemFailed(i, t);
                    return;
                }
                calls.set(i, f);
                if (stopped) {
                    f.cancel(false); // the stop came while this call was being started
                }
                f.whenComplete((value, error) -> itemDone(i, value, error));
            }

            void itemDone(int i, Object value, Throwable error) {
                calls.set(i, null);
                if (error != null) {
                    itemFailed(i, unwrap(error));
                    return;
                }
                results[i] = value; // published to finished() by the decrement of left
                if (left.decrementAndGet() == 0) {
                    finished();
                } else {
                    free.incrementAndGet();
                    pump();
                }
            }

            void finished() {
                running.remove(node.index);
                List<Object> values = Collections.unmodifiableList(Arrays.asList(results));
                onCpu(() -> complete(node, values, started));
            }

            void itemFailed(int i, Throwable error) {
                stopped = true;
                DagItemException e = new DagItemException(i, items.length, items[i], error);
                onCpu(() -> fail(node, e));
            }

            @Override
            public void stop(String reason) {
                stopped = true;
                for (int i = 0; i < items.length; i++) {
                    CompletableFuture<?> f = calls.get(i);
                    if (f != null) {
                        f.cancel(false);
                    }
                }
            }
        }

        void complete(Dag.Node node, Object value, long started) {
            if (over.get()) {
                return; // a node that finished after its execution ended: nobody reads its value
            }
            metrics.nodeFinished(node.name, System.nanoTime() - started);
            values[node.index] = value;
            finished.set(node.index, 1);
            for (int d : node.dependents) {
                // The decrement publishes values[node.index] to whichever thread launches d.
                if (missingInputs.decrementAndGet(d) == 0) {
                    launch(nodes.get(d));
                }
            }
            if (nodesLeft.decrementAndGet() == 0 && over.compareAndSet(false, true)) {
                cancelDeadline();
                metrics.executionFinished(System.nanoTime() - startNanos);
                result.complete(new DagResult(dag.nodeNames(), values.clone()));
            }
        }

        void fail(Dag.Node node, Throwable error) {
            if (over.compareAndSet(false, true)) {
                cancelDeadline();
                metrics.executionFinished(System.nanoTime() - startNanos);
                metrics.executionFailed();
                cancelRunning("node '" + node.name + "' failed"); // before the caller hears of the failure
                result.completeExceptionally(new DagNodeException(node.name, error));
            }
        }

        void deadlinePassed() {
            if (over.compareAndSet(false, true)) {
                List<String> unfinished = new ArrayList<>();
                for (Dag.Node n : nodes) {
                    if (finished.get(n.index) == 0) {
                        unfinished.add(n.name);
                    }
                }
                metrics.executionFinished(System.nanoTime() - startNanos);
                metrics.executionFailed();
                cancelRunning("the execution passed its deadline of " + deadlineMillis + " ms"); // before the caller hears
                result.completeExceptionally(new DagTimeoutException("the execution passed its deadline after "
                        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos) + " ms; unfinished nodes "
                        + unfinished + " were cancelled"));
            }
        }

        void stop() {
            if (over.compareAndSet(false, true)) {
                cancelDeadline();
                metrics.executionFinished(System.nanoTime() - startNanos);
                metrics.executionFailed();
                cancelRunning("the execution was cancelled");
            }
        }

        void cancelDeadline() {
            ScheduledFuture<?> task = deadlineTask;
            if (task != null) {
                task.cancel(false);
            }
        }

        void cancelRunning(String reason) {
            running.values().forEach(r -> r.stop(reason));
        }

        NodeInputs inputsFor(Dag.Node node) {
            return new NodeInputs() {
                @Override
                public Object request() {
                    return request;
                }

                @Override
                @SuppressWarnings("unchecked")
                public <T> T get(String name) {
                    int index = dag.indexOf(name);
                    for (int d : node.dependencies) {
                        if (d == index) {
                            return (T) values[index];
                        }
                    }
                    throw new IllegalArgumentException("node '" + node.name + "' reads '" + name
                            + "', which is not one of its dependencies");
                }
            };
        }
    }

    private static Throwable unwrap(Throwable t) {
        return (t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null
                ? t.getCause() : t;
    }
}
