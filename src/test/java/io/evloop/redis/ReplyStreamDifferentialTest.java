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
import java.util.concurrent.CopyOnWriteArrayList;
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
 *
 * <p>The corpus holds RESP2 and RESP3 streams. An outcome is what each command's future ends
 * with, in order, then each push message the client's push listener received, in order. In
 * the corpus every push is followed by a reply to a command, so that once the last command's
 * future is done every push before it has been handed to the listener.
 */
class ReplyStreamDifferentialTest {

    private static final int SPLIT_EVERY_BYTE_UP_TO = 80;

    /**
     * A stream the fake server answers with, how many commands the client sends first, and
     * the client's {@link RedisConfig#maxReplyBytes()} (0 for the default).
     */
    private record Case(String name, String stream, int commands, long maxReplyBytes) {
        Case(String name, String stream, int commands) {
            this(name, stream, commands, 0);
        }
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
        expected.put("null", List.of("reply Nil"));
        expected.put("booleans", List.of("reply BooleanReply[value=true]", "reply BooleanReply[value=false]"));
        expected.put("inf, -inf and nan", List.of("reply DoubleReply[value=Infinity]",
                "reply DoubleReply[value=-Infinity]", "reply DoubleReply[value=NaN]"));
        expected.put("doubles", List.of("reply DoubleReply[value=1.5]", "reply DoubleReply[value=-2.5E-4]",
                "reply DoubleReply[value=10.0]", "reply DoubleReply[value=750.0]", "reply DoubleReply[value=0.0]",
                "reply DoubleReply[value=-0.0]", "reply DoubleReply[value=1.7976931348623157E308]"));
        expected.put("big numbers", List.of("reply BigNumberReply[value=0]",
                "reply BigNumberReply[value=3492890328409238509324850943850943825024385]",
                "reply BigNumberReply[value=-12345678901234567890]"));
        expected.put("verbatim strings", List.of("reply VerbatimString[txt, BulkString[11 bytes \"Some string\"]]",
                "reply VerbatimString[mkd, BulkString[0 bytes \"\"]]",
                "reply VerbatimString[txt, BulkString[4 bytes \"a\\r\\nb\"]]"));
        expected.put("map of sets of doubles", List.of("reply MapReply[keysAndValues=[SimpleString[value=a],"
                + " SetReply[elements=[DoubleReply[value=1.5], DoubleReply[value=Infinity]]], SimpleString[value=b],"
                + " SetReply[elements=[DoubleReply[value=-0.5]]]]]"));
        expected.put("attribute at top level", List.of("reply AttributedReply[attributes=MapReply[keysAndValues="
                + "[SimpleString[value=key-popularity], MapReply[keysAndValues=[BulkString[1 byte \"a\"],"
                + " DoubleReply[value=0.1923], BulkString[1 byte \"b\"], DoubleReply[value=0.0012]]]]],"
                + " value=ArrayReply[elements=[IntegerReply[value=2039123], IntegerReply[value=9543892]]]]"));
        expected.put("attribute nested", List.of("reply ArrayReply[elements=[IntegerReply[value=1],"
                + " AttributedReply[attributes=MapReply[keysAndValues=[SimpleString[value=ttl], IntegerReply[value=3600]]],"
                + " value=IntegerReply[value=2]], MapReply[keysAndValues=[AttributedReply[attributes=MapReply["
                + "keysAndValues=[]], value=SimpleString[value=k]], SimpleString[value=v]]]]]"));
        expected.put("attribute before an error", List.of("failed RedisErrorException: ERR after an attribute"));
        expected.put("push between replies", List.of("reply SimpleString[value=OK]", "reply IntegerReply[value=1]",
                "push PushReply[elements=[BulkString[7 bytes \"message\"], BulkString[2 bytes \"ch\"],"
                        + " BulkString[5 bytes \"hello\"]]]"));
        expected.put("push after an attribute", List.of("reply SimpleString[value=OK]",
                "push PushReply[elements=[SimpleString[value=x]]]"));
        expected.put("push then a bad reply", List.of("reply SimpleString[value=OK]", "failed RedisProtocolException",
                "push PushReply[elements=[SimpleString[value=x]]]"));
        expected.put("attribute within the size limit", List.of("reply AttributedReply[attributes=MapReply["
                + "keysAndValues=[SimpleString[value=aaaa], SimpleString[value=bbbb]]], value=IntegerReply[value=1]]"));
        expected.put("attribute over the size limit", List.of("failed RedisProtocolException"));
        expected.put("push in an attribute", List.of("failed RedisProtocolException"));
        expected.put("double overflow", List.of("failed RedisProtocolException"));
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
            // Called on the loop thread; read here after the futures, which completed after it.
            List<Reply.PushReply> pushes = new CopyOnWriteArrayList<>();
            RedisConfig.Builder builder = RedisConfig.builder().host("127.0.0.1").port(server.port())
                    .reconnectPolicy(ReconnectPolicy.NEVER).pushListener(pushes::add);
            if (c.maxReplyBytes() > 0) {
                builder.maxReplyBytes(c.maxReplyBytes());
            }
            RedisConfig config = builder.build();
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
                for (Reply.PushReply push : pushes) {
                    outcome.add("push " + push);
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
        cases.add(new Case("an attribute before a push no command waits for", "+OK\r\n|1\r\n+k\r\n+v\r\n>2\r\n+message\r\n+x\r\n+LAST\r\n", 2));
        cases.add(new Case("an attribute before a reply no command waits for", "+OK\r\n|1\r\n+k\r\n+v\r\n+UNASKED\r\n", 1));
        cases.add(new Case("RESP3 blob error", "!21\r\nSYNTAX invalid syntax\r\n", 1));
        cases.add(new Case("letter in a number", ":12a\r\n", 1));
        cases.add(new Case("no CR LF after a bulk", "$3\r\nabcXY", 1));
        cases.add(new Case("bare LF", "+OK\n", 1));
        cases.add(new Case("line over 64 KiB", "+" + "x".repeat(65 * 1024) + "\r\n", 1));
        cases.add(new Case("unsolicited after one", "+OK\r\n+UNASKED\r\n", 1));
        cases.add(new Case("bulk over the size limit", "$20\r\n" + "b".repeat(20) + "\r\n", 1, 26));
        resp3(cases);
        return cases;
    }

