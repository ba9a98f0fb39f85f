package io.evloop.dag;

/** What a node sees: the request it runs for and the values of the nodes it depends on. */
public interface NodeInputs {

    /** The request object passed to {@link DagScheduler#execute}. */
    Object request();

    /**
     * The value of a dependency.
     *
     * @throws IllegalArgumentException if {@code node} is not one of this node's dependencies
     */
    <T> T get(String node);
}
