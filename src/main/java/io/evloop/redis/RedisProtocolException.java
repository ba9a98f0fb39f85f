package io.evloop.redis;

/**
 * The server sent bytes that are not valid RESP (RESP2 or RESP3), or that exceed a limit of the decoder
 * (bulk length, array length, nesting depth, line length).
 *
 * <p>The byte stream can no longer be trusted after this: the connection must be closed,
 * which fails every command pending on it.
 */
public class RedisProtocolException extends RedisException {
    private static final long serialVersionUID = 1L;

    private final long offset;

    /** Creates an exception saying what was wrong, at no known offset. */
    public RedisProtocolException(String message) {
        super(message);
        this.offset = -1;
    }

    /** Creates an exception saying what was wrong, at no known offset, with a cause. */
    public RedisProtocolException(String message, Throwable cause) {
        super(message, cause);
        this.offset = -1;
    }

    /**
     * Creates an exception saying what was wrong and where: the message gets
     * {@code " at offset N"} appended, N counted in bytes from the start of the stream.
     */
    public RedisProtocolException(String message, long offset) {
        super(message + " at offset " + offset);
        this.offset = offset;
    }

    /** Returns the offset of the offending byte in the stream, or -1 if unknown. */
    public long offset() {
        return offset;
    }
}
