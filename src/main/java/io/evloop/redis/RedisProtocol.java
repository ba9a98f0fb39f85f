package io.evloop.redis;

/**
 * The protocol a connection speaks: RESP2, what every Redis speaks, or RESP3, which Redis 6 and
 * later speak after {@code HELLO 3}.
 *
 * <p>RESP3 adds typed replies (maps, sets, doubles, booleans, big numbers, verbatim strings;
 * see {@link Reply}) and push messages on the command connection, which is what client-side
 * caching needs: with {@code CLIENT TRACKING ON} the server's invalidations reach the
 * {@linkplain RedisConfig.Builder#pushListener push listener}, never a command. RESP2 is the
 * default: both are measured in the project's benchmarks, and typed reads give the same
 * results with either.
 */
public enum RedisProtocol {
    /** RESP2, the default: no HELLO is sent. */
    RESP2,
    /**
     * RESP3: the handshake starts with {@code HELLO 3}, which also carries AUTH and the client
     * name. A server older than Redis 6 refuses HELLO, and the connect fails saying so.
     */
    RESP3
}
