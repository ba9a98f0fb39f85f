package io.evloop.redis;

import io.evloop.redis.Reply.ArrayReply;
import io.evloop.redis.Reply.BulkString;
import io.evloop.redis.Reply.ErrorReply;
import io.evloop.redis.Reply.IntegerReply;
import io.evloop.redis.Reply.SimpleString;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.function.Consumer;

/**
 * An incremental, resumable RESP2 decoder for the replies of one connection.
 *
 * <p>{@link #feed(ByteBuffer, Consumer)} takes whatever bytes have arrived, heap or direct,
 * consumes all of them, and hands every top-level reply they complete to the consumer, in
 * order. A reply may be split across calls at any byte, including inside a number or between
 * CR and LF: the decoder keeps its partial state, so the caller never keeps or re-feeds bytes.
 * Every byte is looked at once: a large bulk string is copied in as it arrives, with the count
 * of bytes still missing kept, and a large array is built on an explicit stack of partially
 * filled arrays, one per nesting level.
 *
 * <p>Limits. Any of these makes {@code feed} throw {@link RedisProtocolException}, naming what
 * was wrong and the offset of the offending byte in the stream:
 * <ul>
 * <li>an unknown type byte (RESP3 types included: this decoder speaks RESP2);</li>
 * <li>a malformed number: no digits, a character other than a leading {@code '-'} and digits
 *     (so no {@code '+'}), a leading zero ({@code :007}) or {@code -0}, which Redis never sends,
 *     more than 20 characters, or a value outside the signed 64-bit range;</li>
 * <li>a CR not followed by LF, an LF not preceded by CR, or a bulk string not followed by CR LF;</li>
 * <li>a bulk string length below -1 or over {@link #MAX_BULK_LENGTH} (512 MiB);</li>
 * <li>an array length below -1 or over the array length limit
 *     (default {@link #DEFAULT_MAX_ARRAY_LENGTH});</li>
 * <li>arrays nested deeper than the depth limit (default {@link #DEFAULT_MAX_DEPTH}; a
 *     top-level array is depth 1);</li>
 * <li>a simple string or error line longer than the line length limit
 *     (default {@link #DEFAULT_MAX_LINE_LENGTH}) without its CR LF;</li>
 * <li>a top-level reply larger than the reply size limit (default
 *     {@link RedisConfig#DEFAULT_MAX_REPLY_BYTES}), counted in bytes of the stream from its
 *     type byte to its last LF: the first byte beyond the limit is refused.</li>
 * </ul>
 * After such an exception the stream can no longer be followed: the decoder refuses further
 * input (every later {@code feed} throws {@code RedisProtocolException}) and the connection
 * must be closed.
 *
 * <p>Memory. Nothing is preallocated from a declared length beyond a small bound: a bulk
 * string's array starts at 64 KiB or at the number of bytes already at hand, whichever is
 * larger, and grows as bytes arrive; an array's element store starts at 256 elements and
 * grows as elements arrive. A declared length alone therefore costs at most those bounds.
 *
 * <p>Not thread-safe: an instance belongs to one connection and is used on its loop thread.
 */
final class RespDecoder {
    /** Largest bulk string accepted: Redis's own {@code proto-max-bulk-len} default, 512 MiB. */
    public static final int MAX_BULK_LENGTH = RespEncoder.MAX_ARGUMENT_LENGTH;

    /**
     * Default limit of elements in one array: 16 Mi (2<sup>24</sup>). Large enough for any
     * LRANGE, SMEMBERS or HGETALL a service should issue (HGETALL of a hash with 8 million
     * fields), small enough that an absurd declared length such as {@code *4294967295} is
     * refused outright. The elements themselves are only allocated as they arrive.
     */
    public static final int DEFAULT_MAX_ARRAY_LENGTH = 1 << 24;

    /** Default limit of array nesting: 32 levels. Redis replies rarely nest beyond 3 or 4. */
    public static final int DEFAULT_MAX_DEPTH = 32;

    /** Default limit of a simple string or error line, without its CR LF: 64 KiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

    /** Longest number line accepted: a sign and the 19 digits of a signed 64-bit value. */
    private static final int MAX_NUMBER_CHARS = 20;

    /** A bulk string's array is allocated at most this large before its bytes arrive. */
    private static final int PREALLOCATED_BULK_BYTES = 64 * 1024;

    /** An array's element store is allocated at most this large before its elements arrive. */
    private static final int PREALLOCATED_ELEMENTS = 256;

    private static final byte[] EMPTY_BYTES = new byte[0];

