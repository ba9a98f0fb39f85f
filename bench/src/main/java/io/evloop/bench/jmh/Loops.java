package io.evloop.bench.jmh;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The single-threaded executors whose post hand-off is compared: evloop's two loops,
 * Netty's {@link DefaultEventLoop} (a task queue and a parked thread) and Netty's NIO event
 * loop (a selector, like ours), and a one-thread {@link ThreadPoolExecutor}.
 */
public final class Loops {

    /** Every name {@link #open} takes, in report order. */
    public static final String[] NAMES = {"evloop-native", "evloop-java", "netty-default", "netty-nio", "thread-pool"};

    private Loops() {
    }

    /** An executor with one thread, and how to shut it down. */
    public interface Handle extends AutoCloseable {
        Executor executor();

        @Override
        void close();
    }

    public static Handle open(String name) {
        return switch (name) {
            case "evloop-native" -> evloop(EventLoops.createNative());
            case "evloop-java" -> evloop(EventLoops.createJava());
            case "netty-default" -> {
                DefaultEventLoop loop = new DefaultEventLoop();
                yield handle(loop, () -> loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly());
            }
            case "netty-nio" -> {
                EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
                yield handle(group.next(), () -> group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly());
            }
            case "thread-pool" -> {
                ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>());
                yield handle(pool, () -> {
                    pool.shutdown();
                    try {
                        pool.awaitTermination(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            default -> throw new IllegalArgumentException("unknown loop '" + name + "'");
        };
    }

    private static Handle evloop(EventLoop loop) {
        return handle(loop, loop::close);
    }

    private static Handle handle(Executor executor, Runnable close) {
        return new Handle() {
            @Override
            public Executor executor() {
                return executor;
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
