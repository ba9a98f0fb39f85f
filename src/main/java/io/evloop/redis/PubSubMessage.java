package io.evloop.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One pub/sub message: the channel it was published to, its payload, and for a pattern
 * subscription the pattern that matched. Channel names and payloads are binary-safe bytes;
 * the {@code String} accessors decode them as UTF-8. The arrays are not copied: do not
 * modify them.
 */
public final class PubSubMessage {
    private final byte[] channel;
    private final byte[] payload;
    private final byte[] pattern;
    private final boolean sharded;

    PubSubMessage(byte[] channel, byte[] payload, byte[] pattern, boolean sharded) {
        this.channel = Objects.requireNonNull(channel, "channel");
        this.payload = Objects.requireNonNull(payload, "payload");
        this.pattern = pattern;
        this.sharded = sharded;
    }

    /** The channel, decoded as UTF-8. */
    public String channel() {
        return new String(channel, StandardCharsets.UTF_8);
    }

    /** The channel's bytes (not copied). */
    public byte[] channelBytes() {
        return channel;
    }

    /** The payload, decoded as UTF-8. */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The payload's bytes (not copied). */
    public byte[] payload() {
        return payload;
    }

    /** The pattern that matched (a PSUBSCRIBE subscription), decoded as UTF-8; null otherwise. */
    public String pattern() {
        return pattern == null ? null : new String(pattern, StandardCharsets.UTF_8);
    }

    /** Whether it came through a shard channel (SSUBSCRIBE, SPUBLISH). */
    public boolean isSharded() {
        return sharded;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PubSubMessage m && sharded == m.sharded && Arrays.equals(channel, m.channel)
                && Arrays.equals(payload, m.payload) && Arrays.equals(pattern, m.pattern);
    }

    @Override
    public int hashCode() {
        return (Arrays.hashCode(channel) * 31 + Arrays.hashCode(payload)) * 31 + Arrays.hashCode(pattern);
    }

    /** The channel and a bounded preview of the payload. */
    @Override
    public String toString() {
        return "PubSubMessage[" + (sharded ? "shard channel " : "channel ") + new Reply.BulkString(channel)
                + (pattern != null ? ", pattern " + new Reply.BulkString(pattern) : "")
                + ", " + new Reply.BulkString(payload) + "]";
    }
}
