package io.evloop.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where a client gets its credentials, asked again before every connection's handshake (the
 * first one and every reconnect), so that a rotated password or a new ACL user is picked up
 * without a restart. Set it with {@link RedisConfig.Builder#credentials(RedisCredentialsProvider)}.
 *
 * <p>It is called on the loop thread and must not block: fetch from a vault asynchronously and
 * return that future, or return a completed one. The connect timeout bounds the wait; a failed
 * or null result fails that connection attempt (and the client retries under its reconnect
 * policy). Credentials are never logged or put in a message.
 */
@FunctionalInterface
public interface RedisCredentialsProvider {

    CompletionStage<RedisCredentials> credentials();

    /** The same credentials every time. */
    static RedisCredentialsProvider of(String user, String password) {
        CompletableFuture<RedisCredentials> fixed = CompletableFuture.completedFuture(new RedisCredentials(user, password));
        return () -> fixed;
    }
}
