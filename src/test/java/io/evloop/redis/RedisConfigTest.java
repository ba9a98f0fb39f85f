package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisConfigTest {

    @Test
    void parsesTcpUris() {
        RedisConfig c = RedisConfig.fromUri("redis://alice:p%40ss@cache.example:6380/4");
        assertEquals("cache.example", c.host());
        assertEquals(6380, c.port());
        assertEquals("alice", c.user());
        assertEquals("p@ss", c.password());
        assertEquals(4, c.database());
        assertEquals("cache.example:6380", c.endpoint());

        RedisConfig defaults = RedisConfig.fromUri("redis://localhost");
        assertEquals(6379, defaults.port());
        assertEquals(0, defaults.database());
        assertNull(defaults.password());

        RedisConfig passwordOnly = RedisConfig.fromUri("redis://:secret@127.0.0.1:7000");
        assertNull(passwordOnly.user());
        assertEquals("secret", passwordOnly.password());

        RedisConfig ipv6 = RedisConfig.fromUri("redis://[::1]:7001");
        assertEquals("::1", ipv6.host());
        assertEquals("[::1]:7001", ipv6.endpoint());
    }

    @Test
    void parsesUnixSocketUris() {
        RedisConfig c = RedisConfig.fromUri("redis-socket:///var/run/redis.sock");
        assertEquals("/var/run/redis.sock", c.socketPath());
        assertEquals("/var/run/redis.sock", c.endpoint());
    }

    @Test
    void redissMeansTlsWithTheDefaults() {
        RedisConfig c = RedisConfig.fromUri("rediss://:pw@cache.example:6380/2");
        assertEquals(RedisTls.defaults(), c.tls());
        assertEquals("cache.example", c.host());
        assertEquals(6380, c.port());
        assertEquals(2, c.database());
        assertEquals(null, RedisConfig.fromUri("redis://h").tls());
        assertThrows(IllegalArgumentException.class,
                () -> RedisConfig.builder().socketPath("/tmp/r.sock").tls(RedisTls.defaults()).build());
        assertThrows(IllegalArgumentException.class, () -> RedisTls.builder().protocols("SSLv3"));
        assertTrue(RedisTls.defaults().verifyHostName());
        assertEquals(RedisTls.DEFAULT_PROTOCOLS, RedisTls.defaults().protocols());
    }

    @Test
    void refusesBadUrisWithAClearMessage() {
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
                () -> RedisConfig.fromUri("rediz://h:1"));
        assertTrue(scheme.getMessage().contains("rediss://"), scheme.getMessage());
        assertTrue(scheme.getMessage().contains("redis://"), scheme.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.fromUri("redis://host:6379/notanumber"));
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.fromUri("redis-socket://"));
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.fromUri("not a uri at all"));
        assertThrows(NullPointerException.class, () -> RedisConfig.fromUri(null));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> RedisConfig.fromUri("redis://u:topsecret@host:99999"));
        assertFalse(bad.getMessage().contains("topsecret"), bad.getMessage());
    }

    @Test
    void builderChecksEachSetting() {
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.builder().port(0));
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.builder().database(-1));
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.builder().maxInFlight(0));
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.builder().commandTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.builder().clientName("has space"));
        assertThrows(IllegalArgumentException.class, () -> RedisConfig.builder().user("bob").build());
        assertThrows(IllegalArgumentException.class,
                () -> new ReconnectPolicy(true, Duration.ofSeconds(2), Duration.ofSeconds(1)));
    }

    @Test
    void thePasswordNeverShowsInToString() {
        RedisConfig c = RedisConfig.fromUri("redis://bob:hunter2@h:1/2");
        assertFalse(c.toString().contains("hunter2"), c.toString());
        assertTrue(c.toString().contains("****"));
    }

    @Test
    void backoffIsCappedAndJittered() {
        ReconnectPolicy p = new ReconnectPolicy(true, Duration.ofMillis(10), Duration.ofMillis(500));
        for (int attempt = 1; attempt < 100; attempt++) {
            long d = p.delayNanos(attempt);
            assertTrue(d >= 0 && d <= Duration.ofMillis(500).toNanos(), "attempt " + attempt + ": " + d);
        }
        long first = 0;
        for (int i = 0; i < 50; i++) {
            first = Math.max(first, p.delayNanos(1));
        }
        assertTrue(first <= Duration.ofMillis(10).toNanos());
    }
}
