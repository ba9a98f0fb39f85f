package io.evloop.redis;

import com.kenai.jffi.MemoryIO;
import io.evloop.redis.Reply.ArrayReply;
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
import io.evloop.internal.nativeloop.LibEvloop;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads the native backend's reply records in place: the replies hiredis parsed, in the
 * shim's buffer (the format is in {@code native/include/evloop.h}, "Reply records"). The
 * shim has checked the stream with the limits {@link RespDecoder} applies, so the replies
 * are those the Java backend would decode from the same bytes; this only turns records into
 * {@link Reply} objects, with one copy of each string's bytes. A RESP3 attribute is a record
 * of its own before the value it describes, which becomes an {@link Reply.AttributedReply}
 * as {@link RespDecoder} makes it.
 *
 * <p>Valid only during the {@code EVL_EVENT_REDIS_DATA} upcall that handed over the records,
 * which are dropped when it returns. Loop thread only.
 */
final class ReplyRecords {

    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final byte[] EMPTY_BYTES = new byte[0];
    private static final MapReply EMPTY_MAP = new MapReply(List.of());
    private static final SetReply EMPTY_SET = new SetReply(List.of());
    // The bytes of a verbatim string before its text: the format and a colon.
    private static final int VERBATIM_PREFIX = 4;

    // A view of the records: its absolute gets compile to plain loads and copies, where
    // MemoryIO's byte array copy is a JNI call per string.
    private ByteBuffer records;
    private int at;
    private int end;

    /** Starts reading {@code length} bytes of records at {@code address}. */
    void start(long address, int length) {
        records = length == 0 ? null : MEMORY.newDirectByteBuffer(address, length).order(ByteOrder.nativeOrder());
        at = 0;
        end = length;
    }

    /** Lets go of the view once the records are read (they are dropped when the upcall returns). */
    void finish() {
        records = null;
        at = 0;
        end = 0;
    }

    boolean hasNext() {
        return at < end;
    }

    /** The next whole reply. */
    Reply next() {
        return read(0);
    }

    private Reply read(int depth) {
        byte type = records.get(take(1));
        return switch (type) {
            case LibEvloop.EVL_REPLY_BULK -> new BulkString(bytes(length()));
            case LibEvloop.EVL_REPLY_STATUS -> new SimpleString(new String(bytes(length()), StandardCharsets.UTF_8));
            case LibEvloop.EVL_REPLY_ERROR -> new ErrorReply(new String(bytes(length()), StandardCharsets.UTF_8));
            case LibEvloop.EVL_REPLY_INTEGER -> new IntegerReply(records.getLong(take(8)));
            case LibEvloop.EVL_REPLY_NIL -> Reply.NIL;
            case LibEvloop.EVL_REPLY_ARRAY -> {
                int count = length();
                yield count == 0 ? ArrayReply.EMPTY : new ArrayReply(elements(count, depth));
            }
            case LibEvloop.EVL_REPLY_MAP -> entries("a map", depth);
            case LibEvloop.EVL_REPLY_SET -> {
                int count = length();
                yield count == 0 ? EMPTY_SET : new SetReply(elements(count, depth));
            }
            case LibEvloop.EVL_REPLY_PUSH -> {
                int count = length();
                if (count == 0 || depth > 0) {
                    throw corrupt(count == 0 ? "an empty push message" : "a push message inside an aggregate");
                }
                yield new PushReply(elements(count, depth));
            }
            case LibEvloop.EVL_REPLY_DOUBLE -> new DoubleReply(records.getDouble(take(8)));
            case LibEvloop.EVL_REPLY_BOOL -> {
                byte b = records.get(take(1));
                if (b != 0 && b != 1) {
                    throw corrupt("boolean " + b);
                }
                yield new BooleanReply(b == 1);
            }
            case LibEvloop.EVL_REPLY_BIGNUM -> bigNumber(length());
            case LibEvloop.EVL_REPLY_VERBATIM -> verbatim(length());
            // The value it describes follows, in its place (another attribute first, maybe).
            case LibEvloop.EVL_REPLY_ATTRIBUTE -> RespDecoder.attributed(entries("an attribute", depth), read(depth));
            default -> throw corrupt("unknown record type " + type);
        };
    }

    /** A map's or an attribute's entries: a count, then keys and values, a level deeper. */
    private MapReply entries(String what, int depth) {
        int entries = length();
        if (entries > Integer.MAX_VALUE / 2) {
            throw corrupt(what + " of " + entries + " entries");
        }
        return entries == 0 ? EMPTY_MAP : new MapReply(elements(2 * entries, depth));
    }

    /** The count records of an aggregate's elements, which is a level deeper. */
    private RespDecoder.ElementList elements(int count, int depth) {
        if (depth >= RespDecoder.DEFAULT_MAX_DEPTH) {
            throw corrupt("aggregates nested deeper than the shim allows");
        }
        Reply[] elements = new Reply[count];
        for (int i = 0; i < count; i++) {
            elements[i] = read(depth + 1);
        }
        return new RespDecoder.ElementList(elements);
    }

    private Reply bigNumber(int n) {
        // The shim let through only "-" and digits, without a leading zero.
        String text = new String(bytes(n), StandardCharsets.US_ASCII);
        try {
            return new BigNumberReply(new BigInteger(text));
        } catch (NumberFormatException e) {
            throw corrupt("big number \"" + text + "\"");
        }
    }

    private Reply verbatim(int n) {
        if (n < VERBATIM_PREFIX) {
            throw corrupt("a verbatim string of " + n + " bytes");
        }
        int at = take(n);
        byte[] format = new byte[VERBATIM_PREFIX - 1];
        records.get(at, format);
        byte[] text = n == VERBATIM_PREFIX ? EMPTY_BYTES : new byte[n - VERBATIM_PREFIX];
        records.get(at + VERBATIM_PREFIX, text);
        return new VerbatimString(new String(format, StandardCharsets.UTF_8), text);
    }

    private int length() {
        int n = records.getInt(take(4));
        if (n < 0) {
            throw corrupt("negative length " + n);
        }
        return n;
    }

    private byte[] bytes(int n) {
        if (n == 0) {
            return EMPTY_BYTES;
        }
        byte[] bytes = new byte[n];
        records.get(take(n), bytes);
        return bytes;
    }

    /** The offset of the next n bytes, which must lie within the records. */
    private int take(int n) {
        int here = at;
        if (n > end - here) {
            throw corrupt(n + " bytes needed where " + (end - here) + " remain");
        }
        at = here + n;
        return here;
    }

    /** A shim that broke its own format: nothing after this can be trusted. */
    private IllegalStateException corrupt(String what) {
        at = end;
        return new IllegalStateException("malformed reply records from the native library: " + what);
    }
}
