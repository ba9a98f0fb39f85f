package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import io.evloop.redis.Reply.ArrayReply;
import io.evloop.redis.Reply.BigNumberReply;
import io.evloop.redis.Reply.BooleanReply;
import io.evloop.redis.Reply.BulkString;
import io.evloop.redis.Reply.DoubleReply;
import io.evloop.redis.Reply.IntegerReply;
import io.evloop.redis.Reply.MapReply;
import io.evloop.redis.Reply.PushReply;
import io.evloop.redis.Reply.SetReply;
import io.evloop.redis.Reply.SimpleString;
import io.evloop.redis.Reply.VerbatimString;
import io.evloop.testkit.NativeRequirement;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native backend's RESP3 replies as the Reply types, below the client: a fake server's
 * stream of every RESP3 type goes through the shim's checker and hiredis into reply records,
 * and {@link ReplyRecords} makes them the same objects the Java decoder makes, with the
 * decoder's element lists, attributes with the values they describe and pushes handed over
 * like any reply.
 */
class NativeReplyRecordsTest {

    private static EventLoop loop;

    @BeforeAll
    static void createLoop() {
        NativeRequirement.check();
        loop = EventLoops.createNative();
    }

    @AfterAll
    static void closeLoop() throws Exception {
        if (loop != null) {
            loop.close();
            loop.terminationFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static BulkString bulk(String s) {
        return new BulkString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyResp3TypeBecomesItsReply() throws Exception {
        String stream = "_\r\n"
                + "#t\r\n"
                + "#f\r\n"
                + ",1.5\r\n"
                + ",-inf\r\n"
                + ",nan\r\n"
                + ",1e-400\r\n"
                + "(-3492890328409238509324850943850943825024385\r\n"
                + "=15\r\ntxt:Some string\r\n"
                + "%2\r\n+a\r\n:1\r\n$1\r\nb\r\n%1\r\n~0\r\n_\r\n"
                + "~3\r\n,1\r\n#f\r\n*1\r\n(7\r\n"
                + "%0\r\n"
                + "|1\r\n+ttl\r\n:3600\r\n$2\r\nhi\r\n"
                + "*3\r\n:1\r\n|1\r\n+a\r\n*1\r\n:2\r\n:3\r\n_\r\n"
                + ">3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n|0\r\n$2\r\nhi\r\n"
                + "+OK\r\n";
        List<Reply> expected = List.of(
                Reply.NIL,
                new BooleanReply(true),
                new BooleanReply(false),
                new DoubleReply(1.5),
                new DoubleReply(Double.NEGATIVE_INFINITY),
                new DoubleReply(Double.NaN),
                new DoubleReply(0),
                new BigNumberReply(new BigInteger("-3492890328409238509324850943850943825024385")),
                new VerbatimString("txt", "Some string".getBytes(StandardCharsets.UTF_8)),
                new MapReply(List.of(new SimpleString("a"), new IntegerReply(1),
                        bulk("b"), new MapReply(List.of(new SetReply(List.of()), Reply.NIL)))),
                new SetReply(List.of(new DoubleReply(1), new BooleanReply(false),
                        new ArrayReply(List.of(new BigNumberReply(BigInteger.valueOf(7)))))),
                new MapReply(List.of()),
                new Reply.AttributedReply(new MapReply(List.of(new SimpleString("ttl"), new IntegerReply(3600))), bulk("hi")),
                new ArrayReply(List.of(new IntegerReply(1), new Reply.AttributedReply(new MapReply(List.of(
                        new SimpleString("a"), new ArrayReply(List.of(new IntegerReply(2))))), new IntegerReply(3)), Reply.NIL)),
                new PushReply(List.of(bulk("message"), bulk("news"),
                        new Reply.AttributedReply(new MapReply(List.of()), bulk("hi")))),
                new SimpleString("OK"));
        // Every reply but the push answers a command.
        List<Reply> replies = exchange(stream, expected.size() - 1, expected.size());
        assertEquals(expected, replies);
        for (Reply r : replies) {
            List<Reply> elements = r instanceof MapReply m ? m.keysAndValues() : r instanceof SetReply s ? s.elements()
                    : r instanceof PushReply p ? p.elements() : r instanceof ArrayReply a ? a.elements() : null;
            if (elements != null && !elements.isEmpty()) {
                assertInstanceOf(RespDecoder.ElementList.class, elements, "the decoder's element list for " + r);
            }
        }
    }

    /** What a transport on the native loop hands its listener when the server answers with the bytes. */
    private static List<Reply> exchange(String stream, int commands, int replies) throws Exception {
        List<Reply> received = new ArrayList<>();
        CompletableFuture<List<Reply>> done = new CompletableFuture<>();
        try (RedisClientContractTest.FakeServer server = new RedisClientContractTest.FakeServer(in -> stream)) {
            RedisConfig config = RedisConfig.builder().host("127.0.0.1").port(server.port()).build();
            RedisTransport transport = RedisTransport.factory(loop, config).get();
            RedisTransport.Listener listener = new RedisTransport.Listener() {
                @Override
                public void onConnected() {
                    RespEncoder out = new RespEncoder();
                    int[] ends = new int[commands];
                    for (int i = 0; i < commands; i++) {
                        out.append(RespEncoder.utf8("PING"));
                        ends[i] = out.length();
                    }
                    transport.write(out, ends, commands);
                }

                @Override
                public void onReply(Reply reply) {
                    received.add(reply);
                    if (received.size() == replies) {
                        done.complete(List.copyOf(received));
                    }
                }

                @Override
                public void onClosed(Throwable cause) {
                    done.completeExceptionally(cause);
                }
            };
            assertTrue(loop.post(() -> transport.connect(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), listener)));
            try {
                return done.get(10, TimeUnit.SECONDS);
            } finally {
                loop.post(transport::close);
            }
        }
    }
}
