package io.evloop.redis;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.evloop.redis.Reply.ArrayReply;
import io.evloop.redis.Reply.BulkString;
import io.evloop.redis.Reply.ErrorReply;
import io.evloop.redis.Reply.IntegerReply;
import io.evloop.redis.Reply.SimpleString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ReplyTest {

    private static final BulkString HELLO = new BulkString("hello".getBytes(UTF_8));
    private static final SimpleString OK = new SimpleString("OK");
    private static final IntegerReply FORTY_TWO = new IntegerReply(42);
    private static final ArrayReply PAIR = new ArrayReply(List.of(HELLO, FORTY_TWO));
    private static final ErrorReply ERR = new ErrorReply("WRONGTYPE Operation against a key");

    private static Reply decodeOne(String resp) {
        List<Reply> out = new ArrayList<>();
        new RespDecoder().feed(ByteBuffer.wrap(resp.getBytes(UTF_8)), out::add);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void asString() {
        assertEquals("hello", HELLO.asString());
        assertEquals("OK", OK.asString());
        assertNull(Reply.NIL.asString());
        assertWrongType(() -> FORTY_TWO.asString(), "expected a bulk, simple or verbatim string reply but got IntegerReply[value=42]");
        assertWrongType(() -> PAIR.asString(), "but got ArrayReply[2 elements]");
        assertWrongType(() -> ERR.asString(), "but got ErrorReply[message=WRONGTYPE Operation against a key]");
    }

    @Test
    void resp3ShapesReadAsTheirResp2Forms() {
        Reply.MapReply map = new Reply.MapReply(List.of(HELLO, FORTY_TWO, OK, Reply.NIL));
        assertEquals(2, map.size());
        assertEquals(List.of(HELLO, FORTY_TWO, OK, Reply.NIL), map.asList(), "keys and values alternating");
        assertEquals(List.of(HELLO, OK), new ArrayList<>(map.asMap().keySet()), "in the server's order");
        assertEquals(FORTY_TWO, map.asMap().get(HELLO));
        assertEquals(map.asMap(), new ArrayReply(List.of(HELLO, FORTY_TWO, OK, Reply.NIL)).asMap(), "RESP2's flat form");
        assertWrongType(() -> new ArrayReply(List.of(HELLO)).asMap(), "ArrayReply[1 elements]");
        assertThrows(IllegalArgumentException.class, () -> new Reply.MapReply(List.of(HELLO)));
        assertEquals(List.of(HELLO), new Reply.SetReply(List.of(HELLO)).asList());
        Reply.PushReply push = new Reply.PushReply(List.of(new BulkString("invalidate".getBytes(UTF_8)), PAIR));
        assertEquals("invalidate", push.kind());
        assertEquals(2, push.asList().size());
        assertThrows(IllegalArgumentException.class, () -> new Reply.PushReply(List.of()));
        Reply.VerbatimString text = new Reply.VerbatimString("txt", "Some string".getBytes(UTF_8));
        assertEquals("Some string", text.asString());
        assertEquals(text, new Reply.VerbatimString("txt", "Some string".getBytes(UTF_8)));
        assertTrue(text.toString().startsWith("VerbatimString[txt, BulkString[11 bytes"), text.toString());
    }

    @Test
    void asDoubleReadsADoubleOrANumberAsRedisWritesOne() {
        assertEquals(1.5, new Reply.DoubleReply(1.5).asDouble());
        assertEquals(1.5, new BulkString("1.5".getBytes(UTF_8)).asDouble());
        assertEquals(-2e+20, new BulkString("-2e+20".getBytes(UTF_8)).asDouble());
        assertEquals(Double.POSITIVE_INFINITY, new BulkString("inf".getBytes(UTF_8)).asDouble());
        assertEquals(Double.NEGATIVE_INFINITY, new BulkString("-inf".getBytes(UTF_8)).asDouble());
        for (String notRedis : new String[] {"Infinity", "1f", " 1", "0x10", "", "1."}) {
            assertWrongType(() -> new BulkString(notRedis.getBytes(UTF_8)).asDouble(), "expected a double");
        }
        assertWrongType(() -> Reply.NIL.asDouble(), "expected a double");
        assertWrongType(() -> FORTY_TWO.asDouble(), "expected a double");
    }

    @Test
    void asBytes() {
        assertSame(HELLO.bytes(), HELLO.asBytes());
        assertArrayEquals("OK".getBytes(UTF_8), OK.asBytes());
        assertNull(Reply.NIL.asBytes());
        assertWrongType(() -> FORTY_TWO.asBytes(), "IntegerReply");
        assertWrongType(() -> PAIR.asBytes(), "ArrayReply");
    }

    @Test
    void asLong() {
        assertEquals(42, FORTY_TWO.asLong());
        assertEquals(Long.MIN_VALUE, new IntegerReply(Long.MIN_VALUE).asLong());
        assertWrongType(() -> Reply.NIL.asLong(), "expected an integer reply but got Nil");
        assertWrongType(() -> new BulkString("42".getBytes(UTF_8)).asLong(), "BulkString[2 bytes \"42\"]");
        assertWrongType(() -> OK.asLong(), "SimpleString[value=OK]");
    }

    @Test
    void asList() {
        assertEquals(List.of(HELLO, FORTY_TWO), PAIR.asList());
        assertNull(Reply.NIL.asList());
        assertWrongType(() -> HELLO.asList(), "expected an array reply but got BulkString");
        assertWrongType(() -> ERR.asList(), "ErrorReply");
    }

    @Test
    void isNilAndIsError() {
        assertTrue(Reply.NIL.isNil());
        assertFalse(HELLO.isNil());
        assertFalse(ArrayReply.EMPTY.isNil());
        assertTrue(ERR.isError());
        assertFalse(OK.isError());
    }

    @Test
    void decodedNilsAreTheSingleton() {
        assertSame(Reply.NIL, decodeOne("$-1\r\n"));
        assertSame(Reply.NIL, decodeOne("*-1\r\n"));
        assertEquals("Nil", Reply.NIL.toString());
    }

    @Test
    void bulkStringEqualityIsByContentAndBytesAreNotCopied() {
        byte[] raw = {1, 2, 3};
        BulkString a = new BulkString(raw);
        BulkString b = new BulkString(new byte[] {1, 2, 3});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, new BulkString(new byte[] {1, 2}));
        assertNotEquals(a, new SimpleString("\u0001\u0002\u0003"));
        assertSame(raw, a.bytes());
        assertEquals(3, a.length());
        assertThrows(NullPointerException.class, () -> new BulkString(null));
    }

    @Test
    void bulkStringUtf8() {
        assertEquals("caf\u00e9", new BulkString("caf\u00e9".getBytes(UTF_8)).utf8());
        assertEquals("\ufffd", new BulkString(new byte[] {(byte) 0xff}).utf8());
    }

    @Test
    void bulkStringToStringIsAShortEscapedPreview() {
        assertEquals("BulkString[5 bytes \"hello\"]", HELLO.toString());
        assertEquals("BulkString[1 byte \"x\"]", new BulkString(new byte[] {'x'}).toString());
        assertEquals("BulkString[0 bytes \"\"]", new BulkString(new byte[0]).toString());
        byte[] odd = {'a', '\r', '\n', '\t', 0, (byte) 0xff, '"', '\\'};
        assertEquals("BulkString[8 bytes \"a\\r\\n\\t\\x00\\xff\\\"\\\\\"]", new BulkString(odd).toString());
        byte[] big = new byte[1_000_000];
        Arrays.fill(big, (byte) 'z');
        String preview = new BulkString(big).toString();
        assertEquals("BulkString[1000000 bytes \"" + "z".repeat(64) + "\"...]", preview);
    }

    @Test
    void arrayReplyIsUnmodifiableAndCopiesTheCallersList() {
        List<Reply> source = new ArrayList<>(List.of(HELLO, OK));
        ArrayReply array = new ArrayReply(source);
        source.add(FORTY_TWO);
        assertEquals(2, array.size());
        assertSame(OK, array.get(1));
        assertThrows(UnsupportedOperationException.class, () -> array.elements().add(OK));
        assertThrows(NullPointerException.class, () -> new ArrayReply(Arrays.asList(HELLO, null)));
        assertThrows(NullPointerException.class, () -> new ArrayReply(null));
    }

    @Test
    void decodedArraysAreUnmodifiableAndEqualToBuiltOnes() {
        Reply decoded = decodeOne("*3\r\n$5\r\nhello\r\n:42\r\n*-1\r\n");
        ArrayReply built = new ArrayReply(List.of(HELLO, FORTY_TWO, Reply.NIL));
        assertEquals(built, decoded);
        assertEquals(decoded, built);
        assertEquals(built.hashCode(), decoded.hashCode());
        List<Reply> elements = decoded.asList();
        assertThrows(UnsupportedOperationException.class, () -> elements.set(0, OK));
        assertThrows(UnsupportedOperationException.class, () -> elements.remove(0));
        assertThrows(IndexOutOfBoundsException.class, () -> elements.get(3));
        // Re-wrapping a decoded list keeps it as it is.
        assertSame(elements, new ArrayReply(elements).elements());
        assertEquals(3, elements.toArray().length);
        assertEquals(Object[].class, elements.toArray().getClass());
    }

    @Test
    void errorReply() {
        assertEquals("WRONGTYPE", ERR.prefix());
        assertEquals("ERR", new ErrorReply("ERR").prefix());
        RedisErrorException e = ERR.toException();
        assertEquals("WRONGTYPE Operation against a key", e.getMessage());
        assertEquals("WRONGTYPE", e.prefix());
        assertInstanceOf(ErrorReply.class, decodeOne("-ERR x\r\n"));
    }

    private static void assertWrongType(Runnable call, String expectedInMessage) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
        assertTrue(e.getMessage().contains(expectedInMessage), e.getMessage());
    }

    // The exceptions have no test file of their own: they are a few lines each.
    @Nested
    class Exceptions {
        @Test
        void allAreRedisExceptions() {
            IOException cause = new IOException("reset");
            List<RedisException> all = List.of(
                    new RedisErrorException("ERR x", cause),
                    new RedisProtocolException("bad", cause),
                    new RedisTimeoutException("GET timed out after 1000 ms on 127.0.0.1:6379", cause),
                    new RedisConnectionException("connection to 127.0.0.1:6379 lost", cause),
                    new RedisBackpressureException("too many pending commands", cause),
                    new RedisClosedException("client closed", cause));
            for (RedisException e : all) {
                assertInstanceOf(RuntimeException.class, e);
                assertSame(cause, e.getCause());
            }
            assertEquals("client closed", new RedisClosedException("client closed").getMessage());
            assertEquals("x", new RedisException("x").getMessage());
        }

        @Test
        void errorPrefixIsTheFirstWord() {
            assertEquals("WRONGTYPE", new RedisErrorException("WRONGTYPE Operation against a key").prefix());
            assertEquals("NOAUTH", new RedisErrorException("NOAUTH").prefix());
            assertEquals("", new RedisErrorException("").prefix());
            assertEquals("", new RedisErrorException(null).prefix());
        }

        @Test
        void protocolExceptionOffset() {
            RedisProtocolException at = new RedisProtocolException("unknown RESP2 type byte '?' (0x3f)", 17);
            assertEquals(17, at.offset());
            assertEquals("unknown RESP2 type byte '?' (0x3f) at offset 17", at.getMessage());
            assertEquals(-1, new RedisProtocolException("bad").offset());
        }
    }
}
