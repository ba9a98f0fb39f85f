package io.evloop.redis;

import com.kenai.jffi.MemoryIO;
import io.evloop.redis.Reply.ArrayReply;
import io.evloop.redis.Reply.BulkString;
import io.evloop.redis.Reply.ErrorReply;
import io.evloop.redis.Reply.IntegerReply;
import io.evloop.redis.Reply.SimpleString;
import io.evloop.internal.nativeloop.LibEvloop;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the native backend's reply records in place: the replies hiredis parsed, in the
 * shim's buffer (the format is in {@code native/include/evloop.h}, "Reply records"). The
 * shim has checked the stream with the limits {@link RespDecoder} applies, so the replies
 * are those the Java backend would decode from the same bytes; this only turns records into
 * {@link Reply} objects, with one copy of each string's bytes.
 *
 * <p>Valid only during the {@code EVL_EVENT_REDIS_DATA} upcall that handed over the records,
 * which are dropped when it returns. Loop thread only.
 */
final class ReplyRecords {

    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final byte[] EMPTY_BYTES = new byte[0];

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
            case LibEvloop.EVL_REPLY_ARRAY -> array(length(), depth);
            default -> throw corrupt("unknown record type " + type);
        };
    }

    private Reply array(int count, int depth) {
        if (count == 0) {
            return ArrayReply.EMPTY;
        }
        if (depth >= RespDecoder.DEFAULT_MAX_DEPTH) {
            throw corrupt("arrays nested deeper than the shim allows");
        }
        Reply[] elements = new Reply[count];
        for (int i = 0; i < count; i++) {
            elements[i] = read(depth + 1);
        }
        return new ArrayReply(new RespDecoder.ElementList(elements));
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
