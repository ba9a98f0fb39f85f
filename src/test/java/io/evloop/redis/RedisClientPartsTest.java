package io.evloop.redis;

import static io.evloop.TestFutures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.TestFutures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The parts of {@link RedisClient}, each on its own and then together over a
 * {@link FakeTransport}: no redis-server, so every ordering and failure can be played
 * exactly. The contract suites check the same client against real servers on both loops.
 */
class RedisClientPartsTest {

    private final EventLoop loop = EventLoops.createJava();

    @AfterEach
    void stopLoop() {
        loop.close();
    }

    private static byte[][] argv(String... args) {
        return RespEncoder.utf8(args);
    }

    private Command command(String name) {
        return new Command(loop, argv(name), 0, false, false);
    }

    // ---- PendingCommands ------------------------------------------------------------------

    @Test
    void pendingCommandsKeepWriteOrderWhileTheRingGrows() {
        PendingCommands pending = new PendingCommands();
        List<Command> written = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            Command c = command("C" + i);
            written.add(c);
            pending.add(c);
            if (i % 3 == 0) {
                assertSame(written.remove(0), pending.poll()); // the front leaves while the ring grows
            }
        }
        assertEquals(written.size(), pending.size());
        for (int i = 0; i < written.size(); i++) {
            assertSame(written.get(i), pending.get(pending.head() + i));
        }
        for (Command c : written) {
            assertSame(c, pending.poll());
        }
        assertEquals(null, pending.poll());
        assertEquals(pending.head(), pending.tail());
    }

    @Test
    void pendingCommandsAreAllDoneOnlyWhenEachHasItsOutcome() {
        PendingCommands pending = new PendingCommands();
        Command a = command("A");
        Command b = command("B");
        pending.add(a);
        pending.add(b);
        assertFalse(pending.allDone());
        a.complete(Reply.NIL);
        assertFalse(pending.allDone());
        b.completeExceptionally(new RedisTimeoutException("late"));
        assertTrue(pending.allDone());
    }

    // ---- InFlightCount --------------------------------------------------------------------

    @Test
    void inFlightCountRefusesPastTheLimitAndSeesEveryRelease() {
        InFlightCount count = new InFlightCount();
        assertTrue(count.tryTake(3, 4));
        assertFalse(count.tryTake(2, 4), "5 > 4: refused, nothing taken");
        assertEquals(3, count.get());
        assertTrue(count.tryTake(1, 4));
        assertFalse(count.tryTake(1, 4));
        count.release(1); // the sender's bound is stale now: it must read the release
        assertTrue(count.tryTake(1, 4));
        count.giveBack(1);
        assertEquals(3, count.get());
        count.release(3);
        assertEquals(0, count.get());
        assertTrue(count.tryTake(4, 4), "every place is free again");
        assertEquals(4, count.get());
    }

    @Test
    void inFlightCountReleasedOnOneThreadIsRoomOnAnother() throws Exception {
        InFlightCount count = new InFlightCount();
        int max = 8;
        int commands = 200_000;
        // What the benchmark's producers do: a permit comes back only after its command was
        // released, so a sender holding one must always find room.
        java.util.concurrent.Semaphore freed = new java.util.concurrent.Semaphore(max);
        java.util.concurrent.LinkedBlockingQueue<Integer> taken = new java.util.concurrent.LinkedBlockingQueue<>();
        Thread releaser = new Thread(() -> {
            try {
                for (int i = 0; i < commands; i++) {
                    taken.take();
                    count.release(1);
                    freed.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        releaser.start();
        int refused = 0;
        for (int i = 0; i < commands; i++) {
            freed.acquire();
            if (!count.tryTake(1, max)) {
                refused++;
                freed.release();
                i--;
                continue;
            }
            taken.put(i);
        }
        releaser.join(TimeUnit.SECONDS.toMillis(30));
        assertEquals(0, refused, "a sender that saw a release was refused");
        assertEquals(0, count.get());
    }

    // ---- Handshake ------------------------------------------------------------------------

    @Test
    void handshakeRunsWhatIsConfiguredInOrderAndNeverShowsThePassword() {
        RedisConfig all = RedisConfig.builder().host("127.0.0.1").port(1).user("app").password("s3cret")
                .database(3).clientName("svc").readOnly(true).build();
        List<Handshake.Step> steps = Handshake.steps(all);
        assertEquals(List.of(List.of("AUTH", "app", "s3cret"), List.of("SELECT", "3"), List.of("CLIENT", "SETNAME", "svc"),
                List.of("READONLY")), steps.stream().map(s -> strings(s.argv())).toList());
        assertEquals(List.of("AUTH", "SELECT", "CLIENT SETNAME", "READONLY"), steps.stream().map(Handshake.Step::shownName).toList());

        RedisConfig passwordOnly = RedisConfig.builder().host("127.0.0.1").port(1).password("pw").build();
        assertEquals(List.of(List.of("AUTH", "pw")), Handshake.steps(passwordOnly).stream().map(s -> strings(s.argv())).toList());
        assertEquals(List.of(), Handshake.steps(RedisConfig.builder().host("127.0.0.1").port(1).build()));
    }

    private static List<String> strings(byte[][] argv) {
        List<String> out = new ArrayList<>();
        for (byte[] a : argv) {
            out.add(new String(a, java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    // ---- Deadlines ------------------------------------------------------------------------

    @Test
    void deadlinesExpireWatchedCommandsInOrderAndPassOverTheOthers() {
        PendingCommands pending = new PendingCommands();
        ArrayDeque<Command> waiting = new ArrayDeque<>();
        Deadlines deadlines = new Deadlines();
        assertTrue(deadlines.next(pending, waiting).isEmpty());

        Command ownTimer = new Command(loop, argv("OWN"), 5, true, false);
        Command internal = new Command(loop, argv("PING"), 0, false, true);
        Command first = command("FIRST");
        Command done = command("DONE");
        Command second = command("SECOND");
        ownTimer.deadline = 1;
        internal.deadline = 1;
        first.deadline = 100;
        done.deadline = 150;
        done.complete(Reply.NIL);
        second.deadline = 200;
        for (Command c : List.of(ownTimer, internal, first, done, second)) {
            pending.add(c);
        }
        Command queued = command("QUEUED");
        queued.deadline = 50;
        waiting.add(queued);

        assertEquals(50, deadlines.next(pending, waiting).getAsLong(), "the waiting command's deadline is earlier");
        List<String> expired = new ArrayList<>();
        List<String> expiredWaiting = new ArrayList<>();
        deadlines.expire(99, pending, waiting, c -> expired.add(c.name()), c -> expiredWaiting.add(c.name()));
        assertEquals(List.of(), expired);
        assertEquals(List.of("QUEUED"), expiredWaiting);
        assertTrue(waiting.isEmpty());

        deadlines.expire(100, pending, waiting, c -> {
            expired.add(c.name());
            c.complete(Reply.NIL);
        }, c -> expiredWaiting.add(c.name()));
        assertEquals(List.of("FIRST"), expired);
        assertEquals(200, deadlines.next(pending, waiting).getAsLong());
        assertEquals(5, pending.size(), "expired commands stay queued to absorb their replies");
    }

    // ---- SubmissionQueue ------------------------------------------------------------------

    @Test
    void submissionsFromManyThreadsAreDispatchedOnceEachInPerThreadOrder() throws Exception {
        int threads = 4;
        int perThread = 3 * SubmissionQueue.MAX_PER_DRAIN; // more than a drain takes at once
        Map<Command, Integer> dispatchedTimes = new ConcurrentHashMap<>();
        List<List<Integer>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            seen.add(Collections.synchronizedList(new ArrayList<>()));
        }
        CountDownLatch all = new CountDownLatch(threads * perThread);
        SubmissionQueue queue = new SubmissionQueue(loop, c -> {
            assertTrue(loop.inLoopThread());
            dispatchedTimes.merge(c, 1, Integer::sum);
            String[] parts = c.name().split("/");
            seen.get(Integer.parseInt(parts[0])).add(Integer.parseInt(parts[1]));
            all.countDown();
        });
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread producer = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    assertTrue(queue.offer(command(id + "/" + i)));
                }
            }, "producer-" + id);
            producer.start();
            producers.add(producer);
        }
        producers.forEach(TestFutures::join);
        TestFutures.await(all);
        assertEquals(threads * perThread, dispatchedTimes.size());
        assertTrue(dispatchedTimes.values().stream().allMatch(n -> n == 1));
        for (List<Integer> order : seen) {
            for (int i = 0; i < perThread; i++) {
                assertEquals(i, order.get(i));
            }
        }
    }

    @Test
    void aClosedQueueHandsQueuedCommandsToTheFailerAndLaterOnesBackToTheirProducer() throws Exception {
        List<Command> dispatched = Collections.synchronizedList(new ArrayList<>());
        SubmissionQueue queue = new SubmissionQueue(loop, dispatched::add);
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        loop.post(() -> {
            blocked.countDown();
            TestFutures.await(release); // holds the loop so that the offer below stays queued
        });
        TestFutures.await(blocked);
        List<Command> failed = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> closed = new CompletableFuture<>();
        loop.post(() -> { // runs before the drain the offer below posts
            queue.close(failed::add);
            closed.complete(null);
        });
        Command queued = command("QUEUED");
        assertTrue(queue.offer(queued), "not closed yet when offered");
        release.countDown();
        await(closed);
        assertEquals(List.of(queued), failed);
        for (int i = 0; i < 100; i++) {
            Command late = command("LATE");
            boolean queuedForTheLoop = queue.offer(late);
            CompletableFuture<Void> turn = new CompletableFuture<>();
            loop.post(() -> turn.complete(null));
            await(turn);
            // Either the producer claimed it back (and fails it) or the loop's drain failed it.
            assertEquals(queuedForTheLoop, failed.contains(late), "late command " + i);
            assertFalse(late.claim(), "claimed exactly once");
        }
        assertEquals(List.of(), dispatched);
    }

    // ---- RedisClient over a fake transport -----------------------------------------------

    private RedisConfig.Builder config() {
        return RedisConfig.builder().host("127.0.0.1").port(6390).commandTimeout(Duration.ofSeconds(10));
    }

    private record Connected(RedisClient client, FakeTransport.Factory transports, FakeTransport transport) {
    }

    private Connected connect(RedisConfig config) throws Exception {
        FakeTransport.Factory transports = new FakeTransport.Factory(loop);
        CompletableFuture<RedisClient> connecting = RedisClient.connect(loop, config, transports::get);
        FakeTransport t = transports.nextConnect();
        assertEquals(new InetSocketAddress("127.0.0.1", 6390), t.address);
        t.connected();
        return new Connected(await(connecting), transports, t);
    }

    @Test
    void repliesCompleteTheCommandsInTheOrderTheyWereWritten() throws Exception {
        Connected c = connect(config().build());
        List<CompletableFuture<Reply>> futures = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            futures.add(c.client().send(argv("GET", "k" + i)));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals(List.of("GET", "k" + i), c.transport().nextCommand());
        }
        for (int i = 0; i < 100; i++) {
            c.transport().reply(new Reply.BulkString(("v" + i).getBytes()));
        }
        for (int i = 0; i < 100; i++) {
            assertEquals("v" + i, await(futures.get(i)).asString());
        }
        assertEquals(100, c.client().metrics().replies());
        c.client().close();
    }

    @Test
    void theHandshakeRunsFirstAndItsFailureNamesTheStepWithoutThePassword() throws Exception {
        FakeTransport.Factory transports = new FakeTransport.Factory(loop);
        CompletableFuture<RedisClient> connecting = RedisClient.connect(loop,
                config().password("hunter2").database(2).reconnectPolicy(ReconnectPolicy.NEVER).build(), transports::get);
        FakeTransport t = transports.nextConnect();
        t.connected();
        assertEquals(List.of("AUTH", "hunter2"), t.nextCommand());
        assertEquals(List.of("SELECT", "2"), t.nextCommand());
        t.reply(new Reply.ErrorReply("WRONGPASS invalid username-password pair"));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> connecting.get(10, TimeUnit.SECONDS));
        RedisConnectionException cause = assertInstanceOf(RedisConnectionException.class, failed.getCause());
        assertTrue(cause.getMessage().contains("AUTH during the handshake"), cause.getMessage());
        assertFalse(cause.getMessage().contains("hunter2"), cause.getMessage());
        assertTrue(t.closed);
    }

    @Test
    void credentialsFromAProviderAreAskedForOnEveryConnection() throws Exception {
        java.util.concurrent.atomic.AtomicInteger round = new java.util.concurrent.atomic.AtomicInteger();
        RedisConfig config = config().credentials(() -> CompletableFuture.completedFuture(
                        new RedisCredentials("app", "pw-" + round.incrementAndGet())))
                .reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(10), Duration.ofMillis(10))).build();
        FakeTransport.Factory transports = new FakeTransport.Factory(loop);
        CompletableFuture<RedisClient> connecting = RedisClient.connect(loop, config, transports::get);
        FakeTransport first = transports.nextConnect();
        first.connected();
        assertEquals(List.of("AUTH", "app", "pw-1"), first.nextCommand());
        first.reply(new Reply.SimpleString("OK"));
        RedisClient client = await(connecting);
        first.lost(new IOException("reset"));
        FakeTransport second = transports.nextConnect();
        second.connected();
        assertEquals(List.of("AUTH", "app", "pw-2"), second.nextCommand());
        client.close();
    }

    @Test
    void aFailingCredentialsProviderFailsTheConnectWithItsReason() throws Exception {
        RedisConfig config = config().credentials(() -> CompletableFuture.failedFuture(new IllegalStateException("vault sealed")))
                .reconnectPolicy(ReconnectPolicy.NEVER).build();
        FakeTransport.Factory transports = new FakeTransport.Factory(loop);
        CompletableFuture<RedisClient> connecting = RedisClient.connect(loop, config, transports::get);
        FakeTransport t = transports.nextConnect();
        t.connected();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> connecting.get(10, TimeUnit.SECONDS));
        assertTrue(failed.getCause().getMessage().contains("credentials provider"), failed.getCause().getMessage());
        assertTrue(failed.getCause().getMessage().contains("vault sealed"), failed.getCause().getMessage());
        assertTrue(t.nothingWritten(), "no AUTH without credentials");
    }

    @Test
    void aTransactionIsWrittenWholeAndANilExecAbortsEveryCommand() throws Exception {
        Connected c = connect(config().build());
        CompletableFuture<Reply> before = c.client().send(argv("GET", "before"));
        RedisTransaction tx = c.client().transaction().watch("k");
        CompletableFuture<Reply> set = tx.send("SET", "k", "v");
        CompletableFuture<Reply> incr = tx.send("INCR", "n");
        CompletableFuture<List<Reply>> exec = tx.exec();
        assertEquals(List.of("GET", "before"), c.transport().nextCommand());
        for (List<String> expected : List.of(List.of("WATCH", "k"), List.of("MULTI"), List.of("SET", "k", "v"),
                List.of("INCR", "n"), List.of("EXEC"))) {
            assertEquals(expected, c.transport().nextCommand());
        }
        c.transport().reply(Reply.NIL); // GET before
        c.transport().reply(new Reply.SimpleString("OK")); // WATCH
        c.transport().reply(new Reply.SimpleString("OK")); // MULTI
        c.transport().reply(new Reply.SimpleString("QUEUED"));
        c.transport().reply(new Reply.SimpleString("QUEUED"));
        c.transport().reply(Reply.NIL); // EXEC: a watched key changed
        assertEquals(Reply.NIL, await(before));
        for (CompletableFuture<?> f : List.of(set, incr, exec)) {
            ExecutionException aborted = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertInstanceOf(RedisTransactionAbortedException.class, aborted.getCause());
        }
        assertEquals(1, c.client().metrics().commandsWritten() - 1, "a transaction counts as one command (EXEC)");
        c.client().close();
    }

    @Test
    void aTransactionOnALostConnectionFailsEveryFuture() throws Exception {
        Connected c = connect(config().reconnectPolicy(ReconnectPolicy.NEVER).build());
        RedisTransaction tx = c.client().transaction();
        CompletableFuture<Reply> one = tx.send("INCR", "n");
        CompletableFuture<List<Reply>> exec = tx.exec();
        c.transport().nextCommand();
        c.transport().lost(new IOException("reset"));
        for (CompletableFuture<?> f : List.of(one, exec)) {
            ExecutionException lost = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
            assertInstanceOf(RedisConnectionException.class, lost.getCause());
        }
        c.client().close();
    }

    @Test
    void aLateReplyToATimedOutCommandIsAbsorbedAndNeverReachesTheNext() throws Exception {
        Connected c = connect(config().build());
        CompletableFuture<Reply> slow = c.client().send(Duration.ofMillis(50), argv("GET", "slow"));
        assertEquals(List.of("GET", "slow"), c.transport().nextCommand());
        ExecutionException timedOut = assertThrows(ExecutionException.class, () -> slow.get(10, TimeUnit.SECONDS));
        assertInstanceOf(RedisTimeoutException.class, timedOut.getCause());
        CompletableFuture<Reply> next = c.client().send(argv("GET", "next"));
        assertEquals(List.of("GET", "next"), c.transport().nextCommand());
        c.transport().reply(new Reply.BulkString("slow-value".getBytes()));
        c.transport().reply(new Reply.BulkString("next-value".getBytes()));
        assertEquals("next-value", await(next).asString());
        assertEquals(1, c.client().metrics().timeouts());
        c.client().close();
    }

    @Test
    void aLostConnectionFailsWhatWasWrittenAndTheReconnectWritesWhatWaited() throws Exception {
        Connected c = connect(config().reconnectPolicy(new ReconnectPolicy(true, Duration.ofMillis(10), Duration.ofMillis(10)))
                .waitForReconnect(true).build());
        CompletableFuture<Reply> written = c.client().send(argv("INCR", "n"));
        assertEquals(List.of("INCR", "n"), c.transport().nextCommand());
        c.transport().lost(new IOException("connection reset by peer"));
        ExecutionException lost = assertThrows(ExecutionException.class, () -> written.get(10, TimeUnit.SECONDS));
        RedisConnectionException cause = assertInstanceOf(RedisConnectionException.class, lost.getCause());
        assertTrue(cause.getMessage().contains("may or may not have run"), cause.getMessage());

        CompletableFuture<Reply> waited = c.client().send(argv("GET", "k"));
        FakeTransport second = c.transports().nextConnect();
        assertTrue(second.nothingWritten(), "nothing is written before the new connection is up");
        second.connected();
        assertEquals(List.of("GET", "k"), second.nextCommand(), "the INCR is never resent");
        second.reply(new Reply.BulkString("v".getBytes()));
        assertEquals("v", await(waited).asString());
        assertEquals(1, c.client().metrics().connectionsLost());
        assertEquals(1, c.client().metrics().reconnects());
        c.client().close();
    }

    @Test
    void anUnsolicitedReplyClosesTheConnectionAsAProtocolError() throws Exception {
        Connected c = connect(config().reconnectPolicy(ReconnectPolicy.NEVER).build());
        c.transport().reply(new Reply.SimpleString("OK"));
        CompletableFuture<Reply> after = c.client().send(argv("GET", "k"));
        ExecutionException failed = assertThrows(ExecutionException.class, () -> after.get(10, TimeUnit.SECONDS));
        assertInstanceOf(RedisConnectionException.class, failed.getCause());
        assertTrue(c.transport().closed);
        c.client().close();
    }
}
