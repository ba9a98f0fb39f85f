package io.evloop.redis;

/**
 * A transaction's EXEC answered nil: a key it WATCHed changed before it ran, so none of its
 * commands ran. Safe to retry (read again, then run the transaction again).
 */
public class RedisTransactionAbortedException extends RedisException {
    private static final long serialVersionUID = 1L;

    public RedisTransactionAbortedException(String message) {
        super(message);
    }
}
