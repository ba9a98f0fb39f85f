package io.evloop.redis;

/**
 * A command did not get its reply in time, or a connection could not be made in time.
 *
 * <p>The command may still have been executed by the server: a timeout says nothing about
 * that. A reply that arrives after its command timed out is discarded, never handed to
 * another command.
 *
 * <p>The message is set by the client and never contains a password.
 */
public class RedisTimeoutException extends RedisException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public RedisTimeoutException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public RedisTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
