package io.evloop.dag;

/** A node of an execution failed; the message and {@link #node()} name it. */
public final class DagNodeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String node;

    public DagNodeException(String node, Throwable cause) {
        super("node '" + node + "' failed: " + cause, cause);
        this.node = node;
    }

    public String node() {
        return node;
    }
}
