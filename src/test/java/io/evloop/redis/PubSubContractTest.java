package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.TestFutures;
import io.evloop.testkit.Backend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RedisPubSub} and RESP3 pushes on the command connection, against a real redis-server;
 * one thin subclass per loop.
 */
public abstract class PubSubContractTest {

    private static RedisServer server;
    private final Backend backend;
    private EventLoop loop;
    private RedisClient publisher;
    private RedisPubSub pubsub;
    private ExecutorService executor;

    protected PubSubContractTest(Backend backend) {
        this.backend = backend;
    }

    @BeforeAll
    static void startServer() {
        server = RedisServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void connect() {
        loop = backend.create(EventLoopOptions.defaults());
        publisher = await(RedisClient.connect(loop, server.config().build()));
        pubsub = await(RedisPubSub.connect(loop, server.config().reconnectPolicy(new ReconnectPolicy(true,
                java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(100))).build()));
        executor = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void close() throws InterruptedException {
        pubsub.close();
        publisher.close();
        loop.close();
        executor.shutdownNow();
        assertTrue(executor.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** A listener that keeps what it is told, in order. */
    private static final class Recorder implements PubSubListener {
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        final List<Thread> threads = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onMessage(PubSubMessage message) {
            threads.add(Thread.currentThread());
            events.add(message);
        }

        @Override
        public void onDisconnected(RedisException cause) {
            events.add("disconnected");
        }

        @Override
        public void onResubscribed() {
            events.add("resubscribed");
        }

        @Override
        public void onEnded(RedisException cause) {
            events.add("ended " + cause.getClass().getSimpleName());
        }

        Object next() throws InterruptedException {
            Object e = events.poll(TestFutures.BOUND.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                throw new AssertionError("nothing arrived within " + TestFutures.BOUND);
            }
            return e;
        }

        PubSubMessage nextMessage() throws InterruptedException {
            return assertInstanceOf(PubSubMessage.class, next());
        }
    }

    private long publish(String channel, String message) {
        return await(publisher.send("PUBLISH", channel, message)).asLong();
    }

    private static String channel(String name) {
        return "ps:" + name + ":" + System.nanoTime();
    }

    @Test
    void messagesArriveInOrderOnTheLoopThread() throws Exception {
        Recorder r = new Recorder();
        String ch = channel("order");
        RedisSubscription s = await(pubsub.subscribe(r, ch));
        assertEquals(List.of(ch), s.names());
        assertEquals(RedisSubscription.Kind.CHANNELS, s.kind());
        for (int i = 0; i < 500; i++) {
            publisher.send("PUBLISH", ch, "m" + i);
        }
        for (int i = 0; i < 500; i++) {
            PubSubMessage m = r.nextMessage();
            assertEquals(ch, m.channel());
            assertEquals("m" + i, m.text());
            assertNull(m.pattern());
            assertFalse(m.isSharded());
        }
        String loopThread = loopThreadName();
        assertTrue(r.threads.stream().allMatch(t -> t.getName().equals(loopThread)), "on the loop thread");
        assertEquals(500, s.delivered());
        assertTrue(pubsub.metrics().pushes() >= 500);
    }

    private String loopThreadName() {
        CompletableFuture<String> name = new CompletableFuture<>();
        loop.post(() -> name.complete(Thread.currentThread().getName()));
        return await(name);
    }

    @Test
    void patternsAndShardChannels() throws Exception {
        Recorder patterns = new Recorder();
        String prefix = channel("news");
        await(pubsub.psubscribe(patterns, prefix + ".*"));
        assertEquals(1, publish(prefix + ".sport", "goal"));
        PubSubMessage m = patterns.nextMessage();
        assertEquals(prefix + ".sport", m.channel());
        assertEquals(prefix + ".*", m.pattern());
        assertEquals("goal", m.text());

        Recorder shard = new Recorder();
        String sch = channel("shard");
        await(pubsub.ssubscribe(shard, sch));
        assertEquals(1, await(publisher.send("SPUBLISH", sch, "s1")).asLong());
        PubSubMessage sm = shard.nextMessage();
        assertTrue(sm.isSharded());
        assertEquals("s1", sm.text());
    }

    @Test
    void unsubscribeStopsDeliveryAndTheLastHolderLetsTheServerGo() throws Exception {
        Recorder a = new Recorder();
        Recorder b = new Recorder();
        String ch = channel("shared");
        RedisSubscription sa = await(pubsub.subscribe(a, ch));
        RedisSubscription sb = await(pubsub.subscribe(SubscriptionOptions.on(executor), b, ch));
        assertEquals(1, publish(ch, "both"), "one connection subscribed, however many subscriptions");
        assertEquals("both", a.nextMessage().text());
        assertEquals("both", b.nextMessage().text());

        await(sa.unsubscribe());
        assertFalse(sa.isActive());
        assertEquals(1, publish(ch, "only b"));
        assertEquals("only b", b.nextMessage().text());
        await(sb.unsubscribe());
        await(sb.unsubscribe()); // idempotent
        assertEquals(0, publish(ch, "nobody"), "the server no longer counts the connection");
        assertEquals(0, numsub(ch));
        assertTrue(a.events.isEmpty());
        assertTrue(b.events.isEmpty());
    }

    private long numsub(String ch) {
        return await(publisher.send("PUBSUB", "NUMSUB", ch)).asList().get(1).asLong();
    }

    @Test
    void aListenerOnAnExecutorGetsTheBufferItsPolicyKeeps() throws Exception {
        for (SubscriptionOptions.Overflow policy : SubscriptionOptions.Overflow.values()) {
            CountDownLatch gate = new CountDownLatch(1);
            CountDownLatch blocked = new CountDownLatch(1);
            Recorder r = new Recorder();
            String ch = channel("slow");
            PubSubListener slow = m -> {
                if (m.text().equals("hold")) {
                    blocked.countDown();
                    TestFutures.await(gate);
                } else {
                    r.onMessage(m);
                }
            };
            RedisSubscription s = await(pubsub.subscribe(SubscriptionOptions.on(executor).buffer(10, policy), slow, ch));
            publish(ch, "hold");
            TestFutures.await(blocked);
            for (int i = 0; i < 50; i++) {
                publish(ch, "m" + i);
            }
            waitFor(() -> s.dropped() == 40, "40 of 50 dropped with " + policy + ", got " + s.dropped());
            gate.countDown();
            for (int i = 0; i < 10; i++) {
                int expected = policy == SubscriptionOptions.Overflow.DROP_NEWEST ? i : 40 + i;
                assertEquals("m" + expected, r.nextMessage().text(), policy.toString());
            }
            assertNull(r.events.poll(100, TimeUnit.MILLISECONDS));
            assertEquals(11, s.delivered());
            await(s.unsubscribe());
        }
    }

    @Test
    void anExecutorThatRefusesLosesTheMessagesButTheListenerStillHearsTheEnd() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean refusing = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.Executor picky = task -> {
            if (refusing.get()) {
                throw new java.util.concurrent.RejectedExecutionException("shut down");
            }
            executor.execute(task);
        };
        Recorder r = new Recorder();
        String ch = channel("refused");
        RedisSubscription s = await(pubsub.subscribe(SubscriptionOptions.on(picky), r, ch));
        publish(ch, "before");
        assertEquals("before", r.nextMessage().text());
        executor.submit(() -> { }).get(10, TimeUnit.SECONDS); // the delivery task has ended
        refusing.set(true);
        publish(ch, "lost");
        waitFor(() -> s.dropped() == 1, "the refused message counted as dropped, got " + s.dropped());
        pubsub.close();
        assertEquals("ended RedisClosedException", r.next(), "the end is told on the thread at hand");
        assertNull(r.events.poll(100, TimeUnit.MILLISECONDS));
        assertEquals(1, s.delivered());
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TestFutures.BOUND.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + TestFutures.BOUND + ": " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void aReconnectSubscribesAgainAndTellsTheListener() throws Exception {
        Recorder r = new Recorder();
        Recorder p = new Recorder();
        String ch = channel("again");
        await(pubsub.subscribe(r, ch));
        await(pubsub.psubscribe(SubscriptionOptions.on(executor), p, ch + "*"));
        server.admin("CLIENT", "KILL", "TYPE", "pubsub");
        assertEquals("disconnected", r.next());
        assertEquals("resubscribed", r.next());
        assertEquals("disconnected", p.next());
        assertEquals("resubscribed", p.next());
        assertEquals(2, publish(ch, "after"), "both made again on the new connection");
        assertEquals("after", r.nextMessage().text());
        assertEquals("after", p.nextMessage().text());
        assertEquals(1, pubsub.metrics().reconnects());
    }

    @Test
    void aRefusedSubscriptionFailsItsCallAndTheConnectionGoesOn() throws Exception {
        String user = "limited" + System.nanoTime();
        server.admin("ACL", "SETUSER", user, "on", ">pw", "~*", "+@all", "resetchannels", "&allowed:*");
        try (RedisPubSub limited = await(RedisPubSub.connect(loop, server.config().user(user).password("pw").build()))) {
            Recorder r = new Recorder();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> limited.subscribe(r, "secret").get(10, TimeUnit.SECONDS));
            RedisErrorException refused = assertInstanceOf(RedisErrorException.class, e.getCause());
            assertEquals("NOPERM", refused.prefix());
            RedisSubscription ok = await(limited.subscribe(r, "allowed:1"));
            assertEquals(1, publish("allowed:1", "fine"));
            assertEquals("fine", r.nextMessage().text());
            assertTrue(ok.isActive());
        } finally {
            server.admin("ACL", "DELUSER", user);
        }
    }

    @Test
    void aPingTheServerRefusesAfterTakingTheSubscribeShiftsNothing() throws Exception {
        // An ACL that allows SUBSCRIBE but not the PING written after it: the error is the
        // PING's, after the subscribe's confirmation, and the replies after it stay in place.
        String user = "noping" + System.nanoTime();
        server.admin("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all", "-ping");
        try (RedisPubSub limited = await(RedisPubSub.connect(loop, server.config().user(user).password("pw").build()))) {
            Recorder r = new Recorder();
            String a = channel("a");
            String b = channel("b");
            RedisSubscription sa = await(limited.subscribe(r, a));
            RedisSubscription sb = await(limited.subscribe(r, b));
            assertTrue(sa.isActive() && sb.isActive());
            assertEquals(1, publish(a, "to a"));
            assertEquals("to a", r.nextMessage().text());
            assertEquals(1, publish(b, "to b"));
            assertEquals("to b", r.nextMessage().text());
            await(sa.unsubscribe());
            assertEquals(0, numsub(a));
            assertEquals(0, limited.metrics().inFlight());
        } finally {
            server.admin("ACL", "DELUSER", user);
        }
    }

    @Test
    void withoutReconnectsALostConnectionEndsTheSubscriptions() throws Exception {
        try (RedisPubSub once = await(RedisPubSub.connect(loop, server.config().reconnectPolicy(ReconnectPolicy.NEVER).build()))) {
            Recorder r = new Recorder();
            RedisSubscription s = await(once.subscribe(r, channel("once")));
            server.admin("CLIENT", "KILL", "TYPE", "pubsub");
            assertEquals("ended RedisConnectionException", r.next());
            assertFalse(s.isActive());
        }
    }

    @Test
    void closingEndsEverySubscription() throws Exception {
        Recorder r = new Recorder();
        RedisSubscription s = await(pubsub.subscribe(r, channel("closing")));
        await(pubsub.closeAsync());
        assertEquals("ended RedisClosedException", r.next());
        assertFalse(s.isActive());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> pubsub.subscribe(r, "late").get(10, TimeUnit.SECONDS));
        assertInstanceOf(RedisClosedException.class, e.getCause());
    }

    @Test
    void badCallsAreRefusedAtTheCall() {
        Recorder r = new Recorder();
        assertThrows(IllegalArgumentException.class, () -> pubsub.subscribe(r));
        assertThrows(NullPointerException.class, () -> pubsub.subscribe(null, "x"));
        assertThrows(IllegalStateException.class, () -> SubscriptionOptions.onLoopThread().buffer(5,
                SubscriptionOptions.Overflow.DROP_OLDEST));
        assertThrows(IllegalArgumentException.class, () -> SubscriptionOptions.on(executor).buffer(0,
                SubscriptionOptions.Overflow.DROP_OLDEST));
        assertThrows(IllegalArgumentException.class, () -> RedisPubSub.connect(loop,
                server.config().pushListener(push -> { }).build()));
        IllegalArgumentException viaSend = assertThrows(IllegalArgumentException.class,
                () -> publisher.send("SUBSCRIBE", "x"));
        assertTrue(viaSend.getMessage().contains("RedisPubSub"), viaSend.getMessage());
    }

    @Test
    void trackingInvalidationsReachThePushListenerAndNeverACommand() throws Exception {
        LinkedBlockingQueue<Reply.PushReply> pushes = new LinkedBlockingQueue<>();
        RedisConfig config = server.config().protocol(RedisProtocol.RESP3).pushListener(pushes::add).build();
        try (RedisClient tracked = await(RedisClient.connect(loop, config))) {
            String key = channel("tracked");
            await(tracked.set(key, "v0"));
            await(tracked.send("CLIENT", "TRACKING", "ON"));
            assertEquals("v0", await(tracked.get(key)));
            await(publisher.set(key, "v1")); // invalidates what the tracked client read
            // Replies keep reaching their own commands around the push.
            List<CompletableFuture<String>> gets = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                gets.add(tracked.send("ECHO", "e" + i).thenApply(Reply::asString));
            }
            for (int i = 0; i < 200; i++) {
                assertEquals("e" + i, await(gets.get(i)));
            }
            Reply.PushReply push = pushes.poll(TestFutures.BOUND.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("invalidate", push.kind());
            assertEquals(List.of(key), push.elements().get(1).asList().stream().map(Reply::asString).toList());
            assertTrue(tracked.metrics().pushes() >= 1);
            assertEquals("v1", await(tracked.get(key)));
        }
    }

    @Test
    void resp3HandshakeCarriesAuthAndTheClientName() {
        String user = "hello" + System.nanoTime();
        server.admin("ACL", "SETUSER", user, "on", ">pw", "~*", "&*", "+@all");
        try (RedisClient c = await(RedisClient.connect(loop, server.config().protocol(RedisProtocol.RESP3)
                .user(user).password("pw").clientName("resp3-client").build()))) {
            assertEquals(user, await(c.send("ACL", "WHOAMI")).asString());
            assertEquals("resp3-client", await(c.send("CLIENT", "GETNAME")).asString());
            Reply hello = await(c.send("CLIENT", "INFO"));
            assertTrue(hello.asString().contains("resp=3"), hello.asString());
        } finally {
            server.admin("ACL", "DELUSER", user);
        }
    }
}
