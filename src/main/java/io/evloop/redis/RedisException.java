package io.evloop.redis;

/**
 * Base class of every exception the Redis client completes a future with or throws.
 *
 * <p>Catch this to handle any Redis failure; catch a subclass to tell them apart:
 * {@link RedisErrorException} (the server answered with an error),
 * {@link RedisProtocolException} (the server sent bytes that are not valid RESP),
 * {@link RedisTimeoutException}, {@link RedisConnectionException},
 * {@link RedisBackpressureException} and {@link RedisClosedException}.
 *
 * <p>Messages name the operation and the peer ({@code host:port}) where the client knows
 * them. They never contain a password or the arguments of AUTH: code that builds a message
 * from a command must leave those out.
 */
public class RedisException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with the given message. */
    public RedisException(String message) {
        super(message);
    }

    /** Creates an exception with the given message and cause. */
    public RedisException(String message, Throwable cause) {
        super(message, cause);
    }
}
