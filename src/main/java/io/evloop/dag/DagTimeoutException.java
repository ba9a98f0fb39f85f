package io.evloop.dag;

/** An execution passed its deadline; nodes not finished by then were cancelled. */
public final class DagTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DagTimeoutException(String message) {
        super(message);
    }
}