    // What the next byte is expected to be.
    private static final int EXPECT_TYPE = 0;    // a type byte: '+', '-', ':', '$' or '*'
    private static final int IN_NUMBER = 1;      // the rest of a ':', '$' or '*' line
    private static final int IN_LINE = 2;        // the rest of a '+' or '-' line
    private static final int IN_BULK = 3;        // bulk string content
    private static final int BULK_CR = 4;        // the CR after bulk string content
    private static final int BULK_LF = 5;        // the LF after bulk string content
    private static final int FAILED = 6;         // after a protocol error

    private final int maxArrayLength;
    private final int maxDepth;
    private final int maxLineLength;
    private final long maxReplyBytes;

    private int state = EXPECT_TYPE;
    private byte type;                  // type byte of the line being read
    private boolean sawCr;              // the line's CR has been read, its LF not yet

    // IN_NUMBER: the value so far, accumulated as a negative number so Long.MIN_VALUE fits.
    private long number;
    private boolean negative;
    private int numberChars;
    private int numberDigits;

    // IN_LINE: the line so far.
    private byte[] line = new byte[256];
    private int lineLength;

    // IN_BULK: the content so far; bulk is allocated when its first byte arrives.
    private byte[] bulk;
    private int bulkLength;
    private int bulkFilled;

    // Arrays being filled, outermost first; depth is the number in use.
    private Reply[][] stackElements = new Reply[4][];
    private int[] stackFilled = new int[4];
    private int[] stackLength = new int[4];
    private int depth;

    // A reply completed by the current step, handed out by feed once its position is saved.
    private Reply completed;

    private long replyStart;        // stream offset of the current top-level reply's type byte
    private long streamOffset;      // bytes consumed before the current feed
    private int feedStart;          // position of the input at the start of the current feed
    private RedisProtocolException failure;

    /** Creates a decoder with the default limits. */
    public RespDecoder() {
        this(DEFAULT_MAX_ARRAY_LENGTH, DEFAULT_MAX_DEPTH, DEFAULT_MAX_LINE_LENGTH, RedisConfig.DEFAULT_MAX_REPLY_BYTES);
    }

    /**
     * Creates a decoder with the given limits.
     *
     * @param maxArrayLength most elements in one array, at least 1
     * @param maxDepth       deepest array nesting, a top-level array being depth 1; at least 1
     * @param maxLineLength  longest simple string or error line without its CR LF; at least 1
     */
    public RespDecoder(int maxArrayLength, int maxDepth, int maxLineLength) {
        this(maxArrayLength, maxDepth, maxLineLength, RedisConfig.DEFAULT_MAX_REPLY_BYTES);
    }

