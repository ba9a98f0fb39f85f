package io.evloop;

/**
 * A blocking wait ({@code get()} or {@code join()}) on a future of an event loop was made on
 * that loop's own thread, where it could never return: the thread that would complete the
 * future, or fire its timeout, is the one that would be waiting. Thrown at once instead.
 *
 * <p>Continue with the future's {@code thenApply}, {@code thenCompose} or
 * {@code whenComplete} (or their {@code ...Async(executor)} forms), or wait from a thread of
 * your own.
 */
public class BlockingOperationException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public BlockingOperationException(String message) {
        super(message);
    }
}
