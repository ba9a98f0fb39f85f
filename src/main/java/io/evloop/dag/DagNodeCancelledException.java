package io.evloop.dag;

import java.util.concurrent.CancellationException;

/**
 * A coroutine IO node was waiting in {@link Coroutine#await} (or was about to) when its
 * execution ended: the deadline passed, the execution was cancelled, another node failed or
 * the scheduler closed. The message and {@link #node()} name the node and the reason.
 */
public final class DagNodeCancelledException extends CancellationException {

    private static final long serialVersionUID = 1L;

    private final String node;

    public DagNodeCancelledException(String node, String reason) {
        super("node '" + node + "' was stopped while awaiting a call: " + reason);
        this.node = node;
    }

    public String node() {
        return node;
    }
}