    private static void resp3(List<Case> cases) {
        // RESP3, valid: every type, the edges of each, nested combinations, attributes with
        // their values (top level, nested, in a row, empty, before a push, where it is dropped),
        // pushes at top level between replies.
        cases.add(new Case("null", "_\r\n", 1));
        cases.add(new Case("booleans", "#t\r\n#f\r\n", 2));
        cases.add(new Case("doubles", ",1.5\r\n,-0.25e-3\r\n,10\r\n,007.50E+2\r\n,1e-400\r\n,-0\r\n"
                + ",1.7976931348623157e308\r\n", 7));
        cases.add(new Case("inf, -inf and nan", ",inf\r\n,-inf\r\n,nan\r\n", 3));
        cases.add(new Case("double of 32 characters", ",-" + "1".repeat(15) + "." + "2".repeat(11) + "e-01\r\n", 1));
        cases.add(new Case("big numbers", "(0\r\n(3492890328409238509324850943850943825024385\r\n"
                + "(-12345678901234567890\r\n", 3));
        cases.add(new Case("big number of 1024 characters", "(-" + "9".repeat(1023) + "\r\n", 1));
        cases.add(new Case("verbatim strings", "=15\r\ntxt:Some string\r\n=4\r\nmkd:\r\n=8\r\ntxt:a\r\nb\r\n", 3));
        cases.add(new Case("map", "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n_\r\n", 1));
        cases.add(new Case("set", "~3\r\n:1\r\n#f\r\n+x\r\n", 1));
        cases.add(new Case("empty map and set", "%0\r\n~0\r\n", 2));
        cases.add(new Case("map of sets of doubles", "%2\r\n+a\r\n~2\r\n,1.5\r\n,inf\r\n+b\r\n~1\r\n,-0.5\r\n", 1));
        cases.add(new Case("array of maps of big numbers and verbatim strings",
                "*2\r\n%1\r\n(1\r\n=5\r\ntxt:x\r\n%1\r\n#t\r\n~0\r\n", 1));
        cases.add(new Case("set of arrays of maps", "~1\r\n*1\r\n%1\r\n_\r\n,nan\r\n", 1));
        cases.add(new Case("RESP2 and RESP3 interleaved", "+OK\r\n%1\r\n$1\r\nk\r\n*1\r\n:1\r\n$-1\r\n#f\r\n", 4));
        cases.add(new Case("attribute at top level", "|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n"
                + "$1\r\nb\r\n,0.0012\r\n*2\r\n:2039123\r\n:9543892\r\n", 1));
        cases.add(new Case("attribute nested", "*3\r\n:1\r\n|1\r\n+ttl\r\n:3600\r\n:2\r\n%1\r\n|0\r\n+k\r\n+v\r\n", 1));
        cases.add(new Case("attributes in a row, one empty", "|0\r\n|1\r\n+a\r\n+b\r\n+OK\r\n", 1));
        cases.add(new Case("attribute holding every kind", "|2\r\n~1\r\n:1\r\n%1\r\n:2\r\n(3\r\n*1\r\n_\r\n"
                + "=5\r\ntxt:x\r\n,1\r\n", 1));
        cases.add(new Case("attribute before an error", "|1\r\n+a\r\n+b\r\n-ERR after an attribute\r\n", 1));
        cases.add(new Case("push between replies", "+OK\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n:1\r\n", 2));
        cases.add(new Case("pushes around an attributed reply", ">2\r\n+invalidate\r\n*1\r\n$1\r\nk\r\n"
                + "|1\r\n+a\r\n+b\r\n:5\r\n>1\r\n+x\r\n+OK\r\n", 2));
        cases.add(new Case("push after an attribute", "|1\r\n+a\r\n+b\r\n>1\r\n+x\r\n+OK\r\n", 1));
        cases.add(new Case("push of nested aggregates", ">2\r\n+message\r\n%1\r\n~1\r\n,1\r\n*0\r\n:1\r\n", 1));
        cases.add(new Case("push with an attribute inside", ">2\r\n+message\r\n|1\r\n+a\r\n+b\r\n+x\r\n:1\r\n", 1));
        String everyKind = ">1\r\n%1\r\n+k\r\n~1\r\n|1\r\n+a\r\n"; // push, map, set, attribute: 4 levels
        cases.add(new Case("32 levels of every kind", everyKind + "*1\r\n".repeat(28) + ":1\r\n:7\r\n+OK\r\n", 1));
        cases.add(new Case("empty map and attribute at the depth limit",
                "*1\r\n".repeat(32) + "%0\r\n" + "*1\r\n".repeat(32) + "|0\r\n~0\r\n", 2));
        cases.add(new Case("attribute within the size limit", "|1\r\n+aaaa\r\n+bbbb\r\n:1\r\n", 1, 22));
        // RESP3, hostile: each rule's refusal, after the replies before the bad bytes.
        cases.add(new Case("attribute over the size limit", "|1\r\n+aaaa\r\n+bbbb\r\n:1\r\n", 1, 21));
        cases.add(new Case("null with a byte", "_x\r\n", 1));
        cases.add(new Case("null with LF only", "_\n", 1));
        cases.add(new Case("boolean upper case", "#T\r\n", 1));
        cases.add(new Case("boolean word", "#true\r\n", 1));
        cases.add(new Case("boolean empty", "#\r\n", 1));
        cases.add(new Case("double empty", ",\r\n", 1));
        cases.add(new Case("double with a plus", ",+1\r\n", 1));
        cases.add(new Case("double trailing dot", ",1.\r\n", 1));
        cases.add(new Case("double leading dot", ",.5\r\n", 1));
        cases.add(new Case("double exponent without digits", ",1e+\r\n", 1));
        cases.add(new Case("double Inf", ",Inf\r\n", 1));
        cases.add(new Case("double +inf", ",+inf\r\n", 1));
        cases.add(new Case("double -nan", ",-nan\r\n", 1));
        cases.add(new Case("double infinity", ",infinity\r\n", 1));
        cases.add(new Case("double hex", ",0x1p3\r\n", 1));
        cases.add(new Case("double overflow", ",1e400\r\n", 1));
        cases.add(new Case("double of 33 characters", ",1" + "0".repeat(31) + "1\r\n", 1));
        cases.add(new Case("big number empty", "(\r\n", 1));
        cases.add(new Case("big number minus only", "(-\r\n", 1));
        cases.add(new Case("big number leading zero", "(01\r\n", 1));
        cases.add(new Case("big number -0", "(-0\r\n", 1));
        cases.add(new Case("big number with a plus", "(+1\r\n", 1));
        cases.add(new Case("big number fraction", "(1.5\r\n", 1));
        cases.add(new Case("big number of 1025 characters", "(-" + "9".repeat(1024) + "\r\n", 1));
        cases.add(new Case("verbatim nil", "=-1\r\n", 1));
        cases.add(new Case("verbatim shorter than its format", "=3\r\ntxt\r\n", 1));
        cases.add(new Case("verbatim without colon", "=5\r\ntxt;x\r\n", 1));
        cases.add(new Case("verbatim leading zero", "=05\r\ntxt:x\r\n", 1));
        cases.add(new Case("verbatim over 512 MiB", "=536870913\r\n", 1));
        cases.add(new Case("verbatim without CR LF", "=5\r\ntxt:xyz\r\n", 1));
        cases.add(new Case("map nil", "%-1\r\n", 1));
        cases.add(new Case("map over half the array limit", "%8388609\r\n", 1));
        cases.add(new Case("map -0", "%-0\r\n", 1));
        cases.add(new Case("set nil", "~-1\r\n", 1));
        cases.add(new Case("set over the array limit", "~16777217\r\n", 1));
        cases.add(new Case("push empty", ">0\r\n", 1));
        cases.add(new Case("push nil", ">-1\r\n", 1));
        cases.add(new Case("push in an array", "*1\r\n>1\r\n+x\r\n", 1));
        cases.add(new Case("push in a push", ">2\r\n+message\r\n>1\r\n+x\r\n+OK\r\n", 1));
        cases.add(new Case("push in a map", "%1\r\n+k\r\n>1\r\n+x\r\n", 1));
        cases.add(new Case("push in a set", "~1\r\n>1\r\n+x\r\n", 1));
        cases.add(new Case("push in an attribute", "|1\r\n>1\r\n+x\r\n+v\r\n:1\r\n", 1));
        cases.add(new Case("attribute nil", "|-1\r\n", 1));
        cases.add(new Case("attribute over half the array limit", "|8388609\r\n", 1));
        cases.add(new Case("attribute in an attribute", "|1\r\n|0\r\n+k\r\n+v\r\n:1\r\n", 1));
        cases.add(new Case("attribute as an attribute's value", "|1\r\n+k\r\n|1\r\n+a\r\n+b\r\n+v\r\n:1\r\n", 1));
        cases.add(new Case("attribute deep in an attribute", "|1\r\n+k\r\n*1\r\n%1\r\n|0\r\n+a\r\n+b\r\n:1\r\n", 1));
        cases.add(new Case("33 levels of every kind", everyKind + "*1\r\n".repeat(29) + ":1\r\n:7\r\n+OK\r\n", 1));
        cases.add(new Case("33 levels of maps", "%1\r\n+k\r\n".repeat(33) + ":1\r\n", 1));
        cases.add(new Case("blob error", "!21\r\nSYNTAX invalid syntax\r\n", 1));
        cases.add(new Case("streamed string", "$?\r\n;4\r\nHell\r\n;0\r\n", 1));
        cases.add(new Case("streamed array", "*?\r\n:1\r\n.\r\n", 1));
        cases.add(new Case("bad RESP3 after good ones", "_\r\n,1\r\n#x\r\n", 3));
        cases.add(new Case("push then a bad reply", ">1\r\n+x\r\n+OK\r\n(x\r\n", 2));
    }
}
