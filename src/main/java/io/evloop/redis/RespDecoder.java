package io.evloop.redis;

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
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.function.Consumer;

/**
 * An incremental, resumable RESP decoder (RESP2, and RESP3's types) for the replies of one
 * connection.
 *
 * <p>{@link #feed(ByteBuffer, Consumer)} takes whatever bytes have arrived, heap or direct,
 * consumes all of them, and hands every top-level reply they complete to the consumer, in
 * order. A reply may be split across calls at any byte, including inside a number or between
 * CR and LF: the decoder keeps its partial state, so the caller never keeps or re-feeds bytes.
 * Every byte is looked at once: a large bulk string is copied in as it arrives, with the count
 * of bytes still missing kept, and a large aggregate is built on an explicit stack of
 * partially filled aggregates, one per nesting level.
 *
 * <p>Types. RESP2's {@code + - : $ *}, and RESP3's null {@code _} ({@link Reply#NIL}), boolean
 * {@code #}, double {@code ,}, big number {@code (}, verbatim string {@code =}, map {@code %},
 * set {@code ~}, push {@code >} and attribute {@code |}. A push message ({@link PushReply}) is
 * handed to the consumer like any top-level reply: the client routes it. An attribute is
 * checked like any aggregate and delivered with the value it describes, which follows it, as
 * one {@link AttributedReply} (see there for attributes in a row and before a push): not an
 * element of its own in the aggregate it stands in, and not a top-level reply of its own. A
 * top-level attribute is part of the reply it precedes: that reply's size
 * counts from the attribute's {@code '|'}, and {@link #hasPartialReply()} is true between them.
 *
 * <p>Limits. Any of these makes {@code feed} throw {@link RedisProtocolException}, naming what
 * was wrong and the offset of the offending byte in the stream:
 * <ul>
 * <li>an unknown type byte, RESP3's blob error {@code !} and streamed strings and aggregates
 *     ({@code $?}, {@code *?}) included;</li>
 * <li>a malformed number (an integer, or the length of a bulk string, verbatim string or
 *     aggregate): no digits, a character other than a leading {@code '-'} and digits (so no
 *     {@code '+'}), a leading zero ({@code :007}) or {@code -0}, which Redis never sends, more
 *     than 20 characters, or a value outside the signed 64-bit range;</li>
 * <li>a CR not followed by LF, an LF not preceded by CR, or a bulk or verbatim string not
 *     followed by CR LF;</li>
 * <li>a bulk string length below -1 or over {@link #MAX_BULK_LENGTH} (512 MiB); a verbatim
 *     string length below 4 (nil included) or over {@link #MAX_BULK_LENGTH}, or verbatim
 *     content whose fourth byte is not the {@code ':'} ending its 3-byte format;</li>
 * <li>an aggregate length out of range, the array length limit being
 *     {@code maxArrayLength} (default {@link #DEFAULT_MAX_ARRAY_LENGTH}): an array -1 (nil)
 *     to the limit, a set 0 to the limit, a push message 1 to the limit, a map or attribute 0
 *     to half the limit entries (so at most the limit of keys and values);</li>
 * <li>aggregates nested deeper than the depth limit (default {@link #DEFAULT_MAX_DEPTH}; a
 *     top-level aggregate is depth 1; arrays, maps, sets, push messages and attributes each
 *     count as a level; an empty one opens no level);</li>
 * <li>a push message anywhere but at top level (inside an aggregate or an attribute), or an
 *     attribute inside an attribute;</li>
 * <li>a null other than {@code _\r\n}, a boolean other than {@code #t\r\n} or
 *     {@code #f\r\n};</li>
 * <li>a double other than {@code inf}, {@code -inf}, {@code nan} or
 *     {@code [-]D+[.D+][(e|E)[+|-]D+]} (D a digit, leading zeros allowed), longer than 32
 *     characters, or whose value is not finite ({@code 1e400}; {@code 1e-400} is 0);</li>
 * <li>a big number other than {@code [-]D+}, with a leading zero, {@code -0}, or more than
 *     1024 characters;</li>
 * <li>a simple string, error, double or big number line longer than the line length limit
 *     (default {@link #DEFAULT_MAX_LINE_LENGTH}) without its CR LF;</li>
 * <li>a top-level reply larger than the reply size limit (default
 *     {@link RedisConfig#DEFAULT_MAX_REPLY_BYTES}), counted in bytes of the stream from its
 *     type byte (or the {@code '|'} of the first top-level attribute before it) to its last
 *     LF: the first byte beyond the limit is refused.</li>
 * </ul>
 * A null, boolean, double or big number is checked byte by byte, refused at the first byte
 * that cannot belong to it ({@code (-0} at its {@code 0}), and once complete at its CR (a
 * double's value, a missing digit); a number line, as in RESP2, once complete at its LF (its
 * range, {@code -0}, a missing digit); a push message or attribute out of place at its type
 * byte.
 * After such an exception the stream can no longer be followed: the decoder refuses further
 * input (every later {@code feed} throws {@code RedisProtocolException}) and the connection
 * must be closed.
 *
 * <p>Memory. Nothing is preallocated from a declared length beyond a small bound: a bulk or
 * verbatim string's array starts at 64 KiB or at the number of bytes already at hand,
 * whichever is larger, and grows as bytes arrive; an aggregate's element store starts at 256
 * elements and grows as elements arrive. A declared length alone therefore costs at most
 * those bounds.
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

    /**
     * Default limit of aggregate nesting (arrays, maps, sets, push messages and attributes):
     * 32 levels. Redis replies rarely nest beyond 3 or 4.
     */
    public static final int DEFAULT_MAX_DEPTH = 32;

    /** Default limit of a simple string, error, double or big number line, without its CR LF: 64 KiB. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 64 * 1024;

    /** Longest number line accepted: a sign and the 19 digits of a signed 64-bit value. */
    private static final int MAX_NUMBER_CHARS = 20;

    /** Longest RESP3 double accepted, in characters. */
    private static final int MAX_DOUBLE_CHARS = 32;

    /** Longest RESP3 big number accepted, in characters, its sign included. */
    private static final int MAX_BIG_NUMBER_CHARS = 1024;

    /** Shortest verbatim string: its 3-byte format and the colon. */
    private static final int VERBATIM_PREFIX = 4;

    /** A bulk string's array is allocated at most this large before its bytes arrive. */
    private static final int PREALLOCATED_BULK_BYTES = 64 * 1024;

    /** An array's element store is allocated at most this large before its elements arrive. */
    private static final int PREALLOCATED_ELEMENTS = 256;

    private static final byte[] EMPTY_BYTES = new byte[0];
    private static final MapReply EMPTY_MAP = new MapReply(java.util.List.of());
    private static final SetReply EMPTY_SET = new SetReply(java.util.List.of());

    // What the next byte is expected to be.
    private static final int EXPECT_TYPE = 0;     // a type byte
    private static final int IN_NUMBER = 1;       // the rest of a ':', '$', '*', '=', '%', '~', '>' or '|' line
    private static final int IN_LINE = 2;         // the rest of a '+' or '-' line
    private static final int IN_BULK = 3;         // bulk (or verbatim) string content
    private static final int BULK_CR = 4;         // the CR after bulk (or verbatim) string content
    private static final int BULK_LF = 5;         // the LF after bulk (or verbatim) string content
    private static final int FAILED = 6;          // after a protocol error
    private static final int AFTER_ATTRIBUTE = 7; // a type byte: the value a top-level attribute describes
    private static final int IN_NULL = 8;         // the CR LF of a '_' line
    private static final int IN_BOOLEAN = 9;      // the rest of a '#' line
    private static final int IN_DOUBLE = 10;      // the rest of a ',' line
    private static final int IN_BIG_NUMBER = 11;  // the rest of a '(' line
    private static final int VERBATIM_FORMAT = 12; // the format and ':' opening verbatim string content

    // IN_DOUBLE's grammar, [-]D+[.D+][(e|E)[+|-]D+] | inf | -inf | nan: where the text is.
    private static final int D_START = 0;        // nothing yet
    private static final int D_SIGN = 1;         // after a leading '-'
    private static final int D_INT = 2;          // in the integer digits (complete)
    private static final int D_DOT = 3;          // after the '.'
    private static final int D_FRACTION = 4;     // in the fraction digits (complete)
    private static final int D_E = 5;            // after the 'e' or 'E'
    private static final int D_EXPONENT_SIGN = 6; // after the exponent's sign
    private static final int D_EXPONENT = 7;     // in the exponent digits (complete)
    private static final int D_I = 8;            // "i" or "-i"
    private static final int D_IN = 9;           // "in" or "-in"
    private static final int D_INF = 10;         // "inf" or "-inf" (complete)
    private static final int D_N = 11;           // "n"
    private static final int D_NA = 12;          // "na"
    private static final int D_NAN = 13;         // "nan" (complete)

    // IN_BIG_NUMBER's grammar, [-]D+ without a leading zero or -0.
    private static final int B_START = 0;        // nothing yet
    private static final int B_SIGN = 1;         // after a leading '-'
    private static final int B_DIGITS = 2;       // digits, the first not 0 (complete)
    private static final int B_ZERO = 3;         // "0" (complete)

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

    // IN_LINE: the line so far; also IN_DOUBLE's and IN_BIG_NUMBER's text, IN_BOOLEAN's
    // count of letters and VERBATIM_FORMAT's bytes so far.
    private byte[] line = new byte[256];
    private int lineLength;

    // IN_DOUBLE and IN_BIG_NUMBER: where the text is in its grammar; IN_DOUBLE: its value,
    // known at its CR; IN_BOOLEAN: its value.
    private int textStep;
    private double doubleValue;
    private boolean booleanValue;

    // VERBATIM_FORMAT, then IN_BULK to BULK_LF for a verbatim string: its format.
    private String verbatimFormat;

    // IN_BULK: the content so far; bulk is allocated when its first byte arrives.
    private byte[] bulk;
    private int bulkLength;
    private int bulkFilled;

    // Aggregates being filled, outermost first; depth is the number in use. The kind is the
    // type byte ('*', '%', '~', '>' or '|'); a map's or attribute's length counts keys and
    // values. An attribute that closes waits in attributeFor[level] for the value it
    // describes, the next one placed at that level (0: top level, d: in stack entry d - 1).
    private Reply[][] stackElements = new Reply[4][];
    private int[] stackFilled = new int[4];
    private int[] stackLength = new int[4];
    private byte[] stackKind = new byte[4];
    private int depth;
    private boolean inAttribute;    // one of the open aggregates is an attribute
    private MapReply[] attributeFor = new MapReply[5];

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
     * @param maxArrayLength most elements in one array, set or push message, and most keys and
     *                       values in one map or attribute; at least 1
     * @param maxDepth       deepest aggregate nesting, a top-level aggregate being depth 1; at least 1
     * @param maxLineLength  longest simple string, error, double or big number line without its
     *                       CR LF; at least 1
     */
    public RespDecoder(int maxArrayLength, int maxDepth, int maxLineLength) {
        this(maxArrayLength, maxDepth, maxLineLength, RedisConfig.DEFAULT_MAX_REPLY_BYTES);
    }

    /**
     * Creates a decoder with the given limits.
     *
     * @param maxArrayLength most elements in one array, set or push message, and most keys and
     *                       values in one map or attribute; at least 1
     * @param maxDepth       deepest aggregate nesting, a top-level aggregate being depth 1; at least 1
     * @param maxLineLength  longest simple string, error, double or big number line without its
     *                       CR LF; at least 1
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
     * {@link RedisErrorException}. A push message is passed as a {@link PushReply}; a value
     * after an attribute as an {@link AttributedReply}.
     *
     * <p>If {@code out} throws, the exception propagates; the bytes up to the end of the reply
     * it was given are consumed ({@code in}'s position says so) and the decoder stays usable,
     * so the caller may feed the rest of {@code in} again.
     *
     * @throws RedisProtocolException if the bytes are not valid RESP or exceed a limit; the
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
                    case EXPECT_TYPE, AFTER_ATTRIBUTE -> pos = readType(in, pos);
                    case IN_NUMBER -> pos = readNumber(in, pos, stepLimit);
                    case IN_LINE -> pos = readLine(in, pos, stepLimit);
                    case IN_BULK -> pos = readBulk(in, pos, stepLimit);
                    case BULK_CR -> pos = readBulkCr(in, pos);
                    case BULK_LF -> pos = readBulkLf(in, pos);
                    case IN_NULL -> pos = readNull(in, pos);
                    case IN_BOOLEAN -> pos = readBoolean(in, pos);
                    case IN_DOUBLE -> pos = readDouble(in, pos, stepLimit);
                    case IN_BIG_NUMBER -> pos = readBigNumber(in, pos, stepLimit);
                    case VERBATIM_FORMAT -> pos = readVerbatimFormat(in, pos);
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
     * failed): a connection closed now was cut in the middle of a reply. Inside an attribute,
     * or after a top-level attribute before the value it describes, is inside a reply.
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
            case ':', '$', '*', '=', '%', '~' -> startNumber();
            case '>' -> {
                if (depth > 0) {
                    throw error("push message inside " + (inAttribute ? "an attribute" : "an aggregate")
                            + " (a push message is only allowed at top level)", pos);
                }
                startNumber();
            }
            case '|' -> {
                if (inAttribute) {
                    throw error("attribute inside an attribute", pos);
                }
                startNumber();
            }
            case '_' -> state = IN_NULL;
            case '#' -> {
                state = IN_BOOLEAN;
                lineLength = 0;
            }
            case ',' -> {
                state = IN_DOUBLE;
                lineLength = 0;
                textStep = D_START;
            }
            case '(' -> {
                state = IN_BIG_NUMBER;
                lineLength = 0;
                textStep = B_START;
            }
            default -> throw error("unknown type byte " + describe(b), pos);
        }
        type = b;
        return pos + 1;
    }

    private void startNumber() {
        state = IN_NUMBER;
        number = 0;
        negative = false;
        numberChars = 0;
        numberDigits = 0;
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
            case '*' -> {
                if (value == -1) {
                    completed = Reply.NIL;
                } else if (value < -1 || value > maxArrayLength) {
                    throw error("array length " + value + " is out of range (-1 to " + maxArrayLength + ")", pos);
                } else if (value == 0) {
                    completed = ArrayReply.EMPTY;
                } else {
                    push((int) value, '*', pos);
                }
            }
            default -> endResp3Length(value, pos);
        }
    }

    /** Acts on the length of a verbatim string, map, set, push message or attribute. */
    private void endResp3Length(long value, int pos) {
        switch (type) {
            case '=' -> {
                checkRange(value, VERBATIM_PREFIX, MAX_BULK_LENGTH, pos);
                bulkLength = (int) value - VERBATIM_PREFIX;
                lineLength = 0;
                state = VERBATIM_FORMAT;
            }
            case '%' -> {
                checkRange(value, 0, maxArrayLength / 2, pos);
                if (value == 0) {
                    completed = EMPTY_MAP;
                } else {
                    push(2 * (int) value, '%', pos);
                }
            }
            case '~' -> {
                checkRange(value, 0, maxArrayLength, pos);
                if (value == 0) {
                    completed = EMPTY_SET;
                } else {
                    push((int) value, '~', pos);
                }
            }
            case '>' -> {
                checkRange(value, 1, maxArrayLength, pos);
                push((int) value, '>', pos);
            }
            default -> { // '|'
                checkRange(value, 0, maxArrayLength / 2, pos);
                if (value == 0) {
                    // An empty attribute, done at once: the value it describes comes next.
                    holdAttribute(EMPTY_MAP);
                } else {
                    push(2 * (int) value, '|', pos);
                    inAttribute = true;
                }
            }
        }
    }

    private void checkRange(long value, long min, long max, int pos) {
        if (value < min || value > max) {
            throw error(numberName() + " " + value + " is out of range (" + min + " to " + max + ")", pos);
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
            throw error("expected CR LF after the " + bulkName() + ", got " + describe(b), pos);
        }
        state = BULK_LF;
        return pos + 1;
    }

    private int readBulkLf(ByteBuffer in, int pos) {
        byte b = in.get(pos);
        if (b != '\n') {
            throw error("expected LF after CR ending the " + bulkName() + ", got " + describe(b), pos);
        }
        completed = type == '$' ? new BulkString(bulk) : new VerbatimString(verbatimFormat, bulk);
        bulk = null;
        state = EXPECT_TYPE;
        return pos + 1;
    }

    /** The 3-byte format and the ':' that open a verbatim string's content. */
    private int readVerbatimFormat(ByteBuffer in, int pos) {
        byte b = in.get(pos);
        if (lineLength < VERBATIM_PREFIX - 1) {
            line[lineLength++] = b;
            return pos + 1;
        }
        if (b != ':') {
            throw error("expected ':' after the 3-byte format of the verbatim string, got " + describe(b), pos);
        }
        verbatimFormat = new String(line, 0, VERBATIM_PREFIX - 1, StandardCharsets.UTF_8);
        bulkFilled = 0;
        bulk = bulkLength == 0 ? EMPTY_BYTES : null;
        state = bulkLength == 0 ? BULK_CR : IN_BULK;
        return pos + 1;
    }

    /** The CR LF of a null: nothing else may follow its '_'. */
    private int readNull(ByteBuffer in, int pos) {
        byte b = in.get(pos);
        if (sawCr) {
            if (b != '\n') {
                throw error("expected LF after CR ending the null, got " + describe(b), pos);
            }
            sawCr = false;
            completed = Reply.NIL;
            state = EXPECT_TYPE;
        } else if (b == '\r') {
            sawCr = true;
        } else {
            throw error("unexpected " + describe(b) + " in the null (only CR LF follows its '_')", pos);
        }
        return pos + 1;
    }

    /** The rest of a boolean: 't' or 'f', then CR LF. */
    private int readBoolean(ByteBuffer in, int pos) {
        byte b = in.get(pos);
        if (sawCr) {
            if (b != '\n') {
                throw error("expected LF after CR ending the boolean, got " + describe(b), pos);
            }
            sawCr = false;
            completed = new BooleanReply(booleanValue);
            state = EXPECT_TYPE;
        } else if (lineLength == 0) {
            if (b != 't' && b != 'f') {
                throw error("expected 't' or 'f' in the boolean, got " + describe(b), pos);
            }
            booleanValue = b == 't';
            lineLength = 1;
        } else if (b == '\r') {
            sawCr = true;
        } else {
            throw error("unexpected " + describe(b) + " in the boolean (only CR LF follows its 't' or 'f')", pos);
        }
        return pos + 1;
    }

    private int readDouble(ByteBuffer in, int pos, int limit) {
        int textLimit = Math.min(MAX_DOUBLE_CHARS, maxLineLength);
        while (pos < limit) {
            byte b = in.get(pos);
            if (sawCr) {
                if (b != '\n') {
                    throw error("expected LF after CR ending the double, got " + describe(b), pos);
                }
                sawCr = false;
                completed = new DoubleReply(doubleValue);
                state = EXPECT_TYPE;
                return pos + 1;
            }
            if (b == '\r') {
                endDouble(pos);
                sawCr = true;
            } else {
                int next = doubleStep(textStep, b);
                if (next < 0) {
                    throw error("unexpected " + describe(b) + " in the double", pos);
                }
                if (lineLength == textLimit) {
                    throw error(textTooLong("double", MAX_DOUBLE_CHARS), pos);
                }
                line[lineLength++] = b;
                textStep = next;
            }
            pos++;
        }
        return pos;
    }

    /** Where the double's grammar goes from {@code step} on {@code b}; -1 if nowhere. */
    private static int doubleStep(int step, byte b) {
        boolean digit = b >= '0' && b <= '9';
        return switch (step) {
            case D_START -> digit ? D_INT : b == '-' ? D_SIGN : b == 'i' ? D_I : b == 'n' ? D_N : -1;
            case D_SIGN -> digit ? D_INT : b == 'i' ? D_I : -1;
            case D_INT -> digit ? D_INT : b == '.' ? D_DOT : b == 'e' || b == 'E' ? D_E : -1;
            case D_DOT -> digit ? D_FRACTION : -1;
            case D_FRACTION -> digit ? D_FRACTION : b == 'e' || b == 'E' ? D_E : -1;
            case D_E -> digit ? D_EXPONENT : b == '+' || b == '-' ? D_EXPONENT_SIGN : -1;
            case D_EXPONENT_SIGN, D_EXPONENT -> digit ? D_EXPONENT : -1;
            case D_I -> b == 'n' ? D_IN : -1;
            case D_IN -> b == 'f' ? D_INF : -1;
            case D_N -> b == 'a' ? D_NA : -1;
            case D_NA -> b == 'n' ? D_NAN : -1;
            default -> -1; // D_INF, D_NAN: complete, only CR may follow
        };
    }

    /** Checks a double's complete text and takes its value; {@code pos} is the position of its CR. */
    private void endDouble(int pos) {
        String text = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
        switch (textStep) {
            case D_INT, D_FRACTION, D_EXPONENT -> {
                doubleValue = Double.parseDouble(text);
                if (Double.isInfinite(doubleValue)) {
                    throw error("double " + text + " is out of range (only inf and -inf may be infinite)", pos);
                }
            }
            case D_INF -> doubleValue = line[0] == '-' ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            case D_NAN -> doubleValue = Double.NaN;
            default -> throw error(lineLength == 0 ? "no digits in the double"
                    : "incomplete double '" + text + "'", pos);
        }
    }

    private int readBigNumber(ByteBuffer in, int pos, int limit) {
        int textLimit = Math.min(MAX_BIG_NUMBER_CHARS, maxLineLength);
        while (pos < limit) {
            byte b = in.get(pos);
            if (sawCr) {
                if (b != '\n') {
                    throw error("expected LF after CR ending the big number, got " + describe(b), pos);
                }
                sawCr = false;
                completed = new BigNumberReply(new BigInteger(new String(line, 0, lineLength, StandardCharsets.ISO_8859_1)));
                state = EXPECT_TYPE;
                return pos + 1;
            }
            boolean digit = b >= '0' && b <= '9';
            if (b == '\r') {
                if (textStep != B_DIGITS && textStep != B_ZERO) {
                    throw error("no digits in the big number", pos);
                }
                sawCr = true;
            } else if (digit && textStep == B_ZERO) {
                throw error("leading zero in the big number (Redis never sends one)", pos);
            } else if (b == '0' && textStep == B_SIGN) {
                throw error("-0 or a leading zero in the big number (Redis never sends either)", pos);
            } else if (digit || b == '-' && textStep == B_START) {
                if (lineLength == textLimit) {
                    throw error(textTooLong("big number", MAX_BIG_NUMBER_CHARS), pos);
                }
                if (lineLength == line.length) {
                    line = Arrays.copyOf(line, 2 * line.length);
                }
                line[lineLength++] = b;
                textStep = b == '-' ? B_SIGN : textStep == B_START && b == '0' ? B_ZERO : B_DIGITS;
            } else {
                throw error("unexpected " + describe(b) + " in the big number", pos);
            }
            pos++;
        }
        return pos;
    }

    /** The refusal of a double's or big number's character beyond its limit. */
    private String textTooLong(String name, int maxChars) {
        return maxLineLength < maxChars
                ? name + " is longer than " + maxLineLength + " bytes without CR LF"
                : name + " is longer than " + maxChars + " characters";
    }

    /** Opens an aggregate of {@code length} elements (keys and values for a map or attribute), a level deeper. */
    private void push(int length, char kind, int pos) {
        if (depth == maxDepth) {
            throw error("aggregates nested deeper than " + maxDepth + " levels", pos);
        }
        if (depth == stackElements.length) {
            int grown = Math.min(maxDepth, depth * 2);
            stackElements = Arrays.copyOf(stackElements, grown);
            stackFilled = Arrays.copyOf(stackFilled, grown);
            stackLength = Arrays.copyOf(stackLength, grown);
            stackKind = Arrays.copyOf(stackKind, grown);
            attributeFor = Arrays.copyOf(attributeFor, grown + 1);
        }
        stackElements[depth] = new Reply[Math.min(length, PREALLOCATED_ELEMENTS)];
        stackFilled[depth] = 0;
        stackLength[depth] = length;
        stackKind[depth] = (byte) kind;
        depth++;
    }

    /**
     * Adds a complete reply to the innermost open aggregate, closing aggregates it completes,
     * or hands it out, with the attribute held for its level, if any. An attribute that closes
     * is held: the value it describes comes next.
     */
    private void emit(Reply reply, Consumer<? super Reply> out) {
        while (true) {
            MapReply attribute = attributeFor[depth];
            if (attribute != null) {
                attributeFor[depth] = null;
                reply = attributed(attribute, reply);
            }
            if (depth == 0) {
                break;
            }
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
            stackElements[top] = null;
            depth--;
            byte kind = stackKind[top];
            if (kind == '*') {
                reply = new ArrayReply(new ElementList(elements));
            } else if (kind == '|') {
                inAttribute = false;
                holdAttribute(new MapReply(new ElementList(elements)));
                return;
            } else {
                ElementList list = new ElementList(elements);
                reply = kind == '%' ? new MapReply(list) : kind == '~' ? new SetReply(list) : new PushReply(list);
            }
        }
        out.accept(reply);
    }

    /** An attribute closed: it waits for the next value at its level (after another, merged with it). */
    private void holdAttribute(MapReply attribute) {
        MapReply held = attributeFor[depth];
        attributeFor[depth] = held == null ? attribute : concat(held, attribute);
        if (depth == 0) {
            state = AFTER_ATTRIBUTE;
        }
    }

    /**
     * {@code value} with the attribute sent before it (null: none), as both backends give it:
     * an attribute before a push message is dropped; attributes in a row are merged, in order.
     */
    static Reply attributed(MapReply attribute, Reply value) {
        if (attribute == null || value instanceof PushReply) {
            return value;
        }
        if (value instanceof AttributedReply inner) {
            return new AttributedReply(concat(attribute, inner.attributes()), inner.value());
        }
        return new AttributedReply(attribute, value);
    }

    private static MapReply concat(MapReply first, MapReply second) {
        if (first.size() == 0) {
            return second;
        }
        if (second.size() == 0) {
            return first;
        }
        List<Reply> all = new ArrayList<>(first.keysAndValues());
        all.addAll(second.keysAndValues());
        return new MapReply(all);
    }

    private RedisProtocolException error(String what, int pos) {
        return new RedisProtocolException(what, streamOffset + (pos - feedStart));
    }

    private String numberName() {
        return switch (type) {
            case ':' -> "integer reply";
            case '$' -> "bulk string length";
            case '*' -> "array length";
            case '=' -> "verbatim string length";
            case '%' -> "map length";
            case '~' -> "set length";
            case '>' -> "push message length";
            default -> "attribute length";
        };
    }

    private String bulkName() {
        return type == '$' ? bulkLength + "-byte bulk string"
                : bulkLength + VERBATIM_PREFIX + "-byte verbatim string";
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
     * The unmodifiable element list of a decoded aggregate: wraps the decoder's array, which
     * nothing else references, so that {@link ArrayReply}, {@link MapReply}, {@link SetReply}
     * and {@link PushReply} can take it without a copy.
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
