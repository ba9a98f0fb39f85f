package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.LoopStall;
import io.evloop.testkit.Backend;
import io.evloop.testkit.LatencyProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * A bounded chaos soak, run against both loops: sustained load from three threads (GETs of
 * values that carry their key, SETs of unique values, INCRs, MGET pipelines) through a
 * loopback proxy, while a driver keeps injecting faults: CLIENT KILL, CLIENT PAUSE, SIGSTOP
 * and SIGCONT of the server, a server restart (its data survives: append-only, fsync always)
 * and network stalls in the proxy. At the end every future has completed; every successful
 * reply was the right one for its command; the INCRs ran at most once each and none that
 * succeeded was lost; the loop never stalled; the process's file descriptors are back to what
 * they were. The figures are printed; any violation fails. Its length is
 * {@code -Devloop.soak.seconds} (default 20) per loop.
 */
public abstract class ChaosSoakContractTest {

    private static final int PRODUCERS = 3;
    private static final int WINDOW = 200;
    private static final int KEYS = 64;
    /**
     * Descriptors the process may hold above its baseline at the end: other tests of the same
     * JVM may still be opening or closing theirs. The soak's own connections are counted
     * exactly, by port ({@link #soakSockets}).
     */
    private static final int FD_SLACK = 6;

    private final Backend backend;

    protected ChaosSoakContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop createLoop(EventLoopOptions options) {
        return backend.create(options);
    }

    /** Heap the soak may leave above its baseline. */
    private static final long HEAP_SLACK = 32L << 20;

