package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.testkit.NativeRequirement;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both backends, fed the same reply bytes, give the same outcome: the same replies to the
 * same commands and the same failures. The native backend's replies are parsed by hiredis
 * after the shim's checker; the Java backend's by {@link RespDecoder}; nothing but this test
 * ties the two together, so every stream of the corpus (valid, odd and hostile) goes to each
 * backend whole and split in two at every byte (at a few points for the long ones), the
 * second part sent after a pause so that it arrives in a read of its own.
 */
class ReplyStreamDifferentialTest {

    private static final int SPLIT_EVERY_BYTE_UP_TO = 80;

    /** A stream the fake server answers with, and how many commands the client sends first. */
    private record Case(String name, String stream, int commands) {
    }

    private static final List<Case> CORPUS = corpus();

    private static EventLoop nativeLoop;
    private static EventLoop javaLoop;

    @BeforeAll
    static void loops() {
        NativeRequirement.check();
        nativeLoop = EventLoops.createNative();
        javaLoop = EventLoops.createJava();
    }

    @AfterAll
    static void closeLoops() {
        if (nativeLoop != null) {
            nativeLoop.close();
        }
        if (javaLoop != null) {
            javaLoop.close();
        }
    }

    @Test
    void everyStreamGivesTheSameOutcomeOnBothBackendsWholeAndSplitAtEveryByte() throws Exception {
        int runs = 0;
        for (Case c : CORPUS) {
            byte[] bytes = c.stream().getBytes(StandardCharsets.ISO_8859_1);
            List<String> whole = outcome(javaLoop, c, bytes, -1);
            assertEquals(whole, outcome(nativeLoop, c, bytes, -1), c.name() + ": native and Java, whole");
            for (int split : splits(bytes.length)) {
                String where = c.name() + ", split after byte " + split;
                assertEquals(whole, outcome(javaLoop, c, bytes, split), where + ": Java split vs whole");
                assertEquals(whole, outcome(nativeLoop, c, bytes, split), where + ": native split vs whole");
                runs += 2;
            }
        }
        assertTrue(runs > 500, "the corpus was fed " + runs + " times split");
    }

    @Test
    void theCorpusCoversWhatItClaims() throws Exception {
        // A few outcomes spelled out, so that "both equal" cannot hide "both wrong".
        Map<String, List<String>> expected = new LinkedHashMap<>();
        expected.put("integers", List.of("reply IntegerReply[value=0]", "reply IntegerReply[value=-1]",
                "reply IntegerReply[value=9223372036854775807]", "reply IntegerReply[value=-9223372036854775808]"));
        expected.put("top-level error", List.of("failed RedisErrorException: ERR top level"));
        expected.put("negative zero", List.of("failed RedisProtocolException"));
        expected.put("unsolicited after one", List.of("reply SimpleString[value=OK]"));
        for (Case c : CORPUS) {
            if (expected.containsKey(c.name())) {
                byte[] bytes = c.stream().getBytes(StandardCharsets.ISO_8859_1);
                assertEquals(expected.get(c.name()), outcome(nativeLoop, c, bytes, -1), c.name());
            }
        }
    }

    private static List<Integer> splits(int length) {
        List<Integer> splits = new ArrayList<>();
        if (length <= SPLIT_EVERY_BYTE_UP_TO) {
            for (int i = 1; i < length; i++) {
                splits.add(i);
            }
        } else {
            for (int i : new int[] {1, 2, 5, length / 3, length / 2, length - 3, length - 1}) {
                if (i > 0 && i < length && !splits.contains(i)) {
                    splits.add(i);
                }
            }
        }
        return splits;
    }

