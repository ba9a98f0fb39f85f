package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.ScheduledTask;
import io.evloop.internal.loop.AbstractEventLoop;
import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The client through Sentinel over fake transports: the test plays three sentinels and the
 * data nodes, so that the order of the queries, every failure and the role check can be
 * played exactly. {@code RedisSentinelContractTest} runs a real failover on both loops.
 */
class RedisClientSentinelTest {

    private static final int S1 = 26379;
    private static final int S2 = 26380;
    private static final int S3 = 26381;
    private static final List<String> QUERY = List.of("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster");

    private final EventLoop loop = EventLoops.createJava();
    private final FakeTransport.Factory sentinels = new FakeTransport.Factory(loop);
    private final FakeTransport.Factory nodes = new FakeTransport.Factory(loop);

    @AfterEach
    void stopLoop() {
        loop.close();
    }

    private static RedisSentinel.Builder sentinel() {
        return RedisSentinel.builder("mymaster").sentinel("127.0.0.1", S1).sentinel("127.0.0.1", S2)
                .sentinel("127.0.0.1", S3).queryTimeout(Duration.ofMillis(300)).pollInterval(Duration.ofHours(1));
    }

    private static RedisConfig.Builder config(RedisSentinel sentinel) {
        return RedisConfig.builder().sentinel(sentinel).commandTimeout(Duration.ofSeconds(10))
                .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(10), Duration.ofMillis(10)));
    }

    private CompletableFuture<RedisClient> connect(RedisConfig config) {
        return RedisClient.connect(loop, config, nodes::get, c -> sentinels::get);
    }

    private static InetSocketAddress local(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    private static Reply bulk(String s) {
        return new Reply.BulkString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Reply array(Reply... elements) {
        return new Reply.ArrayReply(List.of(elements));
    }

    private static final Reply OK = new Reply.SimpleString("OK");
    private static final Reply MASTER = array(bulk("master"), new Reply.IntegerReply(0), Reply.ArrayReply.EMPTY);
    private static final Reply REPLICA = array(bulk("slave"), bulk("127.0.0.1"), new Reply.IntegerReply(7001),
            bulk("connected"), new Reply.IntegerReply(0));

    /** The next sentinel connection, to {@code port}, made up. */
    private FakeTransport sentinelUp(int port) throws InterruptedException {
        FakeTransport t = sentinels.nextConnect();
        assertEquals(local(port), t.address);
        t.connected();
        return t;
    }

    /** The sentinel answers the next query with {@code 127.0.0.1:port}. */
    private static void answer(FakeTransport sentinel, int port) throws InterruptedException {
        assertEquals(QUERY, sentinel.nextCommand());
        sentinel.reply(array(bulk("127.0.0.1"), bulk(Integer.toString(port))));
    }

    /** The next data connection, to {@code port}, up and answering the handshake's ROLE with {@code role}. */
    private FakeTransport nodeUp(int port, Reply role) throws InterruptedException {
        FakeTransport t = nodes.nextConnect();
        assertEquals(local(port), t.address);
        t.connected();
        assertEquals(List.of("ROLE"), t.nextCommand());
        t.reply(role);
        return t;
    }

    private static <T> Throwable failure(CompletableFuture<T> f) {
        return assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS)).getCause();
    }

    @Test
    void theSentinelsAreAskedInOrderAndTheOneThatAnsweredIsAskedFirstFromThenOn() throws Exception {
        RedisConfig config = config(sentinel().password("sentinel-pw").build()).password("data-pw").database(2).build();
        CompletableFuture<RedisClient> connecting = connect(config);

        FakeTransport first = sentinels.nextConnect();
        assertEquals(local(S1), first.address);
        first.lost(new IOException("Connection refused"));
        FakeTransport second = sentinelUp(S2);
        assertEquals(List.of("AUTH", "sentinel-pw"), second.nextCommand(), "the sentinels' own password");
        second.reply(OK);
        answer(second, 7001);

        FakeTransport node = nodes.nextConnect();
        assertEquals(local(7001), node.address);
        node.connected();
        assertEquals(List.of("AUTH", "data-pw"), node.nextCommand(), "the primary's password");
        assertEquals(List.of("SELECT", "2"), node.nextCommand());
        assertEquals(List.of("ROLE"), node.nextCommand(), "pipelined behind the handshake");
        node.reply(OK);
        node.reply(OK);
        node.reply(MASTER);
        RedisClient client = await(connecting);
        assertTrue(first.closed);
        assertFalse(second.closed, "the connection to the sentinel that answered is kept for the next query");
        FakeTransport watch = sentinels.nextConnect();
        assertEquals(local(S2), watch.address, "failover announcements are watched on the sentinel that answered");
        watch.connected();
        assertEquals(List.of("HELLO", "3", "AUTH", "default", "sentinel-pw"), watch.nextCommand(), "RESP3, for pushes");

        node.lost(new IOException("connection reset by peer"));
        answer(second, 7002); // asked first, over the kept connection: no new sentinel connection
        FakeTransport moved = nodes.nextConnect();
        assertEquals(local(7002), moved.address);
        moved.connected();
        assertEquals(List.of("AUTH", "data-pw"), moved.nextCommand());
        assertEquals(List.of("SELECT", "2"), moved.nextCommand());
        assertEquals(List.of("ROLE"), moved.nextCommand());
        moved.reply(OK);
        moved.reply(OK);
        moved.reply(MASTER);
        CompletableFuture<Reply> get = client.send(RespEncoder.utf8("GET", "k"));
        assertEquals(List.of("GET", "k"), moved.nextCommand());
        moved.reply(bulk("v"));
        assertEquals("v", await(get).asString());

        assertEquals(3, sentinels.made.size(), "two asked, one watched");
        assertEquals(1, client.metrics().connectionsLost());
        assertEquals(1, client.metrics().reconnects());
        client.close();
    }

    @Test
    void whenNoSentinelAnswersTheConnectFailsNamingEachSentinelsFailure() throws Exception {
        long start = System.nanoTime();
        CompletableFuture<RedisClient> connecting = connect(config(sentinel().build()).build());
        sentinels.nextConnect().lost(new IOException("Connection refused"));
        FakeTransport silent = sentinels.nextConnect(); // never connects: the query timeout ends it
        assertEquals(local(S2), silent.address);
        FakeTransport unknown = sentinelUp(S3);
        assertEquals(QUERY, unknown.nextCommand());
        unknown.reply(Reply.NIL);

        RedisConnectionException e = assertInstanceOf(RedisConnectionException.class, failure(connecting));
        String m = e.getMessage();
        assertTrue(m.contains("no sentinel answered where the primary mymaster is"), m);
        assertTrue(m.contains("127.0.0.1:" + S1 + ": ") && m.contains("Connection refused"), m);
        assertTrue(m.contains("127.0.0.1:" + S2 + ": no answer within 300 ms"), m);
        assertTrue(m.contains("127.0.0.1:" + S3 + ": it does not know a primary named mymaster"), m);
        assertTrue(m.indexOf(":" + S1) < m.indexOf(":" + S2) && m.indexOf(":" + S2) < m.indexOf(":" + S3), "in order: " + m);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "each sentinel is bounded by the query timeout");
        assertTrue(nodes.made.isEmpty(), "no data connection without a primary");
        for (FakeTransport t : sentinels.made) {
            assertTrue(t.closed, "every sentinel connection is closed");
        }
    }

    @Test
    void hostNamesOfSentinelsAndOfThePrimaryAreResolvedBeforeTheyAreConnected() throws Exception {
        CompletableFuture<RedisClient> connecting = connect(config(RedisSentinel.builder("mymaster")
                .sentinel("localhost", S1).build()).build());
        FakeTransport sentinel = sentinels.nextConnect();
        InetSocketAddress asked = (InetSocketAddress) sentinel.address;
        assertFalse(asked.isUnresolved());
        assertTrue(asked.getAddress().isLoopbackAddress(), asked.toString());
        assertEquals(S1, asked.getPort());
        sentinel.connected();
        assertEquals(QUERY, sentinel.nextCommand());
        sentinel.reply(array(bulk("localhost"), bulk("7001")));
        FakeTransport node = nodes.nextConnect();
        InetSocketAddress primary = (InetSocketAddress) node.address;
        assertTrue(!primary.isUnresolved() && primary.getAddress().isLoopbackAddress() && primary.getPort() == 7001,
                primary.toString());
        node.connected();
        assertEquals(List.of("ROLE"), node.nextCommand());
        node.reply(MASTER);
        await(connecting).close();
    }

    @Test
    void aNodeThatSaysItIsNotThePrimaryIsDroppedAndTheSentinelsAreAskedAgain() throws Exception {
        CompletableFuture<RedisClient> connecting = connect(config(sentinel().build()).build());
        FakeTransport sentinel = sentinelUp(S1);
        answer(sentinel, 7001);
        FakeTransport replica = nodeUp(7001, REPLICA);
        answer(sentinel, 7002); // a lagging view, asked again
        assertTrue(replica.closed);
        FakeTransport node = nodeUp(7002, MASTER);
        RedisClient client = await(connecting);
        assertFalse(node.closed);
        assertEquals(0, client.metrics().reconnects(), "still the first connection");
        assertEquals(0, client.metrics().connectionsLost());
        client.close();
    }

    @Test
    void aFirstConnectionThatOnlyMeetsReplicasFailsOnceTheConnectTimeoutHasPassed() throws Exception {
        CompletableFuture<RedisClient> connecting = connect(config(sentinel().build())
                .connectTimeout(Duration.ofMillis(300)).reconnectPolicy(ReconnectPolicy.NEVER).build());
        FakeTransport sentinel = sentinelUp(S1);
        FakeTransport replica;
        int attempts = 0;
        do {
            answer(sentinel, 7001);
            replica = nodeUp(7001, REPLICA);
            attempts++;
        } while (!settlesWithin(connecting, Duration.ofMillis(200)));
        assertTrue(attempts > 1, "retried within the connect timeout: " + attempts);
        RedisConnectionException e = assertInstanceOf(RedisConnectionException.class, failure(connecting));
        assertTrue(e.getMessage().contains("ROLE is slave, not master"), e.getMessage());
        assertTrue(replica != null && replica.closed);
    }

    @Test
    void aPollThatFindsAnotherPrimaryClosesTheConnectionAsLostAndTheClientFollows() throws Exception {
        CompletableFuture<RedisClient> connecting = connect(config(sentinel().pollInterval(Duration.ofMillis(50)).build()).build());
        FakeTransport sentinel = sentinelUp(S1);
        answer(sentinel, 7001);
        FakeTransport old = nodeUp(7001, MASTER);
        RedisClient client = await(connecting);
        CompletableFuture<Reply> inFlight = client.send(RespEncoder.utf8("INCR", "n"));
        assertEquals(List.of("INCR", "n"), old.nextCommand());

        answer(sentinel, 7001); // a poll: nothing moved
        assertFalse(inFlight.isDone());
        answer(sentinel, 7002); // the next one: a failover happened
        RedisConnectionException lost = assertInstanceOf(RedisConnectionException.class, failure(inFlight));
        assertTrue(lost.getMessage().contains("a failover happened"), lost.getMessage());
        assertTrue(lost.getMessage().contains("127.0.0.1:7002"), lost.getMessage());
        assertTrue(old.closed);

        answer(sentinel, 7002); // the reconnect asks again
        FakeTransport promoted = nodeUp(7002, MASTER);
        CompletableFuture<Reply> next = client.send(RespEncoder.utf8("GET", "k"));
        assertEquals(List.of("GET", "k"), promoted.nextCommand(), "the INCR is not resent");
        promoted.reply(bulk("v"));
        assertEquals("v", await(next).asString());
        assertTrue(old.nothingWritten());
        assertEquals(1, client.metrics().connectionsLost());
        assertEquals(1, client.metrics().reconnects());
        client.close();
    }

    @Test
    void aPollThatNoSentinelAnswersKeepsTheConnectionAndPollsAgain() throws Exception {
        CompletableFuture<RedisClient> connecting = connect(config(RedisSentinel.builder("mymaster").sentinel("127.0.0.1", S1)
                .pollInterval(Duration.ofMillis(50)).build()).build());
        FakeTransport sentinel = sentinelUp(S1);
        answer(sentinel, 7001);
        FakeTransport node = nodeUp(7001, MASTER);
        RedisClient client = await(connecting);
        sentinel.lost(new IOException("sentinel restarted"));
        sentinels.nextConnect().lost(new IOException("Connection refused")); // the next poll finds it down
        CompletableFuture<Reply> get = client.send(RespEncoder.utf8("GET", "k"));
        assertEquals(List.of("GET", "k"), node.nextCommand(), "the primary may well be fine: the connection stays");
        node.reply(bulk("v"));
        assertEquals("v", await(get).asString());
        answer(sentinelUp(S1), 7001); // and the one after that asks again
        assertFalse(node.closed);
        assertEquals(0, client.metrics().connectionsLost());
        client.close();
    }

    @Test
    void aReadOnlyReplyAsksTheSentinelsAtOnce() throws Exception {
        CompletableFuture<RedisClient> connecting = connect(config(sentinel().build()).build()); // polls hourly
        FakeTransport sentinel = sentinelUp(S1);
        answer(sentinel, 7001);
        FakeTransport demoted = nodeUp(7001, MASTER);
        RedisClient client = await(connecting);
        CompletableFuture<Reply> set = client.send(RespEncoder.utf8("SET", "k", "v"));
        assertEquals(List.of("SET", "k", "v"), demoted.nextCommand());
        demoted.reply(new Reply.ErrorReply("READONLY You can't write against a read only replica."));
        assertInstanceOf(RedisErrorException.class, failure(set));
        answer(sentinel, 7002);
        answer(sentinel, 7002); // the reconnect
        nodeUp(7002, MASTER);
        assertTrue(demoted.closed);
        client.close();
    }

    @Test
    void closingLeavesNoSentinelConnectionAndNoTimer() throws Exception {
        CompletableFuture<RedisClient> connecting = connect(config(sentinel().pollInterval(Duration.ofMillis(20)).build())
                .idlePing(Duration.ofSeconds(1), Duration.ofSeconds(1)).build());
        FakeTransport sentinel = sentinelUp(S1);
        answer(sentinel, 7001);
        FakeTransport node = nodeUp(7001, MASTER);
        RedisClient client = await(connecting);
        client.send(RespEncoder.utf8("GET", "k")); // a command waiting for its reply: the timeout scan runs
        assertEquals(QUERY, sentinel.nextCommand()); // a poll in flight, never answered
        client.close();
        assertTrue(node.closed);
        for (FakeTransport t : sentinels.made) {
            assertTrue(t.closed, "every sentinel connection is closed");
        }
        assertEquals(0, liveTimers(), "every timer is cancelled");

        // A loop that stops while the first sentinel still connects: that connection is closed too.
        CompletableFuture<RedisClient> second = connect(config(sentinel().queryTimeout(Duration.ofSeconds(30)).build()).build());
        FakeTransport stillConnecting = sentinels.nextConnect();
        loop.close();
        await(loop.terminationFuture());
        assertTrue(stillConnecting.closed);
        assertInstanceOf(RedisClosedException.class, failure(second));
    }

    private static boolean settlesWithin(CompletableFuture<?> f, Duration wait) throws InterruptedException {
        try {
            f.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            return f.isDone();
        }
        return true;
    }

    /** The loop's timers that may still run, counted on its thread. */
    private int liveTimers() throws Exception {
        Field queue = AbstractEventLoop.class.getDeclaredField("scheduled");
        queue.setAccessible(true);
        CompletableFuture<Integer> count = new CompletableFuture<>();
        loop.post(() -> {
            try {
                count.complete((int) ((Collection<?>) queue.get(loop)).stream()
                        .filter(s -> !((ScheduledTask) s).isDone()).count());
            } catch (IllegalAccessException e) {
                count.completeExceptionally(e);
            }
        });
        return await(count);
    }
}
