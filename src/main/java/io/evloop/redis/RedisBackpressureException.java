package io.evloop.redis;

/**
 * A command was refused at the call because too many commands or too many bytes are
 * already waiting to be sent or answered on the connection.
 *
 * <p>Nothing was sent: the command can be retried once earlier commands have completed.
 *
 * <p>The message is set by the client and never contains a password.
 */
public class RedisBackpressureException extends RedisException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public RedisBackpressureException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public RedisBackpressureException(String message, Throwable cause) {
        super(message, cause);
    }
}
