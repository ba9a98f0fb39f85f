package io.evloop.redis;

/**
 * The server answered a command with an error reply, for example
 * {@code WRONGTYPE Operation against a key holding the wrong kind of value}.
 *
 * <p>{@link #getMessage()} is the server's message as received, without the leading
 * {@code '-'}. {@link #prefix()} is its first word, by Redis convention the error code
 * ({@code ERR}, {@code WRONGTYPE}, {@code NOAUTH}, {@code MOVED}, ...).
 *
 * <p>Only a top-level error reply becomes this exception; an error inside an array (for
 * example in the result of EXEC) stays a {@link Reply.ErrorReply} element. Server messages
 * do not echo passwords; the client adds nothing to them that could.
 */
public class RedisErrorException extends RedisException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception carrying the server's error message. */
    public RedisErrorException(String serverMessage) {
        super(serverMessage);
    }

    /** Creates an exception carrying the server's error message and a cause. */
    public RedisErrorException(String serverMessage, Throwable cause) {
        super(serverMessage, cause);
    }

    /**
     * Returns the first word of the server's message (up to the first space), for example
     * {@code "WRONGTYPE"}; the whole message if it has no space, {@code ""} if it is empty
     * or null.
     */
    public String prefix() {
        return prefixOf(getMessage());
    }

    static String prefixOf(String message) {
        if (message == null) {
            return "";
        }
        int space = message.indexOf(' ');
        return space < 0 ? message : message.substring(0, space);
    }
}
