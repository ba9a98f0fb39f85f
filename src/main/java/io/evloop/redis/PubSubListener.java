package io.evloop.redis;

/**
 * Receives a {@link RedisSubscription}'s messages and what happens to it, in order: on the
 * loop thread, or on the executor of its {@link SubscriptionOptions}. What a method throws is
 * logged and delivery goes on.
 *
 * <p>Pub/sub is at most once: a message published while the connection is down (between
 * {@link #onDisconnected} and {@link #onResubscribed}) is not delivered, by Redis's design.
 */
@FunctionalInterface
public interface PubSubListener {

    /** A message published to one of the subscription's channels (or one its patterns match). */
    void onMessage(PubSubMessage message);

    /**
     * The connection was lost; the client reconnects and subscribes again. (With
     * {@link ReconnectPolicy#NEVER} nothing follows but {@link #onEnded}.)
     */
    default void onDisconnected(RedisException cause) {
    }

    /** After a reconnect, the subscription is in place on the server again. */
    default void onResubscribed() {
    }

    /**
     * The subscription ended without {@link RedisSubscription#unsubscribe()}: the server
     * refused it when it was made again after a reconnect ({@link RedisErrorException}, such
     * as NOPERM), its {@link RedisPubSub} was closed or its loop stopped
     * ({@link RedisClosedException}), its connection was lost with reconnects off
     * ({@link RedisConnectionException}), or a cluster could not take it to its slot's new
     * master. Nothing follows.
     */
    default void onEnded(RedisException cause) {
    }
}