    @Test
    void sustainedLoadUnderFaultsLosesNothingAndMisattributesNothing() throws Exception {
        long seconds = Long.getLong("evloop.soak.seconds", 20);
        long fdsBefore;
        long fdsAfter;
        long socketsBefore;
        long socketsAfter;
        long heapBefore;
        long heapAfter;
        RedisClientMetrics metrics;
        List<LoopStall> stalls = new CopyOnWriteArrayList<>();
        Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
        Map<String, LongAdder> faults = new ConcurrentHashMap<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        LongAdder incrSent = new LongAdder();
        LongAdder incrSucceeded = new LongAdder();
        AtomicLong ops = new AtomicLong();
        List<CompletableFuture<?>> unfinished = new CopyOnWriteArrayList<>();

        try (RedisServer server = RedisServer.start("--appendonly", "yes", "--appendfsync", "always");
             LatencyProxy proxy = new LatencyProxy(new InetSocketAddress("127.0.0.1", server.port()), 0)) {
            // A bound, not the 100 ms default: two cores shared with redis-server, the proxy and the
            // producers leave the loop thread off the CPU for a while now and then.
            EventLoop loop = createLoop(EventLoopOptions.defaults().withStallThreshold(Duration.ofSeconds(1))
                    .withStallListener(stalls::add));
            try {
                RedisConfig config = RedisConfig.builder().host("127.0.0.1").port(proxy.port())
                        .commandTimeout(Duration.ofSeconds(2)).idlePing(Duration.ofMillis(200), Duration.ofMillis(500))
                        .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(20), Duration.ofMillis(200)))
                        .clientName("soak").build();
                RedisClient redis = RedisClient.connect(loop, config).get(10, TimeUnit.SECONDS);
                for (int k = 0; k < KEYS; k++) {
                    redis.set(key(k), key(k) + "|seed").get(10, TimeUnit.SECONDS);
                }
                redis.del("soak:counter").get(10, TimeUnit.SECONDS);
                // With the loop, the client, the server and the proxy up: what the soak must come back to.
                fdsBefore = openFds();
                List<String> fdsAtStart = listFds();
                int[] ports = {server.port(), proxy.port()};
                socketsBefore = soakSockets(ports);
                heapBefore = heapAfterGc();

                AtomicBoolean running = new AtomicBoolean(true);
                List<Thread> producers = new ArrayList<>();
                for (int p = 0; p < PRODUCERS; p++) {
                    int id = p;
                    Thread t = new Thread(() -> produce(id, redis, running, ops, outcomes, violations, incrSent,
                            incrSucceeded, unfinished), "soak-producer-" + p);
                    t.start();
                    producers.add(t);
                }
                Thread driver = new Thread(() -> injectFaults(server, proxy, running, faults, violations), "soak-faults");
                driver.start();
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                running.set(false);
                driver.join(30_000);
                for (Thread t : producers) {
                    t.join(30_000);
                    assertTrue(!t.isAlive(), t.getName() + " finished");
                }
                server.resume(); // in case the driver stopped it last
                proxy.stall(false);

                // Every future completes (result, error or timeout), within a bound.
                for (CompletableFuture<?> f : unfinished) {
                    try {
                        f.get(15, TimeUnit.SECONDS);
                    } catch (ExecutionException expected) {
                        // counted by outcome already
                    } catch (TimeoutException e) {
                        violations.add("a future did not complete within 15 s after the soak: " + f);
                    }
                }
                // INCRs ran at most once each, and every one that succeeded ran.
                long counter = Long.parseLong(eventually(redis, "GET", "soak:counter"));
                if (counter < incrSucceeded.sum() || counter > incrSent.sum()) {
                    violations.add("INCR count " + counter + " outside [succeeded " + incrSucceeded.sum() + ", sent "
                            + incrSent.sum() + "]");
                }
                // Every connection the faults broke is closed by now: only the current one is open.
                socketsAfter = awaitSoakSockets(ports, socketsBefore);
                fdsAfter = awaitFds(fdsBefore);
                if (fdsAfter > fdsBefore + FD_SLACK) {
                    List<String> now = listFds();
                    List<String> added = new ArrayList<>(now);
                    added.removeAll(fdsAtStart);
                    List<String> closed = new ArrayList<>(fdsAtStart);
                    closed.removeAll(now);
                    System.out.println("soak: descriptors opened during the soak and still open: " + added
                            + "; open at the start and closed since: " + closed);
                }
                // And nothing the faults left behind holds memory: the futures are the test's own.
                unfinished.clear();
                heapAfter = heapAfterGc();
                metrics = redis.metrics();
                redis.close();
            } finally {
                loop.close();
            }
            System.out.println("soak (" + getClass().getSimpleName() + ", " + seconds + " s): " + ops.get() + " commands, outcomes "
                    + new java.util.TreeMap<>(outcomes) + ", faults " + new java.util.TreeMap<>(faults)
                    + ", INCRs sent " + incrSent.sum() + " succeeded " + incrSucceeded.sum() + ", worst stall "
                    + stalls.stream().map(LoopStall::blockedFor).max(Duration::compareTo).map(Duration::toString).orElse("none")
                    + ", the soak's sockets " + socketsBefore + " -> " + socketsAfter
                    + ", file descriptors " + fdsBefore + " -> " + fdsAfter + ", heap after GC " + mib(heapBefore) + " -> "
                    + mib(heapAfter) + "; client " + metrics);
        }
        assertEquals(List.of(), violations, "soak violations");
        assertEquals(List.of(), stalls, "the loop never stalled while the server was away");
        assertEquals(socketsBefore, socketsAfter, "every connection the faults broke is closed; only the current one is open");
        assertTrue(fdsAfter <= fdsBefore + FD_SLACK, "file descriptors back to baseline: " + fdsBefore + " -> " + fdsAfter);
        assertTrue(heapAfter <= heapBefore + HEAP_SLACK, "heap back to baseline: " + mib(heapBefore) + " -> " + mib(heapAfter));
    }

    /**
     * Heap in use after collections, the least of three: a leak of what a fault leaves behind
     * (commands, buffers, connections) grows with the tens of thousands of operations a soak
     * runs and stands out above {@link #HEAP_SLACK}; the JVM's own noise does not.
     */
    private static long heapAfterGc() throws InterruptedException {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
            least = Math.min(least, java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return least;
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    private static void produce(int id, RedisClient redis, AtomicBoolean running, AtomicLong ops, Map<String, LongAdder> outcomes,
                                List<String> violations, LongAdder incrSent, LongAdder incrSucceeded,
                                List<CompletableFuture<?>> unfinished) {
        Random random = new Random(id);
        Semaphore window = new Semaphore(WINDOW);
        long seq = 0;
        while (running.get()) {
            try {
                if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                    continue;
                }
            } catch (InterruptedException e) {
                return;
            }
            int k = random.nextInt(KEYS);
            String key = key(k);
            CompletableFuture<?> f;
            String kind;
            switch (random.nextInt(4)) {
                case 0 -> {
                    kind = "GET";
                    f = redis.get(key).thenAccept(v -> {
                        if (v != null && !v.startsWith(key + "|")) {
                            violations.add("GET " + key + " got " + v);
                        }
                    });
                }
                case 1 -> {
                    kind = "SET";
                    String value = key + "|" + id + ":" + (seq++);
                    f = redis.set(key, value).thenAccept(ok -> { });
                }
                case 2 -> {
                    kind = "INCR";
                    incrSent.increment();
                    f = redis.incr("soak:counter").thenAccept(n -> incrSucceeded.increment());
                }
                default -> {
                    kind = "MGET";
                    String k2 = key(random.nextInt(KEYS));
                    String k3 = key(random.nextInt(KEYS));
                    f = redis.mget(key, k2, k3).thenAccept(values -> {
                        String[] asked = {key, k2, k3};
                        for (int i = 0; i < asked.length; i++) {
                            if (values.get(i) != null && !values.get(i).startsWith(asked[i] + "|")) {
                                violations.add("MGET element " + asked[i] + " got " + values.get(i));
                            }
                        }
                    });
                }
            }
            ops.incrementAndGet();
            unfinished.add(f);
            f.whenComplete((v, e) -> {
                window.release();
                unfinished.remove(f);
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                String outcome = cause == null ? "ok" : cause.getClass().getSimpleName();
                if (cause != null && !(cause instanceof RedisException)) {
                    violations.add(kind + " failed with a foreign exception: " + cause);
                }
                outcomes.computeIfAbsent(kind + " " + outcome, x -> new LongAdder()).increment();
            });
        }
    }

    private static void injectFaults(RedisServer server, LatencyProxy proxy, AtomicBoolean running,
                                     Map<String, LongAdder> faults, List<String> violations) {
        Random random = new Random(42);
        try {
            while (running.get()) {
                Thread.sleep(300 + random.nextInt(700));
                if (!running.get()) {
                    return;
                }
                String fault;
                switch (random.nextInt(5)) {
                    case 0 -> {
                        fault = "client kill";
                        server.admin("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes");
                    }
                    case 1 -> {
                        fault = "client pause";
                        server.admin("CLIENT", "PAUSE", "300", "ALL");
                    }
                    case 2 -> {
                        fault = "sigstop";
                        server.pause();
                        Thread.sleep(300 + random.nextInt(500));
                        server.resume();
                    }
                    case 3 -> {
                        fault = "restart";
                        server.kill();
                        Thread.sleep(100);
                        server.restart();
                    }
                    default -> {
                        fault = "network stall";
                        proxy.stall(true);
                        Thread.sleep(300 + random.nextInt(500));
                        proxy.stall(false);
                    }
                }
                faults.computeIfAbsent(fault, x -> new LongAdder()).increment();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | AssertionError e) {
            violations.add("the fault driver failed: " + e);
        }
    }

    private static String key(int k) {
        return "soak:k" + k;
    }

    /** A value read once the connection is back (right after the last fault it may still be down). */
    private static String eventually(RedisClient redis, String... argv) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Throwable last = null;
        while (System.nanoTime() < deadline) {
            try {
                return redis.send(argv).get(5, TimeUnit.SECONDS).asString();
            } catch (ExecutionException | TimeoutException e) {
                last = e;
                Thread.sleep(50);
            }
        }
        throw new AssertionError("no reply to " + String.join(" ", argv) + " within 20 s", last);
    }

    private static long openFds() throws IOException {
        try (var files = Files.list(Path.of("/proc/self/fd"))) {
            return files.count();
        }
    }

    /** "fd -> target" of every open descriptor but the jars (the class path's, opened at will by the JVM). */
    private static List<String> listFds() throws IOException {
        List<String> fds = new ArrayList<>();
        try (var files = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : files.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (!target.endsWith(".jar") && !target.startsWith("/proc/")) {
                        fds.add(fd.getFileName() + "->" + target);
                    }
                } catch (IOException gone) {
                    // closed meanwhile
                }
            }
        }
        return fds;
    }

    /**
     * This process's sockets from or to the soak's server or proxy: the client's connection and
     * the proxy's two sides of it, plus whatever a fault left open. Found by matching the
     * inodes of /proc/self/fd with the ports in /proc/net/tcp and tcp6.
     */
    private static long soakSockets(int[] ports) throws IOException {
        java.util.Set<String> inodes = new java.util.HashSet<>();
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                int local = Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16);
                int remote = Integer.parseInt(f[2].substring(f[2].indexOf(':') + 1), 16);
                for (int port : ports) {
                    if (local == port || remote == port) {
                        inodes.add(f[9]);
                    }
                }
            }
        }
        inodes.remove("0"); // TIME_WAIT entries belong to no descriptor
        long count = 0;
        for (String fd : listFds()) {
            String target = fd.substring(fd.indexOf("->") + 2);
            if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                count++;
            }
        }
        return count;
    }

    private static long awaitSoakSockets(int[] ports, long target) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long now = soakSockets(ports);
        while (now != target && System.nanoTime() < deadline) {
            Thread.sleep(50);
            now = soakSockets(ports);
        }
        return now;
    }

    /** The open descriptors, once closed sockets have gone (closing is asynchronous on the loops). */
    private static long awaitFds(long target) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long now = openFds();
        while (now > target + FD_SLACK && System.nanoTime() < deadline) {
            Thread.sleep(50);
            now = openFds();
        }
        return now;
    }
}
