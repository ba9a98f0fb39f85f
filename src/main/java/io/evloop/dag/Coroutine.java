package io.evloop.dag;

import java.util.concurrent.CompletionStage;

/**
 * What the body of a coroutine IO node ({@link Dag.Builder#coroutineIo}) suspends through.
 * One belongs to one run of one node and is only valid on that node's own thread while its
 * body runs.
 */
public interface Coroutine {

    /**
     * Suspends this node until {@code call} completes and returns its value. On a virtual
     * thread this parks the thread, not a carrier: the Redis call stays in flight on the event
     * loop meanwhile, and thousands of nodes can wait at once.
     *
     * <p>A failed call rethrows its exception (a {@code RedisErrorException}, a
     * {@code RedisTimeoutException}...) as it is, unwrapped, so that the body reads like
     * blocking code; a checked one comes wrapped in a {@code CompletionException}. If the
     * execution ends while the node waits (its deadline passes, it is cancelled, another node
     * fails, the scheduler closes), the wait ends at once with a
     * {@link DagNodeCancelledException} naming the node and the reason; every later call
     * throws it too.
     *
     * @throws IllegalStateException when called anywhere but in this node's body on its own
     *     thread: on an event loop thread (where waiting would block the loop that completes
     *     the call; a {@link io.evloop.BlockingOperationException}), in a continuation or
     *     another node, or after the body has returned
     */
    <T> T await(CompletionStage<T> call);

    /** The name of the node this coroutine runs. */
    String node();
}
