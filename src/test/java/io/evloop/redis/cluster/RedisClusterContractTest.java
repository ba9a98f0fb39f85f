package io.evloop.redis.cluster;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.TestFutures;
import io.evloop.redis.PubSubListener;
import io.evloop.redis.PubSubMessage;
import io.evloop.redis.RedisClientContractTest;
import io.evloop.redis.RedisConnectionException;
import io.evloop.redis.RedisException;
import io.evloop.redis.RedisScript;
import io.evloop.redis.RedisSubscription;
import io.evloop.redis.RedisTransaction;
import io.evloop.redis.Reply;
import io.evloop.testkit.Backend;
import io.evloop.testkit.RedisClusterProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster client against a real local cluster (3 masters, 3 replicas), started once per
 * suite; one thin subclass per loop. The failover test runs last: it kills a master.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class RedisClusterContractTest {

    private static RedisClusterProcess cluster;
    private EventLoop loop;
    private RedisClusterClient redis;

    private final Backend backend;

    protected RedisClusterContractTest(Backend backend) {
        this.backend = backend;
    }

    protected EventLoop createLoop(EventLoopOptions options) {
        return backend.create(options);
    }

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisClusterProcess.start(3, 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void connect() {
        loop = createLoop(EventLoopOptions.defaults());
        redis = await(RedisClusterClient.connect(loop, cluster.seedUris()));
    }

    @AfterEach
    void close() {
        redis.close();
        loop.close();
        await(loop.terminationFuture());
    }

    /** A listener that puts what it hears into {@code events}: message texts, "resubscribed", "ended ...", and "disconnected" if asked. */
    private static PubSubListener recording(java.util.concurrent.BlockingQueue<Object> events, boolean disconnections) {
        return new PubSubListener() {
            @Override
            public void onMessage(PubSubMessage message) {
                events.add(message.text());
            }

            @Override
            public void onDisconnected(RedisException cause) {
                if (disconnections) {
                    events.add("disconnected");
                }
            }

            @Override
            public void onResubscribed() {
                events.add("resubscribed");
            }

            @Override
            public void onEnded(RedisException cause) {
                events.add("ended " + cause);
            }
        };
    }

    @Test
    @Order(1)
    void keysSpreadOverEveryMasterAndHashTagsLandTogether() {
        assertEquals(3, redis.masters().size(), redis.masters().toString());
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        Set<String> owners = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            writes.add(redis.set("spread:" + i, "v" + i));
            owners.add(redis.masterOf(RedisClusterClient.slotOf("spread:" + i)));
        }
        writes.forEach(f -> await(f));
        assertEquals(3, owners.size(), "300 keys should hit all 3 masters");
        for (String master : redis.masters()) {
            long keys = cluster.admin(Integer.parseInt(master.substring(master.indexOf(':') + 1)), "DBSIZE").asLong();
            assertTrue(keys > 0, master + " holds no keys");
        }
        for (int i = 0; i < 300; i += 37) {
            assertEquals("v" + i, await(redis.get("spread:" + i)));
        }
        int tagged = RedisClusterClient.slotOf("{user42}:profile");
        assertEquals(tagged, RedisClusterClient.slotOf("{user42}:items"));
        assertEquals(tagged, RedisClusterClient.slotOf("user42"));
        assertNotEquals(RedisClusterClient.slotOf("{}"), RedisClusterClient.slotOf("{}x"), "an empty {} is not a tag");
        assertEquals(12739, RedisClusterClient.slotOf("123456789"), "CRC16-XMODEM reference value 0x31C3");
        await(redis.send("MSET", "{user42}:a", "1", "{user42}:b", "2"));
        assertEquals(Arrays.asList("1", "2"), await(redis.mget("{user42}:a", "{user42}:b")));
    }

    @Test
    @Order(2)
    void multiKeyCommandsAcrossSlotsAreSplitAndMergedInKeyOrder() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            keys.add("multi:" + i);
            if (i % 3 != 0) {
                await(redis.set("multi:" + i, "m" + i));
            }
        }
        List<String> values = await(redis.mget(keys.toArray(new String[0])));
        for (int i = 0; i < 40; i++) {
            if (i % 3 == 0) {
                assertNull(values.get(i), "key " + i);
            } else {
                assertEquals("m" + i, values.get(i), "key " + i);
            }
        }
        long present = keys.stream().filter(k -> Integer.parseInt(k.substring(6)) % 3 != 0).count();
        assertEquals(present, await(redis.exists(keys.toArray(new String[0]))));
        assertEquals(present, await(redis.del(keys.toArray(new String[0]))));
        assertEquals(0L, await(redis.exists(keys.toArray(new String[0]))));
    }

    @Test
    @Order(2)
    void typedReadsScansAndScriptsFollowTheirKeys() {
        List<byte[]> binary = await(redis.mget("typed:a".getBytes(), "typed:b".getBytes(), "typed:c".getBytes()));
        assertEquals(3, binary.size(), "split over slots like MGET");
        String h = "typed:hash";
        for (int i = 0; i < 50; i++) {
            await(redis.hset(h, "f" + i, "v" + i));
        }
        assertEquals(List.of("v1", "v2"), await(redis.hmget(h, "f1", "f2")));
        assertEquals(50, await(redis.hscan(h, null, 10).toList(1000)).size());
        RedisScript script = RedisScript.of("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        assertEquals(3L, await(script.eval(redis, List.of("typed:counter:" + System.nanoTime()), List.of("3"))).asLong());
        RedisTransaction tx = redis.transaction().watch("{tx}:a");
        CompletableFuture<Reply> a = tx.send("INCR", "{tx}:a");
        CompletableFuture<Reply> b = tx.send("INCR", "{tx}:b");
        assertEquals(2, await(tx.exec()).size());
        assertTrue(await(a).asLong() >= 1 && await(b).asLong() >= 1);
        RedisTransaction crossing = redis.transaction();
        crossing.send("INCR", "{one}x");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> crossing.send("INCR", "{two}x"));
        assertTrue(refused.getMessage().contains("hash tag"), refused.getMessage());
        UnsupportedOperationException scan = assertThrows(UnsupportedOperationException.class, () -> redis.scan(null, 10));
        assertTrue(scan.getMessage().contains("each primary"), scan.getMessage());
    }

    @Test
    @Order(3)
    void otherMultiKeyCommandsAcrossSlotsFailAtTheCall() {
        assertNotEquals(RedisClusterClient.slotOf("a"), RedisClusterClient.slotOf("b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> redis.send("MSET", "a", "1", "b", "2"));
        assertTrue(e.getMessage().contains("MSET") && e.getMessage().contains("hash tag"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> redis.send("SUNION", "a", "b"));
        assertThrows(IllegalArgumentException.class, () -> redis.send("EVAL", "return 1", "2", "a", "b"));
        // Commands that would break the one-reply-per-command rule are refused here as well.
        for (String[] argv : new String[][] {{"SUBSCRIBE", "ch"}, {"SSUBSCRIBE", "{a}ch"}, {"MONITOR"},
                {"CLIENT", "REPLY", "OFF"}, {"SELECT", "1"}}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> redis.send(argv));
            assertTrue(refused.getMessage().startsWith(argv[0]), refused.getMessage());
        }
        assertEquals("PONG", await(redis.ping()));
    }

    @Test
    @Order(4)
    void slotMigrationUnderLoadLosesNothingAndExercisesAskAndMoved() throws Exception {
        String tag = "{migrate}";
        int slot = RedisClusterClient.slotOf(tag);
        String sourceAddress = redis.masterOf(slot);
        String targetAddress = redis.masters().stream().filter(m -> !m.equals(sourceAddress)).findFirst().orElseThrow();
        int source = port(sourceAddress);
        int target = port(targetAddress);
        String sourceId = cluster.admin(source, "CLUSTER", "MYID").asString();
        String targetId = cluster.admin(target, "CLUSTER", "MYID").asString();
        int keyCount = 100;
        long[] successes = new long[keyCount];

        round(tag, keyCount, successes);
        cluster.admin(target, "CLUSTER", "SETSLOT", Integer.toString(slot), "IMPORTING", sourceId);
        cluster.admin(source, "CLUSTER", "SETSLOT", Integer.toString(slot), "MIGRATING", targetId);
        // Move half the keys, with load running between the batches.
        List<String> keys = cluster.admin(source, "CLUSTER", "GETKEYSINSLOT", Integer.toString(slot), "1000").asList()
                .stream().map(Reply::asString).sorted().toList();
        assertEquals(keyCount, keys.size());
        for (int batch = 0; batch < keys.size() / 2; batch += 10) {
            migrate(source, target, keys.subList(batch, batch + 10));
            round(tag, keyCount, successes); // migrated keys answer ASK now
        }
        assertTrue(redis.askRedirects() > 0, "no ASK seen during the migration");
        for (int batch = keys.size() / 2; batch < keys.size(); batch += 10) {
            migrate(source, target, keys.subList(batch, Math.min(keys.size(), batch + 10)));
        }
        for (RedisServerPort master : masterPorts()) {
            cluster.admin(master.port, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        }
        long movedBefore = redis.movedRedirects();
        round(tag, keyCount, successes); // the client still points at the source: MOVED
        assertTrue(redis.movedRedirects() > movedBefore, "no MOVED seen after the migration");
        assertEquals(targetAddress, redis.masterOf(slot));
        round(tag, keyCount, successes);
        for (int k = 0; k < keyCount; k++) {
            assertEquals(Long.toString(successes[k]), await(redis.get(tag + ":" + k)), "counter " + k);
        }
        assertTrue(redis.topologyRefreshes() < 50, "refreshes were not coalesced: " + redis.topologyRefreshes());
    }

    private void round(String tag, int keyCount, long[] successes) {
        List<CompletableFuture<Long>> incrs = new ArrayList<>();
        for (int k = 0; k < keyCount; k++) {
            incrs.add(redis.incr(tag + ":" + k));
        }
        for (int k = 0; k < keyCount; k++) {
            await(incrs.get(k)); // any failure fails the test: migration must lose nothing
            successes[k]++;
        }
    }

    private void migrate(int source, int target, List<String> keys) {
        List<String> argv = new ArrayList<>(List.of("MIGRATE", "127.0.0.1", Integer.toString(target), "", "0", "5000", "KEYS"));
        argv.addAll(keys);
        assertEquals("OK", cluster.admin(source, argv.toArray(new String[0])).asString());
    }

    private record RedisServerPort(int port) {
    }

    private List<RedisServerPort> masterPorts() {
        return redis.masters().stream().map(m -> new RedisServerPort(port(m))).toList();
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    @Test
    @Order(4)
    void shardSubscriptionsLiveOnTheirSlotsMasterAndFollowTheSlotWhenItMoves() throws Exception {
        String channel = "{shardps}news";
        int slot = RedisClusterClient.slotOf(channel);
        java.util.concurrent.LinkedBlockingQueue<Object> events = new java.util.concurrent.LinkedBlockingQueue<>();
        PubSubListener listener = recording(events, false);
        IllegalArgumentException crossing = assertThrows(IllegalArgumentException.class,
                () -> redis.ssubscribe(listener, "{a}x", "{b}x"));
        assertTrue(crossing.getMessage().contains("several slots"), crossing.getMessage());

        RedisSubscription subscription = await(redis.ssubscribe(listener, channel, "{shardps}sport"));
        assertEquals(1, await(redis.send("SPUBLISH", channel, "before")).asLong(), "delivered on the slot's master");
        assertEquals("before", next(events));

        // Move the (empty) slot to another master: the old one ends the subscription, the new one gets it.
        String sourceAddress = redis.masterOf(slot);
        String targetAddress = redis.masters().stream().filter(m -> !m.equals(sourceAddress)).findFirst().orElseThrow();
        String targetId = cluster.admin(port(targetAddress), "CLUSTER", "MYID").asString();
        // Each master once, the new owner first: a SETSLOT NODE on the node that already owns
        // the slot ends its shard subscriptions too (Redis drops and re-adds the slot).
        cluster.admin(port(targetAddress), "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
        for (RedisServerPort master : masterPorts()) {
            if (master.port != port(targetAddress)) {
                cluster.admin(master.port, "CLUSTER", "SETSLOT", Integer.toString(slot), "NODE", targetId);
            }
        }
        assertEquals("resubscribed", next(events));
        assertEquals(1, await(redis.send("SPUBLISH", channel, "after")).asLong(), "subscribed on the new master");
        assertEquals("after", next(events));
        assertEquals(targetAddress, redis.masterOf(slot));
        await(subscription.unsubscribe());
        assertEquals(0, await(redis.send("SPUBLISH", channel, "gone")).asLong());
        assertTrue(events.isEmpty(), "nothing else: " + events);
    }

    private static Object next(java.util.concurrent.BlockingQueue<Object> events) throws InterruptedException {
        Object e = events.poll(30, java.util.concurrent.TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("nothing arrived within 30 s");
        }
        return e;
    }

    @Test
    @Order(5)
    void readsFromReplicasWhenAskedTo() {
        RedisClusterClient replicaReader = await(RedisClusterClient.connect(loop,
                RedisClusterConfig.fromUris(cluster.seedUris()).withReadFromReplicas(true)));
        try {
            await(redis.set("replicated", "yes"));
            assertEquals("yes", TestFutures.eventually(() -> replicaReader.get("replicated")
                    .thenApply(v -> {
                        if (v == null) {
                            throw new IllegalStateException("not replicated yet");
                        }
                        return v;
                    })));
        } finally {
            replicaReader.close();
        }
    }

    @Test
    @Order(100)
    void aKilledMasterFailsItsInFlightCommandsThenWritesResumeAfterFailover() throws Exception {
        String tag = "{failover}";
        int slot = RedisClusterClient.slotOf(tag);
        String victim = redis.masterOf(slot);
        // A shard subscription on the victim: a dead master sends no MOVED, so the client must
        // find the promoted replica in the slot map itself.
        java.util.concurrent.LinkedBlockingQueue<Object> events = new java.util.concurrent.LinkedBlockingQueue<>();
        PubSubListener listener = recording(events, true);
        await(redis.ssubscribe(listener, tag + "events"));
        List<CompletableFuture<Reply>> inFlight = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            inFlight.add(redis.send("INCR", tag + ":n"));
        }
        cluster.node(port(victim)).kill();
        long killedAt = System.nanoTime();
        for (CompletableFuture<Reply> f : inFlight) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof RedisConnectionException, String.valueOf(e.getCause()));
            } catch (TimeoutException e) {
                fail("a command to the killed master never completed");
            }
        }
        // New writes succeed once the replica is promoted and the client has found it.
        Void written = TestFutures.eventually(() -> redis.set(tag + ":after", "ok"));
        long resumedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
        assertNull(written);
        assertNotEquals(victim, redis.masterOf(slot));
        assertEquals("ok", await(redis.get(tag + ":after")));
        System.out.println("writes resumed " + resumedMillis + " ms after the master was killed");
        assertEquals("disconnected", next(events));
        assertEquals("resubscribed", next(events), "moved to the promoted replica");
        assertEquals(1, await(redis.send("SPUBLISH", tag + "events", "after the failover")).asLong());
        assertEquals("after the failover", next(events));
        cluster.node(port(victim)).restart(); // it rejoins as a replica
        cluster.awaitHealthy(TestFutures.BOUND);
    }
}
