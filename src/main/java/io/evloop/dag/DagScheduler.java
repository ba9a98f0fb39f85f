package io.evloop.dag;

import io.evloop.EventLoop;
import io.evloop.internal.Durations;
import io.evloop.redis.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
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
 */
public final class DagScheduler implements AutoCloseable {

    /** How IO nodes run. */
    public enum IoMode { EVENT_LOOP, THREAD_POOL }

    private final Executor cpu;
    private final IoMode mode;
    private final EventLoop loop;
    private final RedisCommands eventLoopRedis;
    private final ExecutorService ioPool;
    private final ThreadLocal<RedisCommands> threadRedis;
    private final List<AutoCloseable> threadConnections = new ArrayList<>();
    private final ScheduledExecutorService deadlines;
    private final DagMetrics metrics = new DagMetrics();

    private DagScheduler(Executor cpu, IoMode mode, EventLoop loop, RedisCommands redis,
                         int ioThreads, Supplier<? extends RedisCommands> connections) {
        this.cpu = Objects.requireNonNull(cpu, "cpu executor");
        this.mode = mode;
        this.loop = loop;
        this.eventLoopRedis = redis == null ? null : metrics.counting(redis);
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
        Objects.requireNonNull(loop, "loop");
        Objects.requireNonNull(redis, "redis");
        return new DagScheduler(cpu, IoMode.EVENT_LOOP, loop, redis, 0, null);
    }

    /**
     * IO nodes run on {@code ioThreads} threads, each with its own blocking connection made by
     * {@code connectionPerThread} (closed by {@link #close()} when it is {@link AutoCloseable}).
     */
    public static DagScheduler onThreadPool(Executor cpu, int ioThreads, Supplier<? extends RedisCommands> connectionPerThread) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be >= 1, got " + ioThreads);
        }
        Objects.requireNonNull(connectionPerThread, "connectionPerThread");
        return new DagScheduler(cpu, IoMode.THREAD_POOL, null, null, ioThreads, connectionPerThread);
    }

    public IoMode mode() {
        return mode;
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

    /** Stops the IO pool and the deadline timer and closes the per-thread connections. Idempotent. */
    @Override
    public void close() {
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
        final Map<Integer, CompletableFuture<?>> running = new ConcurrentHashMap<>();
        final CompletableFuture<DagResult> result = new CompletableFuture<>();
        final long startNanos = System.nanoTime();
        volatile ScheduledFuture<?> deadlineTask;

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
                if (!node.io) {
                    cpu.execute(() -> runCpu(node, inputs, started));
                } else if (mode == IoMode.EVENT_LOOP) {
                    loop.execute(() -> startIo(node, inputs, eventLoopRedis, started));
                } else {
                    ioPool.execute(() -> startIo(node, inputs, threadRedis.get(), started));
                }
            } catch (RuntimeException rejected) {
                fail(node, rejected);
            }
        }

        void runCpu(Dag.Node node, NodeInputs inputs, long started) {
            if (over.get()) {
                return;
            }
            Object value;
            try {
                value = node.cpu.apply(inputs);
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
            CompletableFuture<?> future;
            try {
                future = Objects.requireNonNull(node.ioFunction.start(inputs, redis), "IO node returned a null future");
            } catch (Throwable t) {
                fail(node, t);
                return;
            }
            running.put(node.index, future);
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

        void complete(Dag.Node node, Object value, long started) {
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
                cancelRunning(); // before the caller hears of the failure
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
                cancelRunning(); // before the caller hears of the timeout
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
                cancelRunning();
            }
        }

        void cancelDeadline() {
            ScheduledFuture<?> task = deadlineTask;
            if (task != null) {
                task.cancel(false);
            }
        }

        void cancelRunning() {
            running.values().forEach(f -> f.cancel(false));
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
