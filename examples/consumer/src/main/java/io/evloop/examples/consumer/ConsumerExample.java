package io.evloop.examples.consumer;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.dag.Dag;
import io.evloop.dag.DagResult;
import io.evloop.dag.DagScheduler;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * What an application does with evloop: one event loop from {@link EventLoops#create()}, one
 * Redis client on it, a few commands and a small DAG whose IO nodes run on the loop. Prints
 * which loop it got and why, every result, and exits with status 1 on the first failure.
 *
 * <p>Usage: {@code ConsumerExample redis://127.0.0.1:6379}. It writes only keys under
 * {@code evloop-consumer:<pid>:} and deletes them at the end.
 */
public final class ConsumerExample {

    /** Every wait is bounded: a broken build must fail here, never hang. */
    private static final long WAIT_SECONDS = 10;

    private ConsumerExample() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ConsumerExample redis://host:port[/db]");
            System.exit(2);
        }
        int status;
        try {
            run(args[0]);
            System.out.println("RESULT: ok");
            status = 0;
        } catch (Throwable t) {
            System.out.println("RESULT: FAILED: " + t);
            t.printStackTrace(System.out);
            status = 1;
        }
        System.out.flush();
        // The loop and the CPU pool are closed in run(); exit explicitly all the same, so a
        // thread left behind by a failure cannot keep this smoke test alive.
        System.exit(status);
    }

    private static void run(String uri) throws Exception {
        System.out.println("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
                + ") on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
        System.out.println("evloop classes from: " + EventLoops.class.getProtectionDomain().getCodeSource().getLocation());

        ExecutorService cpu = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "consumer-cpu");
            t.setDaemon(true);
            return t;
        });
        try (EventLoop loop = EventLoops.create()) {
            reportImplementation(loop);
            RedisClient redis = RedisClient.connect(loop, uri).get(WAIT_SECONDS, TimeUnit.SECONDS);
            System.out.println("redis: connected to " + uri);
            String prefix = "evloop-consumer:" + ProcessHandle.current().pid() + ":";
            try {
                runCommands(redis, prefix);
                runDag(cpu, loop, redis, prefix);
            } finally {
                Long deleted = await(redis.del(prefix + "greeting", prefix + "user", prefix + "recent",
                        prefix + "counter", prefix + "summary"));
                System.out.println("cleanup: deleted " + deleted + " keys");
                redis.close();
            }
        } finally {
            cpu.shutdownNow();
        }
    }

    private static void reportImplementation(EventLoop loop) {
        System.out.println("evloop implementation: " + loop.implementation() + " (loop thread " + loop.name() + ")");
        Throwable cause = EventLoops.nativeUnavailabilityCause();
        if (cause == null) {
            System.out.println("native library: loaded");
            return;
        }
        System.out.println("native library: unavailable: " + cause.getMessage());
        for (Throwable attempt : cause.getSuppressed()) {
            System.out.println("  attempt: " + attempt.getMessage());
        }
    }

    private static void runCommands(RedisClient redis, String prefix) throws Exception {
        await(redis.set(prefix + "greeting", "hello from evloop"));
        check("GET", await(redis.get(prefix + "greeting")), "hello from evloop");

        Map<String, String> user = new LinkedHashMap<>();
        user.put("name", "Ada");
        user.put("language", "Java");
        user.put("visits", "3");
        check("HSET", await(redis.hset(prefix + "user", user)), 3L);
        check("HGETALL", await(redis.hgetall(prefix + "user")), user);

        Reply pushed = await(redis.send("RPUSH", prefix + "recent", "loop", "timer", "future"));
        check("RPUSH", pushed.asLong(), 3L);
        check("LRANGE", await(redis.lrange(prefix + "recent", 0, -1)), List.of("loop", "timer", "future"));

        // Many commands in flight at once on one connection, the reason evloop exists.
        List<CompletableFuture<Long>> increments = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            increments.add(redis.incr(prefix + "counter"));
        }
        await(CompletableFuture.allOf(increments.toArray(new CompletableFuture<?>[0])));
        check("200 x INCR in flight, then GET", await(redis.get(prefix + "counter")), "200");
    }

    /**
     * profile (IO) and recent (IO) run at once on the loop, summary (CPU) joins them on the CPU
     * pool, store (IO) writes the summary back; the program then reads it from Redis.
     */
    private static void runDag(ExecutorService cpu, EventLoop loop, RedisCommands redis, String prefix) throws Exception {
        Dag dag = Dag.builder()
                .io("profile", List.of(), (in, r) -> r.hgetall(in.request() + "user"))
                .io("recent", List.of(), (in, r) -> r.lrange(in.request() + "recent", 0, -1))
                .cpu("summary", List.of("profile", "recent"), in -> {
                    Map<String, String> profile = in.get("profile");
                    List<String> recent = in.get("recent");
                    return profile.get("name") + " (" + profile.get("language") + ") saw " + String.join(",", recent);
                })
                .io("store", List.of("summary"), (in, r) -> {
                    String summary = in.get("summary");
                    return r.set(in.request() + "summary", summary).thenApply(ignored -> summary.length());
                })
                .build();
        try (DagScheduler scheduler = DagScheduler.onEventLoop(cpu, loop, redis)) {
            DagResult result = await(scheduler.execute(dag, prefix, Duration.ofSeconds(WAIT_SECONDS)));
            System.out.println("DAG " + dag.nodeNames() + " -> " + result.values());
            String expected = "Ada (Java) saw loop,timer,future";
            check("DAG summary", result.get("summary"), expected);
            check("DAG store", result.get("store"), expected.length());
            check("summary read back", await(redis.get(prefix + "summary")), expected);
        }
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static void check(String what, Object actual, Object expected) {
        if (!Objects.equals(actual, expected)) {
            throw new AssertionError(what + ": expected " + expected + " but got " + actual);
        }
        System.out.println(what + ": " + actual + " ok");
    }
}
