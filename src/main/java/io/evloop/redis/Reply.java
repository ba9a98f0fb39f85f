package io.evloop.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One RESP2 reply from the server: a bulk string, a simple string, an integer, nil, an array
 * of replies or an error inside an array.
 *
 * <p>A top-level error reply never reaches the caller as a {@code Reply}: the client turns it
 * into a {@link RedisErrorException}. An error can appear as an {@link ErrorReply} element of
 * an array, for example in the result of EXEC.
 *
 * <p>The {@code as...} methods are for the common case where the caller knows which type the
 * command returns; they throw {@link IllegalStateException} naming the actual type otherwise.
 * Replies are immutable, except that {@link BulkString#bytes()} hands out its array without a
 * copy.
 */
public sealed interface Reply
        permits Reply.BulkString, Reply.SimpleString, Reply.IntegerReply, Reply.Nil,
                Reply.ArrayReply, Reply.ErrorReply {

    /** The nil reply: both a nil bulk string ({@code $-1}) and a nil array ({@code *-1}). */
    Nil NIL = Nil.INSTANCE;

    /** Returns true if this is {@link #NIL}. */
    default boolean isNil() {
        return this == NIL;
    }

    /** Returns true if this is an {@link ErrorReply} (an error element inside an array). */
    default boolean isError() {
        return this instanceof ErrorReply;
    }

    /**
     * Returns a bulk string decoded as UTF-8 or a simple string's value; null for nil.
     *
     * @throws IllegalStateException if this is an integer, an array or an error
     */
    default String asString() {
        if (this instanceof BulkString b) {
            return b.utf8();
        }
        if (this instanceof SimpleString s) {
            return s.value();
        }
        if (this == NIL) {
            return null;
        }
        throw wrongType("a bulk or simple string");
    }

    /**
     * Returns a bulk string's bytes (not copied: do not modify them) or a simple string's
     * value encoded as UTF-8; null for nil.
     *
     * @throws IllegalStateException if this is an integer, an array or an error
     */
    default byte[] asBytes() {
        if (this instanceof BulkString b) {
            return b.bytes();
        }
        if (this instanceof SimpleString s) {
            return s.value().getBytes(StandardCharsets.UTF_8);
        }
        if (this == NIL) {
            return null;
        }
        throw wrongType("a bulk or simple string");
    }

    /**
     * Returns an integer reply's value. A number sent as a bulk string (the reply of GET on a
     * counter, for example) is not converted: use {@code Long.parseLong(reply.asString())}.
     *
     * @throws IllegalStateException if this is not an integer reply (nil included)
     */
    default long asLong() {
        if (this instanceof IntegerReply i) {
            return i.value();
        }
        throw wrongType("an integer");
    }

    /**
     * Returns an array's elements (unmodifiable); null for nil.
     *
     * @throws IllegalStateException if this is not an array or nil
     */
    default List<Reply> asList() {
        if (this instanceof ArrayReply a) {
            return a.elements();
        }
        if (this == NIL) {
            return null;
        }
        throw wrongType("an array");
    }

    private IllegalStateException wrongType(String expected) {
        // Name the actual type, with a bounded description (an array may be huge).
        String actual = this instanceof ArrayReply a ? "ArrayReply[" + a.size() + " elements]" : toString();
        return new IllegalStateException("expected " + expected + " reply but got " + actual);
    }

    /**
     * A bulk string ({@code $5\r\nhello\r\n}): binary-safe bytes.
     *
     * <p>For speed the array is neither copied when the reply is made nor when
     * {@link #bytes()} returns it: it must not be modified. Equality and hash code are by
     * content.
     *
     * @param bytes the content, not null
     */
    record BulkString(byte[] bytes) implements Reply {
        private static final int PREVIEW_BYTES = 64;

        /** Wraps {@code bytes} without copying it. */
        public BulkString {
            Objects.requireNonNull(bytes, "bytes");
        }

        /** Returns the bytes, not copied: they must not be modified. */
        @Override
        public byte[] bytes() {
            return bytes;
        }

        /** Returns the bytes decoded as UTF-8 (malformed input becomes U+FFFD). */
        public String utf8() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** Returns the number of bytes. */
        public int length() {
            return bytes.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BulkString other && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        /**
         * Returns a short preview such as {@code BulkString[5 bytes "hello"]}: at most the
         * first 64 bytes, printable ASCII as is, anything else escaped ({@code \r}, {@code \n},
         * {@code \t}, {@code \\}, {@code \"}, {@code \xNN}).
         */
        @Override
        public String toString() {
            int shown = Math.min(bytes.length, PREVIEW_BYTES);
            StringBuilder sb = new StringBuilder(shown + 32);
            sb.append("BulkString[").append(bytes.length).append(bytes.length == 1 ? " byte \"" : " bytes \"");
            for (int i = 0; i < shown; i++) {
                int b = bytes[i] & 0xff;
                switch (b) {
                    case '\r' -> sb.append("\\r");
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    case '\\' -> sb.append("\\\\");
                    case '"' -> sb.append("\\\"");
                    default -> {
                        if (b >= 0x20 && b < 0x7f) {
                            sb.append((char) b);
                        } else {
                            sb.append("\\x").append(Character.forDigit(b >> 4, 16))
                                    .append(Character.forDigit(b & 0xf, 16));
                        }
                    }
                }
            }
            sb.append('"');
            if (shown < bytes.length) {
                sb.append("...");
            }
            return sb.append(']').toString();
        }
    }

    /**
     * A simple string ({@code +OK\r\n}), decoded as UTF-8.
     *
     * @param value the text, not null
     */
    record SimpleString(String value) implements Reply {
        /** Creates a simple string reply. */
        public SimpleString {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * An integer reply ({@code :42\r\n}).
     *
     * @param value the signed 64-bit value
     */
    record IntegerReply(long value) implements Reply {
    }

    /**
     * The nil reply; its only instance is {@link Reply#NIL}. Compare with {@code ==} or use
     * {@link Reply#isNil()}.
     */
    final class Nil implements Reply {
        private static final Nil INSTANCE = new Nil();

        private Nil() {
        }

        @Override
        public String toString() {
            return "Nil";
        }
    }

    /**
     * An array reply ({@code *2\r\n...}); a nil array is {@link Reply#NIL}, not an empty array.
     *
     * @param elements the elements, unmodifiable, never null, with no null element
     */
    record ArrayReply(List<Reply> elements) implements Reply {
        /** The empty array ({@code *0\r\n}). */
        public static final ArrayReply EMPTY = new ArrayReply(List.of());

        /**
         * Creates an array reply holding an unmodifiable copy of {@code elements}.
         *
         * @throws NullPointerException if {@code elements} or one of them is null
         */
        public ArrayReply {
            // The decoder's lists are already unmodifiable and are taken without a copy.
            if (!(elements instanceof RespDecoder.ElementList)) {
                elements = List.copyOf(elements);
            }
        }

        /** Returns the number of elements. */
        public int size() {
            return elements.size();
        }

        /** Returns the element at {@code index}. */
        public Reply get(int index) {
            return elements.get(index);
        }
    }

    /**
     * An error reply ({@code -ERR unknown command\r\n}) found as an element of an array. A
     * top-level error becomes a {@link RedisErrorException} instead.
     *
     * @param message the server's message without the leading {@code '-'}, not null
     */
    record ErrorReply(String message) implements Reply {
        /** Creates an error reply. */
        public ErrorReply {
            Objects.requireNonNull(message, "message");
        }

        /** Returns the first word of the message, the error code ({@code "ERR"}, {@code "WRONGTYPE"}...). */
        public String prefix() {
            return RedisErrorException.prefixOf(message);
        }

        /** Returns a {@link RedisErrorException} carrying this message, for callers that want to throw it. */
        public RedisErrorException toException() {
            return new RedisErrorException(message);
        }
    }
}
