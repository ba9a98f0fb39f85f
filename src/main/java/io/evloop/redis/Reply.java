package io.evloop.redis;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One reply from the server: in RESP2 a bulk string, a simple string, an integer, nil, an
 * array of replies or an error inside an array; with RESP3 ({@link RedisConfig.Builder#protocol})
 * also a map, a set, a double, a boolean, a big number, a verbatim string, and the push
 * messages the server sends on its own ({@link PushReply}, which never completes a command).
 *
 * <p>RESP3 changes the shape of some replies (HGETALL and CONFIG GET give a map, SMEMBERS a
 * set, ZSCORE a double, INFO a verbatim string); the {@code as...} methods and the typed
 * reads of {@link RedisCommands} accept both shapes, so code written against RESP2 keeps
 * working. A RESP3 attribute ({@code |}) reaches the caller with the value it describes, as an
 * {@link AttributedReply}, whose {@code as...} methods read the value: code that does not care
 * about attributes reads it as if they were not there.
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
                Reply.ArrayReply, Reply.ErrorReply, Reply.MapReply, Reply.SetReply, Reply.DoubleReply,
                Reply.BooleanReply, Reply.BigNumberReply, Reply.VerbatimString, Reply.PushReply,
                Reply.AttributedReply {

    /**
     * The nil reply: a nil bulk string ({@code $-1}), a nil array ({@code *-1}) and RESP3's
     * null ({@code _}) alike.
     */
    Nil NIL = Nil.INSTANCE;

    /** Returns true if this is {@link #NIL}. */
    default boolean isNil() {
        return this == NIL;
    }

    /** Returns true if this is an {@link ErrorReply} (an error element inside an array). */
    default boolean isError() {
        return this instanceof ErrorReply;
    }

    /** This reply without the RESP3 attribute before it: {@link AttributedReply#value()}, else this. */
    default Reply withoutAttributes() {
        return this;
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
        if (this instanceof VerbatimString v) {
            return v.text();
        }
        if (this == NIL) {
            return null;
        }
        throw wrongType("a bulk, simple or verbatim string");
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
        if (this instanceof VerbatimString v) {
            return v.content();
        }
        if (this == NIL) {
            return null;
        }
        throw wrongType("a bulk, simple or verbatim string");
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
     * Returns a double reply's value, or a bulk string holding a number as Redis writes one
     * (RESP2's form of a score: {@code "1.5"}, {@code "inf"}, {@code "-inf"}).
     *
     * @throws IllegalStateException if this is neither (nil included)
     */
    default double asDouble() {
        if (this instanceof DoubleReply d) {
            return d.value();
        }
        if (this instanceof BulkString b) {
            try {
                return ScoredValue.parseScore(b.utf8());
            } catch (RedisProtocolException notANumber) {
                throw wrongType("a double");
            }
        }
        throw wrongType("a double");
    }

    /**
     * Returns the elements of an array, a set or a push message (unmodifiable); a map's keys
     * and values alternating, as RESP2 sends them; null for nil.
     *
     * @throws IllegalStateException if this is not an aggregate or nil
     */
    default List<Reply> asList() {
        if (this instanceof ArrayReply a) {
            return a.elements();
        }
        if (this instanceof SetReply s) {
            return s.elements();
        }
        if (this instanceof PushReply p) {
            return p.elements();
        }
        if (this instanceof MapReply m) {
            return m.keysAndValues();
        }
        if (this == NIL) {
            return null;
        }
        throw wrongType("an array");
    }

    /**
     * Returns a map's entries in the server's order (unmodifiable; a repeated key keeps its
     * last value), or those of an array of keys and values alternating, RESP2's form of the
     * same reply (HGETALL, CONFIG GET); null for nil.
     *
     * @throws IllegalStateException if this is neither a map nor an array of even length
     */
    default Map<Reply, Reply> asMap() {
        List<Reply> flat;
        if (this instanceof MapReply m) {
            flat = m.keysAndValues();
        } else if (this instanceof ArrayReply a && a.size() % 2 == 0) {
            flat = a.elements();
        } else if (this == NIL) {
            return null;
        } else {
            throw wrongType("a map");
        }
        Map<Reply, Reply> map = new LinkedHashMap<>(Math.max(4, flat.size()));
        for (int i = 0; i < flat.size(); i += 2) {
            map.put(flat.get(i), flat.get(i + 1));
        }
        return Collections.unmodifiableMap(map);
    }

    private IllegalStateException wrongType(String expected) {
        // Name the actual type, with a bounded description (an aggregate may be huge).
        String actual = this instanceof ArrayReply a ? "ArrayReply[" + a.size() + " elements]"
                : this instanceof SetReply set ? "SetReply[" + set.size() + " elements]"
                : this instanceof MapReply m ? "MapReply[" + m.size() + " entries]"
                : this instanceof PushReply p ? "PushReply[" + p.kind() + ", " + p.elements().size() + " elements]"
                : toString();
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

    /**
     * A RESP3 map ({@code %2\r\n...}): keys and values alternating, in the server's order.
     * {@link Reply#asMap()} gives it as a {@code Map}.
     *
     * @param keysAndValues key, value, key, value...: unmodifiable, of even length, no null
     */
    record MapReply(List<Reply> keysAndValues) implements Reply {
        /**
         * Creates a map reply holding an unmodifiable copy of {@code keysAndValues}.
         *
         * @throws IllegalArgumentException if the list has an odd length
         */
        public MapReply {
            if (!(keysAndValues instanceof RespDecoder.ElementList)) {
                keysAndValues = List.copyOf(keysAndValues);
            }
            if (keysAndValues.size() % 2 != 0) {
                throw new IllegalArgumentException("a map needs keys and values in pairs, got "
                        + keysAndValues.size() + " elements");
            }
        }

        /** Returns the number of entries. */
        public int size() {
            return keysAndValues.size() / 2;
        }
    }

    /**
     * A RESP3 set ({@code ~2\r\n...}): elements in the server's order.
     *
     * @param elements unmodifiable, no null
     */
    record SetReply(List<Reply> elements) implements Reply {
        /** Creates a set reply holding an unmodifiable copy of {@code elements}. */
        public SetReply {
            if (!(elements instanceof RespDecoder.ElementList)) {
                elements = List.copyOf(elements);
            }
        }

        /** Returns the number of elements. */
        public int size() {
            return elements.size();
        }
    }

    /**
     * A RESP3 double ({@code ,3.14\r\n}, {@code ,inf\r\n}, {@code ,-inf\r\n}, {@code ,nan\r\n}).
     *
     * @param value the value; infinite or NaN as the server sent it
     */
    record DoubleReply(double value) implements Reply {
    }

    /**
     * A RESP3 boolean ({@code #t\r\n} or {@code #f\r\n}).
     *
     * @param value the value
     */
    record BooleanReply(boolean value) implements Reply {
    }

    /**
     * A RESP3 big number ({@code (3492890328409238509324850943850943825024385\r\n}).
     *
     * @param value the value, not null
     */
    record BigNumberReply(BigInteger value) implements Reply {
        /** Creates a big number reply. */
        public BigNumberReply {
            Objects.requireNonNull(value, "value");
        }
    }

    /**
     * A RESP3 verbatim string ({@code =15\r\ntxt:Some string\r\n}): text with a three-letter
     * format ({@code txt}, {@code mkd}). {@link Reply#asString()} gives its text.
     *
     * @param format  the three-character format, not null
     * @param content the text's bytes, without the format and its colon; not copied, do not modify
     */
    record VerbatimString(String format, byte[] content) implements Reply {
        /** Wraps {@code content} without copying it. */
        public VerbatimString {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(content, "content");
        }

        /** Returns the text decoded as UTF-8. */
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof VerbatimString other && format.equals(other.format)
                    && Arrays.equals(content, other.content);
        }

        @Override
        public int hashCode() {
            return format.hashCode() * 31 + Arrays.hashCode(content);
        }

        @Override
        public String toString() {
            return "VerbatimString[" + format + ", " + new BulkString(content) + "]";
        }
    }

    /**
     * A RESP3 push message ({@code >3\r\n...}): data the server sends on its own, such as a
     * pub/sub message or a client tracking invalidation. It never completes a command: the
     * client hands it to its push listener ({@link RedisConfig.Builder#pushListener}) or, on
     * a subscription's connection, to the subscription.
     *
     * @param elements the elements, unmodifiable, at least one, the first naming the kind
     */
    record PushReply(List<Reply> elements) implements Reply {
        /**
         * Creates a push reply holding an unmodifiable copy of {@code elements}.
         *
         * @throws IllegalArgumentException if there is no element
         */
        public PushReply {
            if (!(elements instanceof RespDecoder.ElementList)) {
                elements = List.copyOf(elements);
            }
            if (elements.isEmpty()) {
                throw new IllegalArgumentException("a push message has at least one element, its kind");
            }
        }

        /** Returns the kind, the first element as text ({@code "message"}, {@code "invalidate"}...); "" if it is not a string. */
        public String kind() {
            Reply first = elements.get(0);
            Reply bare = first.withoutAttributes();
            return bare instanceof BulkString || bare instanceof SimpleString || bare instanceof VerbatimString
                    ? first.asString() : "";
        }
    }

    /**
     * A value with the RESP3 attribute the server sent before it ({@code |1\r\n+key-popularity\r\n...},
     * then the value): data about the value, such as how popular a key is. Redis sends
     * attributes only when asked ({@code DEBUG PROTOCOL attrib}). The {@code as...} methods,
     * {@link #isNil()} and {@link #isError()} read the value, so code that does not care about
     * attributes reads it as if they were not there; {@link #withoutAttributes()} gives it
     * bare. Both backends decode attributes the same way: an attribute before a push message
     * is dropped (the push is routed like any other), and several attributes before one value
     * are merged, in the order they came.
     *
     * @param attributes the attribute's keys and values
     * @param value      the value it describes: neither an AttributedReply nor a PushReply
     */
    record AttributedReply(MapReply attributes, Reply value) implements Reply {
        /**
         * Creates an attributed value.
         *
         * @throws IllegalArgumentException if {@code value} is attributed already, or a push message
         */
        public AttributedReply {
            Objects.requireNonNull(attributes, "attributes");
            Objects.requireNonNull(value, "value");
            if (value instanceof AttributedReply || value instanceof PushReply) {
                throw new IllegalArgumentException("an attribute describes a plain value, not " + value
                        .getClass().getSimpleName() + ": merge attributes into one AttributedReply");
            }
        }

        @Override
        public Reply withoutAttributes() {
            return value;
        }

        @Override
        public boolean isNil() {
            return value.isNil();
        }

        @Override
        public boolean isError() {
            return value.isError();
        }

        @Override
        public String asString() {
            return value.asString();
        }

        @Override
        public byte[] asBytes() {
            return value.asBytes();
        }

        @Override
        public long asLong() {
            return value.asLong();
        }

        @Override
        public double asDouble() {
            return value.asDouble();
        }

        @Override
        public List<Reply> asList() {
            return value.asList();
        }

        @Override
        public Map<Reply, Reply> asMap() {
            return value.asMap();
        }
    }
}
