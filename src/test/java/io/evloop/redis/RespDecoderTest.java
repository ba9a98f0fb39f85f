package io.evloop.redis;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.evloop.redis.Reply.ArrayReply;
import io.evloop.redis.Reply.AttributedReply;
import io.evloop.redis.Reply.BigNumberReply;
import io.evloop.redis.Reply.BooleanReply;
import io.evloop.redis.Reply.BulkString;
import io.evloop.redis.Reply.DoubleReply;
import io.evloop.redis.Reply.ErrorReply;
import io.evloop.redis.Reply.IntegerReply;
import io.evloop.redis.Reply.MapReply;
import io.evloop.redis.Reply.PushReply;
import io.evloop.redis.Reply.SetReply;
import io.evloop.redis.Reply.SimpleString;
import io.evloop.redis.Reply.VerbatimString;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RespDecoderTest {

    // A stream with every reply type, nil variants, nesting, errors inside arrays and binary bulk.
    private static final String MIXED = "+OK\r\n"
            + "-ERR unknown command 'FOO'\r\n"
            + ":0\r\n:42\r\n:-7\r\n"
            + ":9223372036854775807\r\n:-9223372036854775808\r\n"
            + "$5\r\nhello\r\n"
            + "$0\r\n\r\n"
            + "$-1\r\n"
            + "*-1\r\n"
            + "*0\r\n"
            + "$6\r\na\r\nb\0c\r\n"
            + "*3\r\n$3\r\nfoo\r\n$-1\r\n:1\r\n"
            + "*2\r\n*2\r\n+a\r\n-WRONGTYPE bad\r\n*1\r\n*0\r\n"
            + "*3\r\n+QUEUED\r\n-EXECABORT x\r\n*-1\r\n"
            + "+\r\n";

    private static final List<Reply> MIXED_EXPECTED = List.of(
            new SimpleString("OK"),
            new ErrorReply("ERR unknown command 'FOO'"),
            new IntegerReply(0), new IntegerReply(42), new IntegerReply(-7),
            new IntegerReply(Long.MAX_VALUE), new IntegerReply(Long.MIN_VALUE),
            bulk("hello"),
            bulk(""),
            Reply.NIL,
            Reply.NIL,
            ArrayReply.EMPTY,
            bulk("a\r\nb\0c"),
            array(bulk("foo"), Reply.NIL, new IntegerReply(1)),
            array(array(new SimpleString("a"), new ErrorReply("WRONGTYPE bad")), array(ArrayReply.EMPTY)),
            array(new SimpleString("QUEUED"), new ErrorReply("EXECABORT x"), Reply.NIL),
            new SimpleString(""));

    // RESP3: every type, the double and big number forms, attributes (top level, nested, empty,
    // before a push, where it is dropped) with their values, a push between replies, and nested
    // combinations.
    private static final String RESP3 = "_\r\n"
            + "#t\r\n#f\r\n"
            + ",1.5\r\n,-0.25e-3\r\n,10\r\n,007.50E+2\r\n,inf\r\n,-inf\r\n,nan\r\n,1e-400\r\n,-0\r\n"
            + "(0\r\n(12345678901234567890123456789\r\n(-98765432109876543210\r\n"
            + "=15\r\ntxt:Some string\r\n=4\r\nmkd:\r\n=8\r\ntxt:a\r\nb\r\n"
            + "%2\r\n+k1\r\n:1\r\n$2\r\nk2\r\n~2\r\n,1.5\r\n,2\r\n"
            + "%0\r\n~0\r\n"
            + "~3\r\n:1\r\n_\r\n#t\r\n"
            + ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
            + "|1\r\n+ttl\r\n:100\r\n:42\r\n"
            + "*2\r\n|1\r\n+a\r\n*1\r\n+b\r\n:1\r\n%1\r\n|0\r\n+k\r\n+v\r\n"
            + "|0\r\n+after an empty attribute\r\n"
            + "|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n>2\r\n+invalidate\r\n*1\r\n$1\r\na\r\n"
            + "*1\r\n%1\r\n+m\r\n~1\r\n,3.25\r\n"
            + "%1\r\n~1\r\n(7\r\n#f\r\n"
            + "+end\r\n";

    private static final List<Reply> RESP3_EXPECTED = List.of(
            Reply.NIL,
            new BooleanReply(true), new BooleanReply(false),
            new DoubleReply(1.5), new DoubleReply(-0.25e-3), new DoubleReply(10), new DoubleReply(750),
            new DoubleReply(Double.POSITIVE_INFINITY), new DoubleReply(Double.NEGATIVE_INFINITY),
            new DoubleReply(Double.NaN), new DoubleReply(0.0), new DoubleReply(-0.0),
            big("0"), big("12345678901234567890123456789"), big("-98765432109876543210"),
            verbatim("txt", "Some string"), verbatim("mkd", ""), verbatim("txt", "a\r\nb"),
            map(new SimpleString("k1"), new IntegerReply(1), bulk("k2"), set(new DoubleReply(1.5), new DoubleReply(2))),
            map(), set(),
            set(new IntegerReply(1), Reply.NIL, new BooleanReply(true)),
            push(bulk("message"), bulk("ch"), bulk("hi")),
            attributed(map(new SimpleString("ttl"), new IntegerReply(100)), new IntegerReply(42)),
            array(attributed(map(new SimpleString("a"), array(new SimpleString("b"))), new IntegerReply(1)),
                    map(attributed(map(), new SimpleString("k")), new SimpleString("v"))),
            attributed(map(), new SimpleString("after an empty attribute")),
            push(new SimpleString("invalidate"), array(bulk("a"))),
            array(map(new SimpleString("m"), set(new DoubleReply(3.25)))),
            map(set(big("7")), new BooleanReply(false)),
            new SimpleString("end"));

    private static BigNumberReply big(String digits) {
        return new BigNumberReply(new BigInteger(digits));
    }

    private static VerbatimString verbatim(String format, String latin1) {
        return new VerbatimString(format, bytes(latin1));
    }

    /** {@code levels} arrays of one element each, around {@code innermost}. */
    private static Reply deepArray(int levels, Reply innermost) {
        Reply r = innermost;
        for (int i = 0; i < levels; i++) {
            r = array(r);
        }
        return r;
    }

    private static AttributedReply attributed(MapReply attributes, Reply value) {
        return new AttributedReply(attributes, value);
    }

    private static MapReply map(Reply... keysAndValues) {
        return new MapReply(List.of(keysAndValues));
    }

    private static SetReply set(Reply... elements) {
        return new SetReply(List.of(elements));
    }

    private static PushReply push(Reply... elements) {
        return new PushReply(List.of(elements));
    }

    private static BulkString bulk(String latin1) {
        return new BulkString(latin1.getBytes(ISO_8859_1));
    }

    private static ArrayReply array(Reply... elements) {
        return new ArrayReply(List.of(elements));
    }

    private static byte[] bytes(String latin1) {
        return latin1.getBytes(ISO_8859_1);
    }

    private static List<Reply> decode(byte[] input) {
        List<Reply> out = new ArrayList<>();
        RespDecoder decoder = new RespDecoder();
        ByteBuffer buffer = ByteBuffer.wrap(input);
        decoder.feed(buffer, out::add);
        assertFalse(buffer.hasRemaining());
        assertFalse(decoder.hasPartialReply());
        assertEquals(input.length, decoder.bytesConsumed());
        return out;
    }

    /** Feeds {@code input} in chunks ending at the given cut points, each chunk copied into a fresh buffer. */
    private static List<Reply> decodeInChunks(byte[] input, int[] cuts, boolean direct) {
        List<Reply> out = new ArrayList<>();
        RespDecoder decoder = new RespDecoder();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : input.length;
            ByteBuffer chunk = direct ? ByteBuffer.allocateDirect(to - from) : ByteBuffer.allocate(to - from);
            chunk.put(input, from, to - from).flip();
            decoder.feed(chunk, out::add);
            assertFalse(chunk.hasRemaining());
            from = to;
        }
        assertFalse(decoder.hasPartialReply());
        return out;
    }

    @Test
    void decodesEveryReplyType() {
        assertEquals(MIXED_EXPECTED, decode(bytes(MIXED)));
    }

    @Test
    void nilBulkAndNilArrayAreTheSingleton() {
        List<Reply> replies = decode(bytes("$-1\r\n*-1\r\n"));
        assertSame(Reply.NIL, replies.get(0));
        assertSame(Reply.NIL, replies.get(1));
        assertSame(ArrayReply.EMPTY, decode(bytes("*0\r\n")).get(0));
    }

    @Test
    void decodesDeeplyNestedArraysUpToTheLimit() {
        String nested = "*1\r\n".repeat(RespDecoder.DEFAULT_MAX_DEPTH) + ":5\r\n";
        Reply reply = decode(bytes(nested)).get(0);
        for (int i = 0; i < RespDecoder.DEFAULT_MAX_DEPTH; i++) {
            assertEquals(1, reply.asList().size());
            reply = reply.asList().get(0);
        }
        assertEquals(5, reply.asLong());
    }

    @Test
    void decodesSimpleStringsAsUtf8() {
        assertEquals(new SimpleString("caf\u00e9"), decode("+caf\u00e9\r\n".getBytes(UTF_8)).get(0));
    }

    @Test
    void binaryValuesRoundTripThroughEncodeAndEcho() {
        byte[][] args = {
            "ECHO".getBytes(UTF_8),
            bytes("line1\r\nline2"),
            {0, 0, 1, 0},
            bytes("%s%n%d"),
            {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, (byte) 0x28, (byte) 0x80},
            bytes("$-1\r\n*3\r\n"),
            {},
            bytes("\r"),
            bytes("\n"),
        };
        byte[] command = RespEncoder.encode(args);

        // The encoded command is itself a RESP array of bulk strings: decoding it gives back argv.
        List<Reply> decodedCommand = decode(command);
        List<Reply> elements = decodedCommand.get(0).asList();
        assertEquals(args.length, elements.size());
        for (int i = 0; i < args.length; i++) {
            assertArrayEquals(args[i], elements.get(i).asBytes(), "argument " + i);
        }

        // What a server echoing each argument sends back: one bulk string per argument.
        ByteArrayOutputStream echo = new ByteArrayOutputStream();
        for (byte[] arg : args) {
            echo.writeBytes(bytes("$" + arg.length + "\r\n"));
            echo.writeBytes(arg);
            echo.writeBytes(bytes("\r\n"));
        }
        byte[] echoed = echo.toByteArray();
        List<Reply> whole = decode(echoed);
        List<Reply> byteByByte = decodeInChunks(echoed, everyIndex(echoed.length), false);
        for (int i = 0; i < args.length; i++) {
            assertArrayEquals(args[i], whole.get(i).asBytes(), "echo " + i);
        }
        assertEquals(whole, byteByByte);
    }

    @Test
    void everySplitPointGivesTheSameReplies() {
        byte[] input = bytes(MIXED);
        for (int cut = 0; cut <= input.length; cut++) {
            assertEquals(MIXED_EXPECTED, decodeInChunks(input, new int[] {cut}, false), "split at " + cut);
        }
        for (int a = 0; a <= input.length; a += 3) {
            for (int b = a; b <= input.length; b += 5) {
                assertEquals(MIXED_EXPECTED, decodeInChunks(input, new int[] {a, b}, false), "split at " + a + "," + b);
            }
        }
    }

    @Test
    void oneByteAtATimeGivesTheSameReplies() {
        byte[] input = bytes(MIXED);
        assertEquals(MIXED_EXPECTED, decodeInChunks(input, everyIndex(input.length), false));
        assertEquals(MIXED_EXPECTED, decodeInChunks(input, everyIndex(input.length), true));
    }

    @Test
    void randomChunksGiveTheSameReplies() {
        byte[] input = bytes(MIXED.repeat(20));
        List<Reply> expected = decode(input);
        assertEquals(MIXED_EXPECTED.size() * 20, expected.size());
        Random random = new Random(20240601L);
        for (int round = 0; round < 300; round++) {
            int[] cuts = randomCuts(random, input.length);
            assertEquals(expected, decodeInChunks(input, cuts, round % 2 == 1), "round " + round);
        }
    }

    @Test
    void acceptsDirectAndReadOnlyBuffers() {
        byte[] input = bytes(MIXED);
        ByteBuffer direct = ByteBuffer.allocateDirect(input.length + 10);
        direct.position(5);
        direct.put(input);
        direct.flip().position(5);
        List<Reply> out = new ArrayList<>();
        new RespDecoder().feed(direct, out::add);
        assertEquals(MIXED_EXPECTED, out);
        assertEquals(5 + input.length, direct.position());

        out.clear();
        new RespDecoder().feed(ByteBuffer.wrap(input).asReadOnlyBuffer(), out::add);
        assertEquals(MIXED_EXPECTED, out);
    }

    @Test
    void largeBulkInSmallChunksIsConsumedAsItArrives() {
        int size = 5 * 1024 * 1024;
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        stream.writeBytes(bytes("$" + size + "\r\n"));
        stream.writeBytes(value);
        stream.writeBytes(bytes("\r\n:1\r\n"));
        byte[] input = stream.toByteArray();

        RespDecoder decoder = new RespDecoder();
        List<Reply> out = new ArrayList<>();
        ByteBuffer chunk = ByteBuffer.allocateDirect(1024);
        for (int from = 0; from < input.length; from += 1024) {
            int n = Math.min(1024, input.length - from);
            chunk.clear();
            chunk.put(input, from, n).flip();
            decoder.feed(chunk, out::add);
            // Every byte is taken at once: nothing is kept back to be scanned again later.
            assertFalse(chunk.hasRemaining());
            assertEquals(from + n, decoder.bytesConsumed());
            if (from + n < input.length - 6) {
                assertTrue(out.isEmpty());
                assertTrue(decoder.hasPartialReply());
            }
        }
        assertEquals(2, out.size());
        assertArrayEquals(value, out.get(0).asBytes());
        assertEquals(1, out.get(1).asLong());
    }

    @Test
    void wideArrayInSmallChunks() {
        int n = 300_000;
        StringBuilder sb = new StringBuilder("*").append(n).append("\r\n");
        for (int i = 0; i < n; i++) {
            sb.append(i % 2 == 0 ? ":" + i + "\r\n" : "$" + Integer.toString(i).length() + "\r\n" + i + "\r\n");
        }
        byte[] input = bytes(sb.toString());
        int[] cuts = new int[input.length / 1000];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = (i + 1) * 1000;
        }
        List<Reply> out = decodeInChunks(input, cuts, false);
        assertEquals(1, out.size());
        List<Reply> elements = out.get(0).asList();
        assertEquals(n, elements.size());
        for (int i = 0; i < n; i++) {
            Reply e = elements.get(i);
            if (i % 2 == 0) {
                assertEquals(i, e.asLong());
            } else {
                assertEquals(Integer.toString(i), e.asString());
            }
        }
    }

    @Test
    void hundredThousandPipelinedRepliesInOrder() {
        int n = 100_000;
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (int i = 0; i < n; i++) {
            String s = switch (i % 4) {
                case 0 -> ":" + i + "\r\n";
                case 1 -> "$" + Integer.toString(i).length() + "\r\n" + i + "\r\n";
                case 2 -> "+" + i + "\r\n";
                default -> "*2\r\n:" + i + "\r\n$-1\r\n";
            };
            stream.writeBytes(bytes(s));
        }
        byte[] input = stream.toByteArray();
        RespDecoder decoder = new RespDecoder();
        List<Reply> out = new ArrayList<>(n);
        for (int from = 0; from < input.length; from += 64 * 1024) {
            decoder.feed(ByteBuffer.wrap(input, from, Math.min(64 * 1024, input.length - from)), out::add);
        }
        assertEquals(n, out.size());
        for (int i = 0; i < n; i++) {
            Reply r = out.get(i);
            switch (i % 4) {
                case 0 -> assertEquals(i, r.asLong());
                case 1 -> assertEquals(Integer.toString(i), ((BulkString) r).utf8());
                case 2 -> assertEquals(new SimpleString(Integer.toString(i)), r);
                default -> assertEquals(array(new IntegerReply(i), Reply.NIL), r);
            }
        }
    }

    @Test
    void aConsumerThatThrowsLeavesTheDecoderUsable() {
        RespDecoder decoder = new RespDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes(":1\r\n:2\r\n:3\r\n"));
        List<Reply> out = new ArrayList<>();
        RuntimeException boom = new RuntimeException("boom");
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> decoder.feed(in, r -> {
            out.add(r);
            if (r.asLong() == 2) {
                throw boom;
            }
        }));
        assertSame(boom, thrown);
        assertEquals(8, in.position());
        decoder.feed(in, out::add);
        assertEquals(List.of(new IntegerReply(1), new IntegerReply(2), new IntegerReply(3)), out);
        assertFalse(decoder.hasPartialReply());
    }

    @Test
    void emptyInputDoesNothing() {
        RespDecoder decoder = new RespDecoder();
        decoder.feed(ByteBuffer.allocate(0), r -> fail("no reply expected"));
        assertFalse(decoder.hasPartialReply());
        assertEquals(0, decoder.bytesConsumed());
    }

    static Stream<Arguments> hostileInputs() {
        return Stream.of(
                Arguments.of("unknown type", "?foo\r\n", "unknown type byte '?'"),
                Arguments.of("RESP3 blob error", "!21\r\nSYNTAX invalid syntax\r\n", "unknown type byte '!'"),
                Arguments.of("streamed bulk string", "$?\r\n;4\r\nHell\r\n;0\r\n", "unexpected '?' (0x3f) in the bulk string length"),
                Arguments.of("streamed array", "*?\r\n:1\r\n.\r\n", "unexpected '?' (0x3f) in the array length"),
                Arguments.of("binary type", "\0", "unknown type byte 0x00"),
                Arguments.of("non-digit", ":12a\r\n", "unexpected 'a' (0x61) in the integer reply"),
                Arguments.of("empty integer", ":\r\n", "no digits in the integer reply"),
                Arguments.of("minus only", ":-\r\n", "no digits in the integer reply"),
                Arguments.of("leading plus", ":+5\r\n", "unexpected '+' (0x2b) in the integer reply"),
                Arguments.of("minus inside", ":5-5\r\n", "unexpected '-'"),
                Arguments.of("space", ":5 \r\n", "unexpected ' '"),
                Arguments.of("overflow", ":9223372036854775808\r\n", "overflows a signed 64-bit integer"),
                Arguments.of("negative overflow", ":-9223372036854775809\r\n", "overflows"),
                Arguments.of("too many digits", "$-92233720368547758080\r\n", "longer than 20 characters"),
                Arguments.of("leading zero", ":007\r\n", "leading zero in the integer reply"),
                Arguments.of("leading zero in a length", "$01\r\na\r\n", "leading zero in the bulk string length"),
                Arguments.of("zeros", "$000000000000000000000\r\n", "leading zero"),
                Arguments.of("minus zero integer", ":-0\r\n", "-0 as the integer reply"),
                Arguments.of("minus zero bulk length", "$-0\r\n", "-0 as the bulk string length"),
                Arguments.of("minus zero array length", "*-0\r\n", "-0 as the array length"),
                Arguments.of("CR without LF in number", ":1\rX", "expected LF after CR ending the integer reply, got 'X'"),
                Arguments.of("LF without CR in number", ":1\n", "unexpected 0x0a in the integer reply"),
                Arguments.of("empty bulk length", "$\r\n", "no digits in the bulk string length"),
                Arguments.of("bulk over 512 MiB", "$536870913\r\n", "bulk string length 536870913 is out of range"),
                Arguments.of("bulk below -1", "$-2\r\n", "bulk string length -2 is out of range"),
                Arguments.of("bulk huge", "$99999999999999999999999\r\n", "overflows"),
                Arguments.of("bulk without CRLF", "$3\r\nabcX\r\n", "expected CR LF after the 3-byte bulk string, got 'X'"),
                Arguments.of("bulk with CR only", "$3\r\nabc\rX", "expected LF after CR ending the 3-byte bulk string"),
                Arguments.of("bulk too long", "$1\r\nab\r\n", "expected CR LF after the 1-byte bulk string, got 'b'"),
                Arguments.of("array of 2^32-1", "*4294967295\r\n", "array length 4294967295 is out of range"),
                Arguments.of("array below -1", "*-2\r\n", "array length -2 is out of range"),
                Arguments.of("array plus", "*+1\r\n", "unexpected '+'"),
                Arguments.of("100 nested arrays", "*1\r\n".repeat(100), "aggregates nested deeper than 32 levels"),
                Arguments.of("33 nested arrays", "*1\r\n".repeat(33) + ":1\r\n", "aggregates nested deeper than 32 levels"),
                Arguments.of("long simple string", "+" + "a".repeat(70_000), "simple string is longer than 65536 bytes"),
                Arguments.of("long error", "-" + "e".repeat(70_000) + "\r\n", "error reply is longer than 65536 bytes"),
                Arguments.of("LF without CR in line", "+OK\n", "LF without CR in the simple string"),
                Arguments.of("CR without LF in line", "+OK\rX", "expected LF after CR ending the simple string"),
                Arguments.of("CR without LF in error", "-ERR\r\r", "expected LF after CR ending the error reply, got 0x0d"),
                Arguments.of("garbage after a good reply", "+OK\r\n\r\n", "unknown type byte 0x0d"),
                Arguments.of("bad element", "*2\r\n:1\r\n!x\r\n", "unknown type byte '!'"));
    }

    @Test
    void decodesEveryResp3Type() {
        List<Reply> replies = decode(bytes(RESP3));
        assertEquals(RESP3_EXPECTED, replies);
        assertSame(Reply.NIL, replies.get(0));
        for (int i = 0; i < replies.size(); i++) {
            // Equal contents of another kind would not do: a push must arrive as a PushReply.
            assertEquals(RESP3_EXPECTED.get(i).getClass(), replies.get(i).getClass(), "reply " + i);
        }
    }

    @Test
    void resp3EverySplitPointGivesTheSameReplies() {
        assertEverySplitGives(bytes(RESP3), RESP3_EXPECTED);
    }

    @Test
    void resp2AndResp3MixedInPiecesGiveTheSameReplies() {
        byte[] input = bytes((MIXED + RESP3).repeat(10));
        List<Reply> once = new ArrayList<>(MIXED_EXPECTED);
        once.addAll(RESP3_EXPECTED);
        List<Reply> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.addAll(once);
        }
        assertEquals(expected, decode(input));
        Random random = new Random(20250101L);
        for (int round = 0; round < 200; round++) {
            assertEquals(expected, decodeInChunks(input, randomCuts(random, input.length), round % 2 == 1), "round " + round);
        }
    }

    private static void assertEverySplitGives(byte[] input, List<Reply> expected) {
        for (int cut = 0; cut <= input.length; cut++) {
            assertEquals(expected, decodeInChunks(input, new int[] {cut}, false), "split at " + cut);
        }
        for (int a = 0; a <= input.length; a += 3) {
            for (int b = a; b <= input.length; b += 5) {
                assertEquals(expected, decodeInChunks(input, new int[] {a, b}, false), "split at " + a + "," + b);
            }
        }
        assertEquals(expected, decodeInChunks(input, everyIndex(input.length), false), "byte by byte");
        assertEquals(expected, decodeInChunks(input, everyIndex(input.length), true), "byte by byte, direct");
    }

    @Test
    void verbatimFormatIsItsFirstThreeBytesAsUtf8() {
        VerbatimString v = (VerbatimString) decode("=6\r\n\u00e9x:ab\r\n".getBytes(UTF_8)).get(0);
        assertEquals("\u00e9x", v.format());
        assertArrayEquals(bytes("ab"), v.content());
        // Only the fourth byte is checked: the format may hold any bytes, a CR LF or a colon.
        VerbatimString odd = (VerbatimString) decode(bytes("=5\r\n\r\n::x\r\n")).get(0);
        assertEquals("\r\n:", odd.format());
        assertArrayEquals(bytes("x"), odd.content());
        assertEquals("Some string", decode(bytes("=15\r\ntxt:Some string\r\n")).get(0).asString());
    }

    @Test
    void attributesComeWithTheValueTheyDescribeAtTopLevelAndNested() {
        MapReply ab = map(new SimpleString("a"), new SimpleString("b"));
        // At top level: the value after it is the reply, with the attribute.
        assertEquals(List.of(attributed(ab, new IntegerReply(1))), decode(bytes("|1\r\n+a\r\n+b\r\n:1\r\n")));
        assertEquals(List.of(attributed(ab, new IntegerReply(1))), decode(bytes("|0\r\n|1\r\n+a\r\n+b\r\n:1\r\n")),
                "two in a row are merged, in order");
        assertEquals(List.of(attributed(map(new SimpleString("a"), new SimpleString("b"), new SimpleString("c"),
                new SimpleString("d")), new IntegerReply(1))),
                decode(bytes("|1\r\n+a\r\n+b\r\n|1\r\n+c\r\n+d\r\n:1\r\n")), "merged in the order they came");
        assertEquals(List.of(push(new SimpleString("x"))), decode(bytes("|1\r\n+a\r\n+b\r\n>1\r\n+x\r\n")),
                "dropped before a push, which is routed as any push");
        Reply error = decode(bytes("|1\r\n+a\r\n+b\r\n-ERR x\r\n")).get(0);
        assertEquals(attributed(ab, new ErrorReply("ERR x")), error);
        assertTrue(error.isError(), "an attributed error is an error");
        // Nested: one element with the value it describes, in the array, map, set or push it stands in.
        assertEquals(List.of(array(new IntegerReply(1), attributed(map(new SimpleString("a"),
                array(new IntegerReply(3), new IntegerReply(4))), new IntegerReply(2)))),
                decode(bytes("*2\r\n:1\r\n|1\r\n+a\r\n*2\r\n:3\r\n:4\r\n:2\r\n")));
        assertEquals(List.of(map(attributed(map(), new SimpleString("k")), attributed(ab, new SimpleString("v")))),
                decode(bytes("%1\r\n|0\r\n+k\r\n|1\r\n+a\r\n+b\r\n+v\r\n")));
        assertEquals(List.of(set(attributed(map(new SimpleString("a"), map(new SimpleString("x"), new SimpleString("y"))),
                new BooleanReply(true)))), decode(bytes("~1\r\n|1\r\n+a\r\n%1\r\n+x\r\n+y\r\n#t\r\n")));
        assertEquals(List.of(push(new SimpleString("message"), attributed(ab, new SimpleString("x")))),
                decode(bytes(">2\r\n+message\r\n|1\r\n+a\r\n+b\r\n+x\r\n")));
        // The value reads as if the attribute were not there.
        Reply read = decode(bytes("|1\r\n+a\r\n+b\r\n$2\r\nhi\r\n")).get(0);
        assertEquals("hi", read.asString());
        assertEquals(bulk("hi"), read.withoutAttributes());
        // Its keys and values may be anything but a push or an attribute, and are checked.
        assertEquals(List.of(attributed(map(set(new IntegerReply(1)), map(new IntegerReply(2), new IntegerReply(3)),
                array(Reply.NIL), verbatim("txt", "x")), new DoubleReply(1))),
                decode(bytes("|2\r\n~1\r\n:1\r\n%1\r\n:2\r\n:3\r\n*1\r\n_\r\n=5\r\ntxt:x\r\n,1\r\n")));
        assertProtocolError(new RespDecoder(), "|1\r\n+a\r\n:007\r\n:1\r\n", "leading zero in the integer reply");
    }

    @Test
    void hasPartialReplyInsideAndAfterAnAttribute() {
        RespDecoder decoder = new RespDecoder();
        List<Reply> out = new ArrayList<>();
        decoder.feed(ByteBuffer.wrap(bytes("|1\r\n+a")), out::add);
        assertTrue(decoder.hasPartialReply(), "inside an attribute");
        decoder.feed(ByteBuffer.wrap(bytes("\r\n+b\r\n")), out::add);
        assertTrue(decoder.hasPartialReply(), "after a top-level attribute, before its value");
        decoder.feed(ByteBuffer.wrap(bytes(":1\r\n|0\r\n")), out::add);
        assertTrue(decoder.hasPartialReply(), "after an empty attribute");
        assertEquals(List.of(attributed(map(new SimpleString("a"), new SimpleString("b")), new IntegerReply(1))), out);
        decoder.feed(ByteBuffer.wrap(bytes("+x\r\n*1\r\n|1\r\n+a\r\n+b\r\n")), out::add);
        assertTrue(decoder.hasPartialReply(), "after a nested attribute");
        decoder.feed(ByteBuffer.wrap(bytes("_\r\n")), out::add);
        assertFalse(decoder.hasPartialReply());
        MapReply ab = map(new SimpleString("a"), new SimpleString("b"));
        assertEquals(List.of(attributed(ab, new IntegerReply(1)), attributed(map(), new SimpleString("x")),
                array(attributed(ab, Reply.NIL))), out);
    }

    @Test
    void depthCountsEveryAggregateKind() {
        String head = ">1\r\n%1\r\n+k\r\n~1\r\n|1\r\n+a\r\n"; // push, map, set, attribute: 4 levels
        String tail = ":1\r\n:7\r\n";                           // the attribute's value's end, the set's element
        Reply expected = push(map(new SimpleString("k"), set(attributed(map(new SimpleString("a"),
                deepArray(28, new IntegerReply(1))), new IntegerReply(7)))));
        assertEquals(List.of(expected), decode(bytes(head + "*1\r\n".repeat(28) + tail)), "32 levels");
        assertProtocolError(new RespDecoder(), head + "*1\r\n".repeat(29) + tail, "aggregates nested deeper than 32 levels");
        assertProtocolError(new RespDecoder(), "%1\r\n+k\r\n".repeat(33) + ":1\r\n", "aggregates nested deeper than 32 levels");
        assertProtocolError(new RespDecoder(), "~1\r\n".repeat(33), "aggregates nested deeper than 32 levels");
        // An empty aggregate opens no level, as *0 never did.
        String deepest = "*1\r\n".repeat(RespDecoder.DEFAULT_MAX_DEPTH);
        assertEquals(1, decode(bytes(deepest + "*0\r\n")).size());
        assertEquals(1, decode(bytes(deepest + "%0\r\n")).size());
        assertEquals(1, decode(bytes(deepest + "~0\r\n")).size());
        assertEquals(1, decode(bytes(deepest + "|0\r\n:1\r\n")).size());
        // An attribute inside an array is a level of its own, for its contents.
        RespDecoder two = new RespDecoder(16, 2, 64);
        List<Reply> out = new ArrayList<>();
        two.feed(ByteBuffer.wrap(bytes("*1\r\n|1\r\n+a\r\n+b\r\n:1\r\n")), out::add);
        assertEquals(List.of(array(attributed(map(new SimpleString("a"), new SimpleString("b")), new IntegerReply(1)))), out);
        assertProtocolError(new RespDecoder(16, 2, 64), "*1\r\n|1\r\n*1\r\n:1\r\n+b\r\n:1\r\n",
                "aggregates nested deeper than 2 levels");
        assertProtocolError(new RespDecoder(16, 2, 64), "|1\r\n%1\r\n~1\r\n", "aggregates nested deeper than 2 levels");
    }

    @Test
    void aTopLevelAttributeCountsTowardTheSizeOfTheReplyItPrecedes() {
        String attributed = "|1\r\n+a\r\n+b\r\n:1\r\n"; // 16 bytes, the attribute's 12 included
        List<Reply> out = new ArrayList<>();
        new RespDecoder(16, 4, 64, 16).feed(ByteBuffer.wrap(bytes(attributed + attributed + ":22\r\n")), out::add);
        Reply one = attributed(map(new SimpleString("a"), new SimpleString("b")), new IntegerReply(1));
        assertEquals(List.of(one, one, new IntegerReply(22)), out,
                "exactly the limit, then the limit afresh for the next reply");
        byte[] all = bytes(attributed);
        for (int limit : new int[] {15, 12, 10}) {
            for (int split = 0; split <= all.length; split++) {
                RespDecoder decoder = new RespDecoder(16, 4, 64, limit);
                int at = split;
                RedisProtocolException e = assertThrows(RedisProtocolException.class, () -> feedSplit(decoder, all, at));
                assertEquals(limit, e.offset(), "limit " + limit + ", split at " + at + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("reply larger than " + limit + " bytes"), e.getMessage());
            }
        }
        // Two top-level attributes in a row: the reply counts from the first.
        assertProtocolError(new RespDecoder(16, 4, 64, 19), "|0\r\n" + attributed, "reply larger than 19 bytes");
        // A nested attribute counts as any element does.
        assertProtocolError(new RespDecoder(16, 4, 64, 19), "*1\r\n" + attributed, "reply larger than 19 bytes");
    }

    @Test
    void resp3CustomLimits() {
        RespDecoder decoder = new RespDecoder(3, 4, 5);
        List<Reply> out = new ArrayList<>();
        decoder.feed(ByteBuffer.wrap(bytes("%1\r\n:1\r\n:2\r\n~3\r\n:1\r\n:2\r\n:3\r\n>3\r\n+a\r\n+b\r\n+c\r\n"
                + "|1\r\n+a\r\n+b\r\n,1.234\r\n(12345\r\n(-1234\r\n")), out::add);
        assertEquals(List.of(map(new IntegerReply(1), new IntegerReply(2)),
                set(new IntegerReply(1), new IntegerReply(2), new IntegerReply(3)),
                push(new SimpleString("a"), new SimpleString("b"), new SimpleString("c")),
                attributed(map(new SimpleString("a"), new SimpleString("b")), new DoubleReply(1.234)), big("12345"),
                big("-1234")), out);
        assertProtocolError(new RespDecoder(3, 4, 5), "%2\r\n", "map length 2 is out of range (0 to 1)");
        assertProtocolError(new RespDecoder(3, 4, 5), "|2\r\n", "attribute length 2 is out of range (0 to 1)");
        assertProtocolError(new RespDecoder(3, 4, 5), "~4\r\n", "set length 4 is out of range (0 to 3)");
        assertProtocolError(new RespDecoder(3, 4, 5), ">4\r\n", "push message length 4 is out of range (1 to 3)");
        assertProtocolError(new RespDecoder(3, 4, 5), ",1.2345\r\n", "double is longer than 5 bytes without CR LF");
        assertProtocolError(new RespDecoder(3, 4, 5), "(123456\r\n", "big number is longer than 5 bytes without CR LF");
        assertProtocolError(new RespDecoder(1, 4, 64), "%1\r\n", "map length 1 is out of range (0 to 0)");
        assertProtocolError(new RespDecoder(1, 4, 64), "|1\r\n", "attribute length 1 is out of range (0 to 0)");
        assertEquals(List.of(map(), push(new IntegerReply(1))), decodeWith(new RespDecoder(1, 4, 64), "%0\r\n|0\r\n>1\r\n:1\r\n"));
    }

    private static List<Reply> decodeWith(RespDecoder decoder, String input) {
        List<Reply> out = new ArrayList<>();
        decoder.feed(ByteBuffer.wrap(bytes(input)), out::add);
        return out;
    }

    @Test
    void hugeDeclaredResp3LengthsAreNotPreallocated() {
        List<RespDecoder> alive = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            RespDecoder verbatim = new RespDecoder();
            verbatim.feed(ByteBuffer.wrap(bytes("=" + RespDecoder.MAX_BULK_LENGTH + "\r\ntxt:abc")), r -> fail());
            assertTrue(verbatim.hasPartialReply());
            RespDecoder maps = new RespDecoder();
            String header = "%" + RespDecoder.DEFAULT_MAX_ARRAY_LENGTH / 2 + "\r\n+k\r\n";
            maps.feed(ByteBuffer.wrap(bytes(header.repeat(RespDecoder.DEFAULT_MAX_DEPTH - 1)
                    + "|" + RespDecoder.DEFAULT_MAX_ARRAY_LENGTH / 2 + "\r\n:1\r\n")), r -> fail());
            assertTrue(maps.hasPartialReply());
            alive.add(verbatim);
            alive.add(maps);
        }
        assertEquals(200, alive.size());
    }

    static Stream<Arguments> resp3HostileInputs() {
        String maxArray = Integer.toString(RespDecoder.DEFAULT_MAX_ARRAY_LENGTH);
        String halfMax = Integer.toString(RespDecoder.DEFAULT_MAX_ARRAY_LENGTH / 2);
        return Stream.of(
                Arguments.of("null with a byte", "_x\r\n", "unexpected 'x' (0x78) in the null"),
                Arguments.of("null with a space", "_ \r\n", "unexpected ' ' (0x20) in the null"),
                Arguments.of("null with LF only", "_\n", "unexpected 0x0a in the null"),
                Arguments.of("null CR without LF", "_\rX", "expected LF after CR ending the null, got 'X'"),
                Arguments.of("boolean upper case", "#T\r\n", "expected 't' or 'f' in the boolean, got 'T'"),
                Arguments.of("boolean empty", "#\r\n", "expected 't' or 'f' in the boolean, got 0x0d"),
                Arguments.of("boolean word", "#true\r\n", "unexpected 'r' (0x72) in the boolean"),
                Arguments.of("boolean digit", "#1\r\n", "expected 't' or 'f' in the boolean, got '1'"),
                Arguments.of("boolean CR without LF", "#f\rX", "expected LF after CR ending the boolean"),
                Arguments.of("double empty", ",\r\n", "no digits in the double"),
                Arguments.of("double minus only", ",-\r\n", "incomplete double '-'"),
                Arguments.of("double trailing dot", ",1.\r\n", "incomplete double '1.'"),
                Arguments.of("double leading dot", ",.5\r\n", "unexpected '.' (0x2e) in the double"),
                Arguments.of("double exponent without digits", ",1e\r\n", "incomplete double '1e'"),
                Arguments.of("double exponent sign only", ",1e+\r\n", "incomplete double '1e+'"),
                Arguments.of("double plus", ",+1\r\n", "unexpected '+' (0x2b) in the double"),
                Arguments.of("double two dots", ",1.5.5\r\n", "unexpected '.' (0x2e) in the double"),
                Arguments.of("double exponent dot", ",1e5.0\r\n", "unexpected '.' (0x2e) in the double"),
                Arguments.of("double dot exponent", ",1.e5\r\n", "unexpected 'e' (0x65) in the double"),
                Arguments.of("double Inf", ",Inf\r\n", "unexpected 'I' (0x49) in the double"),
                Arguments.of("double +inf", ",+inf\r\n", "unexpected '+' (0x2b) in the double"),
                Arguments.of("double -nan", ",-nan\r\n", "unexpected 'n' (0x6e) in the double"),
                Arguments.of("double NaN", ",NaN\r\n", "unexpected 'N' (0x4e) in the double"),
                Arguments.of("double infinity", ",infinity\r\n", "unexpected 'i' (0x69) in the double"),
                Arguments.of("double in", ",in\r\n", "incomplete double 'in'"),
                Arguments.of("double hex", ",0x10\r\n", "unexpected 'x' (0x78) in the double"),
                Arguments.of("double space", ", 1\r\n", "unexpected ' ' (0x20) in the double"),
                Arguments.of("double overflow", ",1e400\r\n", "double 1e400 is out of range"),
                Arguments.of("double negative overflow", ",-1.8e308\r\n", "double -1.8e308 is out of range"),
                Arguments.of("double 33 characters", "," + "1".repeat(33) + "\r\n", "double is longer than 32 characters"),
                Arguments.of("double CR without LF", ",1\rX", "expected LF after CR ending the double, got 'X'"),
                Arguments.of("double LF without CR", ",1\n", "unexpected 0x0a in the double"),
                Arguments.of("big number empty", "(\r\n", "no digits in the big number"),
                Arguments.of("big number minus only", "(-\r\n", "no digits in the big number"),
                Arguments.of("big number leading zero", "(01\r\n", "leading zero in the big number"),
                Arguments.of("big number zeros", "(00\r\n", "leading zero in the big number"),
                Arguments.of("big number -0", "(-0\r\n", "-0 or a leading zero in the big number"),
                Arguments.of("big number -01", "(-01\r\n", "-0 or a leading zero in the big number"),
                Arguments.of("big number plus", "(+1\r\n", "unexpected '+' (0x2b) in the big number"),
                Arguments.of("big number fraction", "(1.5\r\n", "unexpected '.' (0x2e) in the big number"),
                Arguments.of("big number minus inside", "(1-1\r\n", "unexpected '-' (0x2d) in the big number"),
                Arguments.of("big number 1025 characters", "(" + "1".repeat(1025) + "\r\n",
                        "big number is longer than 1024 characters"),
                Arguments.of("big number 1025 with a sign", "(-" + "1".repeat(1024) + "\r\n",
                        "big number is longer than 1024 characters"),
                Arguments.of("big number CR without LF", "(1\rX", "expected LF after CR ending the big number"),
                Arguments.of("big number LF without CR", "(1\n", "unexpected 0x0a in the big number"),
                Arguments.of("verbatim nil", "=-1\r\n", "verbatim string length -1 is out of range (4 to 536870912)"),
                Arguments.of("verbatim 3 bytes", "=3\r\ntxt\r\n", "verbatim string length 3 is out of range"),
                Arguments.of("verbatim empty", "=0\r\n\r\n", "verbatim string length 0 is out of range"),
                Arguments.of("verbatim over 512 MiB", "=536870913\r\n", "verbatim string length 536870913 is out of range"),
                Arguments.of("verbatim leading zero", "=05\r\ntxt:x\r\n", "leading zero in the verbatim string length"),
                Arguments.of("verbatim -0", "=-0\r\n", "-0 as the verbatim string length"),
                Arguments.of("verbatim no colon", "=5\r\ntxt;x\r\n", "expected ':' after the 3-byte format of the verbatim string, got ';'"),
                Arguments.of("verbatim colon early", "=5\r\ntx:xx\r\n", "expected ':' after the 3-byte format of the verbatim string, got 'x'"),
                Arguments.of("verbatim without CRLF", "=5\r\ntxt:xY", "expected CR LF after the 5-byte verbatim string, got 'Y'"),
                Arguments.of("verbatim CR without LF", "=5\r\ntxt:x\rY", "expected LF after CR ending the 5-byte verbatim string"),
                Arguments.of("map nil", "%-1\r\n", "map length -1 is out of range (0 to " + halfMax + ")"),
                Arguments.of("map over half the limit", "%" + (RespDecoder.DEFAULT_MAX_ARRAY_LENGTH / 2 + 1) + "\r\n",
                        "map length 8388609 is out of range"),
                Arguments.of("map -0", "%-0\r\n", "-0 as the map length"),
                Arguments.of("map streamed", "%?\r\n", "unexpected '?' (0x3f) in the map length"),
                Arguments.of("set nil", "~-1\r\n", "set length -1 is out of range (0 to " + maxArray + ")"),
                Arguments.of("set over the limit", "~" + (RespDecoder.DEFAULT_MAX_ARRAY_LENGTH + 1) + "\r\n",
                        "set length 16777217 is out of range"),
                Arguments.of("push empty", ">0\r\n", "push message length 0 is out of range (1 to " + maxArray + ")"),
                Arguments.of("push nil", ">-1\r\n", "push message length -1 is out of range"),
                Arguments.of("push over the limit", ">" + (RespDecoder.DEFAULT_MAX_ARRAY_LENGTH + 1) + "\r\n",
                        "push message length 16777217 is out of range"),
                Arguments.of("push in an array", "*1\r\n>1\r\n+x\r\n", "push message inside an aggregate"),
                Arguments.of("push in a push", ">2\r\n+message\r\n>1\r\n+x\r\n", "push message inside an aggregate"),
                Arguments.of("push in a map", "%1\r\n+k\r\n>1\r\n+x\r\n", "push message inside an aggregate"),
                Arguments.of("push in a set", "~1\r\n>1\r\n+x\r\n", "push message inside an aggregate"),
                Arguments.of("push in an attribute", "|1\r\n>1\r\n+x\r\n+v\r\n:1\r\n", "push message inside an attribute"),
                Arguments.of("push deep in an attribute", "|1\r\n+k\r\n*1\r\n>1\r\n+x\r\n:1\r\n", "push message inside an attribute"),
                Arguments.of("attribute nil", "|-1\r\n", "attribute length -1 is out of range (0 to " + halfMax + ")"),
                Arguments.of("attribute over half the limit", "|" + (RespDecoder.DEFAULT_MAX_ARRAY_LENGTH / 2 + 1) + "\r\n",
                        "attribute length 8388609 is out of range"),
                Arguments.of("attribute in an attribute", "|1\r\n|0\r\n+k\r\n+v\r\n:1\r\n", "attribute inside an attribute"),
                Arguments.of("attribute as an attribute's value", "|1\r\n+k\r\n|1\r\n+a\r\n+b\r\n+v\r\n:1\r\n",
                        "attribute inside an attribute"),
                Arguments.of("attribute deep in an attribute", "|1\r\n+k\r\n*1\r\n%1\r\n|0\r\n+a\r\n+b\r\n:1\r\n",
                        "attribute inside an attribute"),
                Arguments.of("bad value after an attribute", "|1\r\n+a\r\n+b\r\n!x\r\n", "unknown type byte '!'"),
                Arguments.of("33 levels of maps", "%1\r\n+k\r\n".repeat(33) + ":1\r\n", "aggregates nested deeper than 32 levels"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource({"hostileInputs", "resp3HostileInputs"})
    void hostileInputIsRejected(String name, String input, String expectedMessage) {
        byte[] bytes = bytes(input);
        RedisProtocolException whole = assertThrows(RedisProtocolException.class,
                () -> new RespDecoder().feed(ByteBuffer.wrap(bytes), r -> { }));
        assertTrue(whole.getMessage().contains(expectedMessage), whole.getMessage());
        assertTrue(whole.offset() >= 0 && whole.offset() < bytes.length, "offset " + whole.offset());
        assertTrue(whole.getMessage().endsWith(" at offset " + whole.offset()), whole.getMessage());

        // Fed one byte at a time: the same error at the same offset.
        RespDecoder decoder = new RespDecoder();
        RedisProtocolException split = assertThrows(RedisProtocolException.class, () -> {
            for (byte b : bytes) {
                decoder.feed(ByteBuffer.wrap(new byte[] {b}), r -> { });
            }
        });
        assertEquals(whole.getMessage(), split.getMessage());

        // The decoder is then unusable.
        RedisProtocolException after = assertThrows(RedisProtocolException.class,
                () -> decoder.feed(ByteBuffer.wrap(bytes(":1\r\n")), r -> fail("no reply after a failure")));
        assertSame(split, after.getCause());
        assertTrue(after.getMessage().contains("must be closed"), after.getMessage());
        assertTrue(decoder.hasPartialReply());
    }

    @Test
    void errorOffsetsCountFromTheStartOfTheStream() {
        RespDecoder decoder = new RespDecoder();
        decoder.feed(ByteBuffer.wrap(bytes("+OK\r\n:1")), r -> { });
        RedisProtocolException e = assertThrows(RedisProtocolException.class,
                () -> decoder.feed(ByteBuffer.wrap(bytes("2x")), r -> { }));
        assertEquals(8, e.offset());
        assertTrue(e.getMessage().endsWith("at offset 8"), e.getMessage());
    }

    @Test
    void hugeDeclaredLengthsAreNotPreallocated() {
        // 100 decoders each holding the header of a 512 MiB bulk string, and 100 each holding 32
        // nested headers of 16 Mi-element arrays: preallocating those would need far more than
        // the test heap (1 GiB); the decoder's small initial bounds need a few megabytes.
        List<RespDecoder> alive = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            RespDecoder bulk = new RespDecoder();
            bulk.feed(ByteBuffer.wrap(bytes("$" + RespDecoder.MAX_BULK_LENGTH + "\r\nabc")), r -> fail());
            assertTrue(bulk.hasPartialReply());
            RespDecoder arrays = new RespDecoder();
            String header = "*" + RespDecoder.DEFAULT_MAX_ARRAY_LENGTH + "\r\n";
            arrays.feed(ByteBuffer.wrap(bytes(header.repeat(RespDecoder.DEFAULT_MAX_DEPTH) + ":1\r\n")), r -> fail());
            assertTrue(arrays.hasPartialReply());
            alive.add(bulk);
            alive.add(arrays);
        }
        assertEquals(200, alive.size());
    }

    @Test
    void customLimits() {
        RespDecoder decoder = new RespDecoder(3, 2, 5);
        List<Reply> out = new ArrayList<>();
        decoder.feed(ByteBuffer.wrap(bytes("*3\r\n*1\r\n:1\r\n+12345\r\n-ERR\r\n")), out::add);
        assertEquals(List.of(array(array(new IntegerReply(1)), new SimpleString("12345"), new ErrorReply("ERR"))), out);

        assertProtocolError(new RespDecoder(3, 2, 5), "*4\r\n", "array length 4 is out of range (-1 to 3)");
        assertProtocolError(new RespDecoder(3, 2, 5), "*1\r\n*1\r\n*1\r\n", "aggregates nested deeper than 2 levels");
        assertProtocolError(new RespDecoder(3, 2, 5), "+123456\r\n", "simple string is longer than 5 bytes");
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(1, 1, 0));
    }

    @Test
    void replySizeLimitRefusesTheFirstByteBeyondItHoweverTheStreamIsSplit() {
        String two = "*2\r\n$3\r\nabc\r\n$3\r\ndef\r\n"; // 22 bytes
        Reply expected = array(new BulkString(bytes("abc")), new BulkString(bytes("def")));
        List<Reply> out = new ArrayList<>();
        new RespDecoder(16, 4, 64, 22).feed(ByteBuffer.wrap(bytes(two + two)), out::add);
        assertEquals(List.of(expected, expected), out, "a reply of exactly the limit, and the limit again for the next");

        byte[] all = bytes(two);
        for (int split = 0; split <= all.length; split++) {
            RespDecoder decoder = new RespDecoder(16, 4, 64, 12);
            int at = split;
            RedisProtocolException e = assertThrows(RedisProtocolException.class, () -> feedSplit(decoder, all, at));
            assertEquals(12, e.offset(), "split at " + at + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("reply larger than 12 bytes"), e.getMessage());
        }

        // A large bulk string is stopped at the limit, before its bytes are taken in.
        RespDecoder bulk = new RespDecoder(16, 4, 64, 1000);
        ByteBuffer big = ByteBuffer.wrap(bytes("$4990\r\n" + "x".repeat(4993)));
        RedisProtocolException e = assertThrows(RedisProtocolException.class, () -> bulk.feed(big, r -> { }));
        assertEquals(1000, e.offset());
        assertEquals(1000, big.position());
        assertThrows(IllegalArgumentException.class, () -> new RespDecoder(1, 1, 1, 0));
    }

    private static void feedSplit(RespDecoder decoder, byte[] all, int split) {
        decoder.feed(ByteBuffer.wrap(all, 0, split), r -> { });
        decoder.feed(ByteBuffer.wrap(all, split, all.length - split), r -> { });
    }

    @Test
    void lineOfExactlyTheLimitIsAccepted() {
        String max = "x".repeat(RespDecoder.DEFAULT_MAX_LINE_LENGTH);
        byte[] input = bytes("+" + max + "\r\n");
        assertEquals(List.of(new SimpleString(max)), decode(input));
        int[] cuts = new int[input.length / 100];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = (i + 1) * 100;
        }
        assertEquals(List.of(new SimpleString(max)), decodeInChunks(input, cuts, false));
    }

    private static void assertProtocolError(RespDecoder decoder, String input, String expected) {
        RedisProtocolException e = assertThrows(RedisProtocolException.class,
                () -> decoder.feed(ByteBuffer.wrap(bytes(input)), r -> { }));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static int[] everyIndex(int length) {
        int[] cuts = new int[Math.max(0, length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    private static int[] randomCuts(Random random, int length) {
        int count = random.nextInt(Math.max(1, length / 4));
        int[] cuts = new int[count];
        for (int i = 0; i < count; i++) {
            cuts[i] = random.nextInt(length + 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }
}
