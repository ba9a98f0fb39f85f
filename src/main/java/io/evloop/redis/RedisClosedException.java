package io.evloop.redis;

/**
 * The client (or its event loop) was closed: a command issued afterwards is refused, and a
 * command still pending when it closed fails with this exception.
 *
 * <p>The message is set by the client and never contains a password.
 */
public class RedisClosedException extends RedisException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public RedisClosedException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public RedisClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
