package io.evloop.dag;

import io.evloop.redis.RedisCommands;
import io.evloop.redis.Reply;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** Live counters of a {@link DagScheduler}. Thread-safe; read them any time. */
public final class DagMetrics {

    /** Latency summary of one node. */
    public record NodeLatency(long count, Duration mean, Duration max) {
    }

    private final AtomicInteger executionsInFlight = new AtomicInteger();
    private final LongAdder executions = new LongAdder();
    private final LongAdder failedExecutions = new LongAdder();
    private final AtomicInteger ioCallsInFlight = new AtomicInteger();
    private final AtomicInteger peakIoCallsInFlight = new AtomicInteger();
    private final LongAdder ioCalls = new LongAdder();
    private final AtomicInteger coroutinesRunning = new AtomicInteger();
    private final AtomicInteger coroutinesSuspended = new AtomicInteger();
    private final LongAdder coalescedCalls = new LongAdder();
    private final Map<String, NodeStats> nodes = new ConcurrentHashMap<>();

    DagMetrics() {
    }

    public int executionsInFlight() {
        return executionsInFlight.get();
    }

    public long executionsFinished() {
        return executions.sum();
    }

    public long executionsFailed() {
        return failedExecutions.sum();
    }

    /**
     * Redis calls started by IO nodes and not yet answered. With read coalescing, a call that
     * joined one already in flight is not a call of its own and is not counted here.
     */
    public int ioCallsInFlight() {
        return ioCallsInFlight.get();
    }

    /** The highest {@link #ioCallsInFlight()} seen since the last {@link #resetPeak()}. */
    public int peakIoCallsInFlight() {
        return peakIoCallsInFlight.get();
    }

    /** Redis calls sent by IO nodes; calls saved by read coalescing are counted by {@link #coalescedCalls()} instead. */
    public long ioCalls() {
        return ioCalls.sum();
    }

    /**
     * Coroutine IO nodes whose thread has been started and has not ended yet: running their
     * body or suspended in an await. Back to 0 once every execution is over, however it ended.
     */
    public int coroutineNodesRunning() {
        return coroutinesRunning.get();
    }

    /** Coroutine IO nodes parked in {@link Coroutine#await} right now (a part of {@link #coroutineNodesRunning()}). */
    public int coroutineNodesSuspended() {
        return coroutinesSuspended.get();
    }

    /**
     * Reads that read coalescing answered from a call already in flight instead of sending
     * their own: the Redis calls saved. Always 0 without {@link DagScheduler.Builder#coalesceReads}.
     */
    public long coalescedCalls() {
        return coalescedCalls.sum();
    }

    public void resetPeak() {
        peakIoCallsInFlight.set(ioCallsInFlight.get());
    }

    /** Per node: how many times it finished, mean and max latency (start to value). */
    public Map<String, NodeLatency> nodeLatencies() {
        Map<String, NodeLatency> out = new TreeMap<>();
        nodes.forEach((name, s) -> {
            long n = s.count.sum();
            out.put(name, new NodeLatency(n, Duration.ofNanos(n == 0 ? 0 : s.totalNanos.sum() / n), Duration.ofNanos(s.maxNanos.get())));
        });
        return out;
    }

    /** One line for a log: executions, IO calls, coroutine nodes, coalescing, then each node's latency. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("DagMetrics[executions: ").append(executionsInFlight()).append(" in flight, ")
                .append(executionsFinished()).append(" finished, ").append(executionsFailed()).append(" failed; IO calls: ")
                .append(ioCallsInFlight()).append(" in flight (peak ").append(peakIoCallsInFlight()).append("), ")
                .append(ioCalls()).append(" made, ").append(coalescedCalls()).append(" saved by coalescing; coroutine nodes: ")
                .append(coroutineNodesRunning()).append(" running, ").append(coroutineNodesSuspended()).append(" suspended");
        nodeLatencies().forEach((node, l) -> out.append("; ").append(node).append(": ").append(l.count()).append("x mean ")
                .append(l.mean().toNanos() / 1000).append(" µs max ").append(l.max().toNanos() / 1000).append(" µs"));
        return out.append(']').toString();
    }

    void executionStarted() {
        executionsInFlight.incrementAndGet();
    }

    void executionFinished(long nanos) {
        executionsInFlight.decrementAndGet();
        executions.increment();
    }

    void executionFailed() {
        failedExecutions.increment();
    }

    void nodeFinished(String node, long nanos) {
        NodeStats s = nodes.computeIfAbsent(node, k -> new NodeStats());
        s.count.increment();
        s.totalNanos.add(nanos);
        s.maxNanos.accumulateAndGet(nanos, Math::max);
    }

    void coroutineStarted() {
        coroutinesRunning.incrementAndGet();
    }

    void coroutineEnded() {
        coroutinesRunning.decrementAndGet();
    }

    void coroutineSuspended(int delta) {
        coroutinesSuspended.addAndGet(delta);
    }

    void callCoalesced() {
        coalescedCalls.increment();
    }

    /** Wraps a connection so that every call is counted in {@link #ioCallsInFlight()}. */
    RedisCommands counting(RedisCommands redis) {
        return new RedisCommands() {
            @Override
            public CompletableFuture<Reply> send(byte[]... argv) {
                return counted(() -> redis.send(argv));
            }

            @Override
            public CompletableFuture<Reply> send(Duration timeout, byte[]... argv) {
                return counted(() -> redis.send(timeout, argv));
            }
        };
    }

    private CompletableFuture<Reply> counted(java.util.function.Supplier<CompletableFuture<Reply>> call) {
        int now = ioCallsInFlight.incrementAndGet();
        peakIoCallsInFlight.accumulateAndGet(now, Math::max);
        ioCalls.increment();
        CompletableFuture<Reply> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            ioCallsInFlight.decrementAndGet();
            throw e;
        }
        // The caller gets a copy completed after the decrement: dependents of one future run
        // last-registered first, so a continuation of f itself could start the next call (a
        // fan-out's freed slot) while this one still counted as in flight.
        CompletableFuture<Reply> counted = f.newIncompleteFuture();
        f.whenComplete((r, e) -> {
            ioCallsInFlight.decrementAndGet();
            if (e != null) {
                counted.completeExceptionally(e);
            } else {
                counted.complete(r);
            }
        });
        return counted;
    }

    private static final class NodeStats {
        final LongAdder count = new LongAdder();
        final LongAdder totalNanos = new LongAdder();
        final AtomicLong maxNanos = new AtomicLong();
    }
}
