package io.evloop.bench.jmh;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * Tasks per second handed to a single-threaded executor by 1 and by 4 producer threads.
 * Each producer keeps at most {@link #WINDOW} of its tasks queued (it yields while the
 * consumer catches up), so the score is the rate at which tasks are posted and run, not
 * how fast a queue can grow.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PostHandoffBenchmark {

    static final long WINDOW = 4096;

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

    /** One producer's tasks: a counter that only the consumer thread writes. */
    @State(Scope.Thread)
    public static class Producer {
        final AtomicLong ran = new AtomicLong();
        final Runnable task = () -> ran.lazySet(ran.get() + 1);
        long posted;

        void post(Executor executor) {
            executor.execute(task);
            if (++posted - ran.get() > WINDOW) {
                while (posted - ran.get() > WINDOW / 2) {
                    Thread.yield(); // two cores: give the consumer the CPU rather than spin against it
                }
            }
        }
    }

    @Benchmark
    @Threads(1)
    public void producers1(Producer p) {
        p.post(executor);
    }

    @Benchmark
    @Threads(4)
    public void producers4(Producer p) {
        p.post(executor);
    }
}