    /** What the client's futures end with when the server answers its commands with the bytes. */
    private static List<String> outcome(EventLoop loop, Case c, byte[] bytes, int split) throws Exception {
        // Split in two with a pause between, so that the second part arrives in a read of its own.
        try (RedisClientContractTest.FakeServer server = new RedisClientContractTest.FakeServer(in -> bytes, split, 15_000)) {
            RedisConfig config = RedisConfig.builder().host("127.0.0.1").port(server.port())
                    .reconnectPolicy(ReconnectPolicy.NEVER).build();
            RedisClient redis = RedisClient.connect(loop, config).get(10, TimeUnit.SECONDS);
            try {
                // All commands in one turn, so that they leave in one write and the server's
                // one read sees them all before it answers.
                CompletableFuture<List<CompletableFuture<Reply>>> sent = new CompletableFuture<>();
                loop.post(() -> {
                    List<CompletableFuture<Reply>> futures = new ArrayList<>();
                    for (int i = 0; i < c.commands(); i++) {
                        futures.add(redis.send("PING"));
                    }
                    sent.complete(futures);
                });
                List<String> outcome = new ArrayList<>();
                for (CompletableFuture<Reply> f : sent.get(10, TimeUnit.SECONDS)) {
                    outcome.add(describe(() -> f));
                }
                return outcome;
            } finally {
                redis.close();
            }
        }
    }

    private static String describe(Supplier<CompletableFuture<Reply>> future) throws InterruptedException {
        try {
            return "reply " + future.get().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            // The server's text is the same bytes on both; the client's own messages may differ.
            return "failed " + cause.getClass().getSimpleName()
                    + (cause instanceof RedisErrorException ? ": " + cause.getMessage() : "");
        } catch (TimeoutException e) {
            return "no outcome within 10 s";
        }
    }

    private static List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        // Valid and odd.
        cases.add(new Case("status", "+OK\r\n", 1));
        cases.add(new Case("integers", ":0\r\n:-1\r\n:9223372036854775807\r\n:-9223372036854775808\r\n", 4));
        cases.add(new Case("empty bulk", "$0\r\n\r\n", 1));
        cases.add(new Case("nils", "$-1\r\n*-1\r\n", 2));
        cases.add(new Case("empty array", "*0\r\n", 1));
        cases.add(new Case("nested", "*3\r\n$1\r\na\r\n:2\r\n*2\r\n+x\r\n$-1\r\n", 1));
        cases.add(new Case("error inside an array, CR LF inside a bulk", "*2\r\n-ERR inner\r\n$2\r\n\r\n\r\n", 1));
        cases.add(new Case("top-level error", "-ERR top level\r\n", 1));
        cases.add(new Case("binary bulk", "$5\r\n\u0000\u00ff\r\n\u0001\r\n", 1));
        cases.add(new Case("utf-8 status", "+caf\u00c3\u00a9\r\n", 1));
        cases.add(new Case("31 levels", "*1\r\n".repeat(31) + ":1\r\n", 1));
        cases.add(new Case("a 100 KiB bulk", "$102400\r\n" + "v".repeat(102400) + "\r\n", 1));
        cases.add(new Case("many small", ":1\r\n".repeat(300), 300));
        // Hostile: refused alike, after the replies before the bad bytes.
        cases.add(new Case("negative zero", ":-0\r\n", 1));
        cases.add(new Case("negative zero length", "+A\r\n$-0\r\n", 2));
        cases.add(new Case("negative zero count", "*-0\r\n", 1));
        cases.add(new Case("leading zero", ":007\r\n", 1));
        cases.add(new Case("leading zero length", "$01\r\na\r\n", 1));
        cases.add(new Case("33 levels", "*1\r\n".repeat(33) + ":1\r\n", 1));
        cases.add(new Case("absurd bulk length", "$999999999999\r\n", 1));
        cases.add(new Case("bulk over 512 MiB", "$536870913\r\n", 1));
        cases.add(new Case("absurd array count", "*4294967295\r\n", 1));
        cases.add(new Case("unknown type", ":1\r\n!bogus\r\n", 2));
        cases.add(new Case("RESP3 blob error", "!21\r\nSYNTAX invalid syntax\r\n", 1));
        cases.add(new Case("letter in a number", ":12a\r\n", 1));
        cases.add(new Case("no CR LF after a bulk", "$3\r\nabcXY", 1));
        cases.add(new Case("bare LF", "+OK\n", 1));
        cases.add(new Case("line over 64 KiB", "+" + "x".repeat(65 * 1024) + "\r\n", 1));
        cases.add(new Case("unsolicited after one", "+OK\r\n+UNASKED\r\n", 1));
        return cases;
    }
}
