package io.evloop.redis;

/**
 * The connection to the server could not be made or was lost.
 *
 * <p>Every command pending on a lost connection fails with this exception; none is resent
 * (at-most-once). The command may or may not have been executed by the server.
 *
 * <p>The message is set by the client and never contains a password.
 */
public class RedisConnectionException extends RedisException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public RedisConnectionException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public RedisConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