    /**
     * Creates a decoder with the given limits.
     *
     * @param maxArrayLength most elements in one array, at least 1
     * @param maxDepth       deepest array nesting, a top-level array being depth 1; at least 1
     * @param maxLineLength  longest simple string or error line without its CR LF; at least 1
     * @param maxReplyBytes  largest top-level reply, in bytes of the stream; at least 1
     */
    public RespDecoder(int maxArrayLength, int maxDepth, int maxLineLength, long maxReplyBytes) {
        if (maxArrayLength < 1 || maxDepth < 1 || maxLineLength < 1 || maxReplyBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: maxArrayLength=" + maxArrayLength
                    + ", maxDepth=" + maxDepth + ", maxLineLength=" + maxLineLength + ", maxReplyBytes=" + maxReplyBytes);
        }
        this.maxArrayLength = maxArrayLength;
        this.maxDepth = maxDepth;
        this.maxLineLength = maxLineLength;
        this.maxReplyBytes = maxReplyBytes;
    }

    /**
     * Consumes every remaining byte of {@code in} (its position ends at its limit) and passes
     * each top-level reply completed by them to {@code out}, in order. A top-level error
     * reply is passed as an {@link Reply.ErrorReply}; the client turns it into a
     * {@link RedisErrorException}.
     *
     * <p>If {@code out} throws, the exception propagates; the bytes up to the end of the reply
     * it was given are consumed ({@code in}'s position says so) and the decoder stays usable,
     * so the caller may feed the rest of {@code in} again.
     *
     * @throws RedisProtocolException if the bytes are not valid RESP2 or exceed a limit; the
     *                                decoder is then unusable and the connection must be closed
     */
    public void feed(ByteBuffer in, Consumer<? super Reply> out) {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        if (failure != null) {
            throw new RedisProtocolException(
                    "decoder is unusable after an earlier protocol error; the connection must be closed", failure);
        }
        int start = in.position();
        int limit = in.limit();
        int pos = start;
        feedStart = start;
        try {
            while (pos < limit) {
                // Each step reads at most up to the reply size limit; a step that would need a
                // byte beyond it finds this check at the top of the next one.
                long at = streamOffset + (pos - start);
                if (state == EXPECT_TYPE && depth == 0) {
                    replyStart = at;
                }
                long room = replyStart + maxReplyBytes - at;
                if (room <= 0) {
                    throw error("reply larger than " + maxReplyBytes + " bytes (the reply size limit,"
                            + " RedisConfig.maxReplyBytes)", pos);
                }
                int stepLimit = room < limit - pos ? pos + (int) room : limit;
                switch (state) {
                    case EXPECT_TYPE -> pos = readType(in, pos);
                    case IN_NUMBER -> pos = readNumber(in, pos, stepLimit);
                    case IN_LINE -> pos = readLine(in, pos, stepLimit);
                    case IN_BULK -> pos = readBulk(in, pos, stepLimit);
                    case BULK_CR -> pos = readBulkCr(in, pos);
                    case BULK_LF -> pos = readBulkLf(in, pos);
                    default -> throw new IllegalStateException("decoder state " + state);
                }
                if (completed != null) {
                    Reply reply = completed;
                    completed = null;
                    emit(reply, out);
                }
            }
        } catch (RedisProtocolException e) {
            failure = e;
            state = FAILED;
            throw e;
        } finally {
            in.position(pos);
            streamOffset += pos - start;
        }
    }

    /** Returns the number of bytes consumed so far. */
    public long bytesConsumed() {
        return streamOffset;
    }

    /**
     * Returns true if the bytes consumed so far end inside a reply (or the decoder has
     * failed): a connection closed now was cut in the middle of a reply.
     */
    public boolean hasPartialReply() {
        return state != EXPECT_TYPE || depth > 0;
    }

    private int readType(ByteBuffer in, int pos) {
        byte b = in.get(pos);
        switch (b) {
            case '+', '-' -> {
                state = IN_LINE;
                lineLength = 0;
            }
            case ':', '$', '*' -> {
                state = IN_NUMBER;
                number = 0;
                negative = false;
                numberChars = 0;
                numberDigits = 0;
            }
            default -> throw error("unknown RESP2 type byte " + describe(b), pos);
        }
        type = b;
        return pos + 1;
    }

    private int readNumber(ByteBuffer in, int pos, int limit) {
        while (pos < limit) {
            byte b = in.get(pos);
            if (sawCr) {
                if (b != '\n') {
                    throw error("expected LF after CR ending the " + numberName() + ", got " + describe(b), pos);
                }
                sawCr = false;
                endNumber(pos);
                return pos + 1;
            }
            if (b >= '0' && b <= '9') {
                if (numberChars == MAX_NUMBER_CHARS) {
                    throw error(numberName() + " is longer than " + MAX_NUMBER_CHARS + " characters", pos);
                }
                if (numberDigits > 0 && number == 0) {
                    throw error("leading zero in the " + numberName() + " (Redis never sends one)", pos);
                }
                int digit = b - '0';
                long min = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
                if (number < min / 10 || number * 10 < min + digit) {
                    throw error(numberName() + " overflows a signed 64-bit integer", pos);
                }
                number = number * 10 - digit;
                numberChars++;
                numberDigits++;
            } else if (b == '\r') {
                sawCr = true;
            } else if (b == '-' && numberChars == 0) {
                negative = true;
                numberChars++;
            } else {
                throw error("unexpected " + describe(b) + " in the " + numberName(), pos);
            }
            pos++;
        }
        return pos;
    }

    /** Acts on a complete number line; {@code pos} is the position of its LF. */
    private void endNumber(int pos) {
        if (numberDigits == 0) {
            throw error("no digits in the " + numberName(), pos);
        }
        if (negative && number == 0) {
            throw error("-0 as the " + numberName() + " (Redis never sends it)", pos);
        }
        long value = negative ? number : -number;
        state = EXPECT_TYPE;
        switch (type) {
            case ':' -> completed = new IntegerReply(value);
            case '$' -> {
                if (value == -1) {
                    completed = Reply.NIL;
                } else if (value < -1 || value > MAX_BULK_LENGTH) {
                    throw error("bulk string length " + value + " is out of range (-1 to "
                            + MAX_BULK_LENGTH + ")", pos);
                } else {
                    bulkLength = (int) value;
                    bulkFilled = 0;
                    bulk = value == 0 ? EMPTY_BYTES : null;
                    state = value == 0 ? BULK_CR : IN_BULK;
                }
            }
            default -> {
                if (value == -1) {
                    completed = Reply.NIL;
                } else if (value < -1 || value > maxArrayLength) {
                    throw error("array length " + value + " is out of range (-1 to " + maxArrayLength + ")", pos);
                } else if (value == 0) {
                    completed = ArrayReply.EMPTY;
                } else {
                    push((int) value, pos);
                }
            }
        }
    }

    private int readLine(ByteBuffer in, int pos, int limit) {
        if (sawCr) {
            byte b = in.get(pos);
            if (b != '\n') {
                throw error("expected LF after CR ending the " + lineName() + ", got " + describe(b), pos);
            }
            sawCr = false;
            String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
            completed = type == '+' ? new SimpleString(text) : new ErrorReply(text);
            state = EXPECT_TYPE;
            return pos + 1;
        }
        int room = maxLineLength - lineLength;
        int i = pos;
        while (i < limit) {
            byte b = in.get(i);
            if (b == '\r') {
                break;
            }
            if (b == '\n') {
                throw error("LF without CR in the " + lineName(), i);
            }
            if (i - pos >= room) {
                throw error(lineName() + " is longer than " + maxLineLength + " bytes without CR LF", i);
            }
            i++;
        }
        int n = i - pos;
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.min(maxLineLength, Math.max(line.length * 2, lineLength + n)));
        }
        in.get(pos, line, lineLength, n);
        lineLength += n;
        if (i < limit) {
            sawCr = true;
            return i + 1;
        }
        return i;
    }

    private int readBulk(ByteBuffer in, int pos, int limit) {
        int available = limit - pos;
        int n = Math.min(bulkLength - bulkFilled, available);
        if (bulk == null) {
            // Trust the declared length only as far as bytes have actually arrived.
            bulk = new byte[Math.min(bulkLength, Math.max(PREALLOCATED_BULK_BYTES, available))];
        } else if (bulkFilled + n > bulk.length) {
            long grown = Math.max(2L * bulk.length, (long) bulkFilled + available);
            bulk = Arrays.copyOf(bulk, (int) Math.min(bulkLength, grown));
        }
        in.get(pos, bulk, bulkFilled, n);
        bulkFilled += n;
        if (bulkFilled == bulkLength) {
            state = BULK_CR;
        }
        return pos + n;
    }

    private int readBulkCr(ByteBuffer in, int pos) {
        byte b = in.get(pos);
        if (b != '\r') {
            throw error("expected CR LF after the " + bulkLength + "-byte bulk string, got " + describe(b), pos);
        }
        state = BULK_LF;
        return pos + 1;
    }

    private int readBulkLf(ByteBuffer in, int pos) {
        byte b = in.get(pos);
        if (b != '\n') {
            throw error("expected LF after CR ending the " + bulkLength + "-byte bulk string, got "
                    + describe(b), pos);
        }
        completed = new BulkString(bulk);
        bulk = null;
        state = EXPECT_TYPE;
        return pos + 1;
    }

    /** Opens an array of {@code length} elements, a level deeper. */
    private void push(int length, int pos) {
        if (depth == maxDepth) {
            throw error("arrays nested deeper than " + maxDepth + " levels", pos);
        }
        if (depth == stackElements.length) {
            int grown = Math.min(maxDepth, depth * 2);
            stackElements = Arrays.copyOf(stackElements, grown);
            stackFilled = Arrays.copyOf(stackFilled, grown);
            stackLength = Arrays.copyOf(stackLength, grown);
        }
        stackElements[depth] = new Reply[Math.min(length, PREALLOCATED_ELEMENTS)];
        stackFilled[depth] = 0;
        stackLength[depth] = length;
        depth++;
    }

    /** Adds a complete reply to the innermost open array, closing arrays it completes, or hands it out. */
    private void emit(Reply reply, Consumer<? super Reply> out) {
        while (depth > 0) {
            int top = depth - 1;
            Reply[] elements = stackElements[top];
            int filled = stackFilled[top];
            int length = stackLength[top];
            if (filled == elements.length) {
                elements = Arrays.copyOf(elements, (int) Math.min(length, 2L * elements.length));
                stackElements[top] = elements;
            }
            elements[filled++] = reply;
            stackFilled[top] = filled;
            if (filled < length) {
                return;
            }
            reply = new ArrayReply(new ElementList(elements));
            stackElements[top] = null;
            depth--;
        }
        out.accept(reply);
    }

    private RedisProtocolException error(String what, int pos) {
        return new RedisProtocolException(what, streamOffset + (pos - feedStart));
    }

    private String numberName() {
        return switch (type) {
            case ':' -> "integer reply";
            case '$' -> "bulk string length";
            default -> "array length";
        };
    }

    private String lineName() {
        return type == '+' ? "simple string" : "error reply";
    }

    private static String describe(byte b) {
        int v = b & 0xff;
        String hex = String.format("0x%02x", v);
        return v >= 0x20 && v < 0x7f ? "'" + (char) v + "' (" + hex + ")" : hex;
    }

    /**
     * The unmodifiable element list of a decoded array: wraps the decoder's array, which
     * nothing else references, so that {@link ArrayReply} can take it without a copy.
     */
    static final class ElementList extends AbstractList<Reply> implements RandomAccess {
        private final Reply[] elements;

        ElementList(Reply[] elements) {
            this.elements = elements;
        }

        @Override
        public Reply get(int index) {
            return elements[Objects.checkIndex(index, elements.length)];
        }

        @Override
        public int size() {
            return elements.length;
        }
    }
}
