package io.evloop.redis;

/**
 * What a {@link RedisClient} has done since it was created, as counted on its loop thread;
 * {@link RedisClient#metrics()} takes a snapshot, from any thread (the counts may lag the loop
 * by a moment, never by more). {@code io.evloop.micrometer.RedisClientMeters} publishes them
 * to Micrometer.
 *
 * @param commandsWritten  commands handed to the connection (handshakes and idle PINGs not counted)
 * @param replies          replies received, error replies included
 * @param errorReplies     replies that were errors (the command failed with {@link RedisErrorException})
 * @param timeouts         commands failed with {@link RedisTimeoutException}
 * @param connectionsLost  connections that ended under the client (server gone, reset, protocol error, idle PING unanswered)
 * @param reconnects       reconnections that succeeded
 * @param slowCommands     replies that took at least {@link RedisConfig#slowCommandThreshold()}
 * @param pushes           push messages received (RESP3; on a subscription's connection, its messages)
 * @param inFlight         commands accepted and not yet answered or failed, now
 * @param latency          the distribution of command latencies
 */
public record RedisClientMetrics(long commandsWritten, long replies, long errorReplies, long timeouts,
                                 long connectionsLost, long reconnects, long slowCommands, long pushes, int inFlight,
                                 CommandLatency latency) {

    @Override
    public String toString() {
        return "RedisClientMetrics[" + commandsWritten + " commands written, " + replies + " replies (" + errorReplies
                + " errors), " + timeouts + " timeouts, " + connectionsLost + " connections lost, " + reconnects
                + " reconnects, " + slowCommands + " slow, " + pushes + " pushes, " + inFlight + " in flight; latency: " + latency + "]";
    }
}
