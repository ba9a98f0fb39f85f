package io.evloop.bench.jmh;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Wake-up latency of an idle loop: before each sample the producer sleeps 100 us so that the
 * loop thread is parked in its poll; the sample is the time from {@code execute} until the
 * producer sees that the task ran (sampled, so the report has p50 and p99).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WakeupLatencyBenchmark {

    @Param({"evloop-native", "evloop-java", "netty-default", "netty-nio", "thread-pool"})
    public String loop;

    private Loops.Handle handle;
    private Executor executor;

    @Setup(Level.Trial)
    public void open() {
        handle = Loops.open(loop);
        executor = handle.executor();
    }

    @TearDown(Level.Trial)
    public void close() {
        handle.close();
    }

    /** The task of one producer and the flag it sets. */
    @State(Scope.Thread)
    public static class Ping {
        volatile boolean ran;
        final Runnable task = () -> ran = true;

        /** Not timed: lets the loop go back to sleep before the next sample. */
        @Setup(Level.Invocation)
        public void idle() {
            LockSupport.parkNanos(100_000);
        }
    }

    @Benchmark
    public void wakeup(Ping p) {
        p.ran = false;
        executor.execute(p.task);
        while (!p.ran) {
            Thread.onSpinWait();
        }
    }
}
