package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
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
        // Through Sentinel, TLS is the primary's; the URI itself stays plain.
        RedisConfig sentinelTls = RedisConfig.fromUri("redis-sentinel://127.0.0.1:26379/mymaster").toBuilder()
                .tls(RedisTls.defaults()).build();
        assertEquals(RedisTls.defaults(), sentinelTls.tls());
        assertEquals("mymaster", sentinelTls.sentinel().masterName());
        assertNull(RedisConfig.fromUri("redis-sentinel://127.0.0.1:26379/mymaster").tls());
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

    // ---- Sentinel -------------------------------------------------------------------------

    @Test
    void parsesSentinelUrisWithSeveralHosts() {
        RedisConfig c = RedisConfig.fromUri("redis-sentinel://app:p%40ss@10.0.0.1:26380,sentinel-b,[::1]:26381/mymaster/3");
        RedisSentinel s = c.sentinel();
        assertEquals("mymaster", s.masterName());
        assertEquals(List.of(InetSocketAddress.createUnresolved("10.0.0.1", 26380),
                InetSocketAddress.createUnresolved("sentinel-b", RedisSentinel.DEFAULT_PORT),
                InetSocketAddress.createUnresolved("::1", 26381)), s.sentinels());
        assertEquals("app", c.user(), "the URI's user and password are the primary's");
        assertEquals("p@ss", c.password());
        assertNull(s.credentials(), "the sentinels get no AUTH from the URI");
        assertEquals(3, c.database());
        assertEquals(RedisSentinel.DEFAULT_POLL_INTERVAL, s.pollInterval());
        assertEquals(RedisSentinel.DEFAULT_QUERY_TIMEOUT, s.queryTimeout());
        assertNull(c.host(), "the primary's address is asked for on every connection");
        assertEquals(0, c.port());
        assertEquals("primary mymaster", c.endpoint());

        RedisConfig plain = RedisConfig.fromUri("REDIS-SENTINEL://127.0.0.1:26379/cache/");
        assertEquals("cache", plain.sentinel().masterName());
        assertNull(plain.password());
        assertEquals(0, plain.database());
        assertEquals(List.of(InetSocketAddress.createUnresolved("127.0.0.1", 26379)), plain.sentinel().sentinels());

        RedisConfig passwordOnly = RedisConfig.fromUri("redis-sentinel://s3cr/t?@h:1/m");
        assertEquals("s3cr/t?", passwordOnly.password(), "a raw '/' or '?' in the password is taken whole");
        assertNull(passwordOnly.user());
    }

    @Test
    void refusesBadSentinelUrisNamingTheProblemAndNeverThePassword() {
        List<List<String>> cases = List.of(
                List.of("redis-sentinel:///mymaster", "no sentinel address"),
                List.of("redis-sentinel://:topsecret@/mymaster", "no sentinel address"),
                List.of("redis-sentinel://h1:1,,h2:2/mymaster", "empty sentinel address"),
                List.of("redis-sentinel://h1:1,/mymaster", "empty sentinel address"),
                List.of("redis-sentinel://h1:x/mymaster", "must be a number in 1..65535"),
                List.of("redis-sentinel://h1:/mymaster", "must be a number in 1..65535"),
                List.of("redis-sentinel://h1:0/mymaster", "in 1..65535, got 0"),
                List.of("redis-sentinel://h1:70000/mymaster", "in 1..65535, got 70000"),
                List.of("redis-sentinel://:1/mymaster", "has no host"),
                List.of("redis-sentinel://::1:26379/mymaster", "in brackets"),
                List.of("redis-sentinel://[::1:26379/mymaster", "does not close it"),
                List.of("redis-sentinel://[::1]x/mymaster", "after the ']'"),
                List.of("redis-sentinel://h1:1", "no service name"),
                List.of("redis-sentinel://h1:1/", "no service name"),
                List.of("redis-sentinel://h1:1//2", "bad service name"),
                List.of("redis-sentinel://h1:1/my%20master", "bad service name"),
                List.of("redis-sentinel://h1:1/mymaster/x", "database must be a number"),
                List.of("redis-sentinel://h1:1/mymaster/-1", "database must be >= 0"),
                List.of("redis-sentinel://h1:1/mymaster/1/2", "too many path segments"),
                List.of("redis-sentinel://h1:1/mymaster?timeout=5", "query parameters"),
                List.of("redis-sentinel://h1:1,h1:1/mymaster", "listed twice"),
                List.of("redis-sentinel://u:top%zzsecret@h1:1/mymaster", "malformed %-escape"),
                List.of("redis-sentinel://u:topsecret@h1:x/mymaster", "must be a number"));
        for (List<String> c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RedisConfig.fromUri(c.get(0)), c.get(0));
            assertTrue(e.getMessage().contains(c.get(1)), c.get(0) + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("redis-sentinel://"), c.get(0) + ": the expected form is shown: " + e.getMessage());
            assertFalse(e.getMessage().contains("secret"), c.get(0) + ": " + e.getMessage());
        }
        IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class, () -> RedisConfig.fromUri("sentinel://h:1/m"));
        assertTrue(scheme.getMessage().contains("redis-sentinel://"), scheme.getMessage());
    }

    @Test
    void theSentinelBuilderChecksEachSettingAndKeepsTheSentinelsPasswordOutOfToString() {
        RedisSentinel s = RedisSentinel.builder("mymaster").sentinel("s1", 26379).sentinel("10.0.0.2", 26380)
                .password("sentinel-pw").pollInterval(Duration.ofMillis(250)).queryTimeout(Duration.ofMillis(300)).build();
        assertEquals(new RedisCredentials(null, "sentinel-pw"), s.credentials());
        assertEquals(s, s.toBuilder().build());
        assertEquals(s, RedisSentinel.of("mymaster", List.of(new InetSocketAddress("s1", 26379),
                InetSocketAddress.createUnresolved("10.0.0.2", 26380))).toBuilder().password("sentinel-pw")
                .pollInterval(Duration.ofMillis(250)).queryTimeout(Duration.ofMillis(300)).build());
        RedisConfig c = RedisConfig.builder().sentinel(s).password("data-pw").database(1).build();
        assertFalse(c.toString().contains("sentinel-pw"), c.toString());
        assertFalse(c.toString().contains("data-pw"), c.toString());
        assertTrue(c.toString().contains("mymaster"), c.toString());
        assertEquals(s, c.toBuilder().build().sentinel());
        assertNull(c.toBuilder().host("h").build().sentinel(), "a fixed host replaces the sentinels");
        assertEquals("h:6379", c.toBuilder().host("h").build().endpoint());
        assertNull(c.toBuilder().socketPath("/tmp/r.sock").build().sentinel());
        assertEquals(0, RedisSentinel.builder("m").sentinel("h", 1).pollInterval(Duration.ZERO).build().pollInterval().toNanos());

        assertThrows(NullPointerException.class, () -> RedisSentinel.builder(null));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder(""));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("my master"));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("m").build(), "no sentinel");
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.of("m", List.of()));
        assertThrows(NullPointerException.class, () -> RedisSentinel.of("m", null));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("m").sentinel("h", 0));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("m").sentinel(" ", 1));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.of("m", List.of(new InetSocketAddress(0))),
                "port 0 is no sentinel");
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("m").pollInterval(Duration.ofMillis(1)));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("m").pollInterval(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("m").queryTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> RedisSentinel.builder("m").queryTimeout(Duration.ofMinutes(2)));
        IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> RedisConfig.builder().sentinel(s).readOnly(true).build());
        assertTrue(readOnly.getMessage().contains("primary"), readOnly.getMessage());
    }

    @Test
    void theUriMayAskForResp3() {
        assertEquals(RedisProtocol.RESP3, RedisConfig.fromUri("redis://h:1/2?protocol=resp3").protocol());
        assertEquals(RedisProtocol.RESP3, RedisConfig.fromUri("rediss://h?protocol=3").protocol());
        assertEquals(RedisProtocol.RESP2, RedisConfig.fromUri("redis://h?protocol=RESP2").protocol());
        assertEquals(RedisProtocol.RESP2, RedisConfig.fromUri("redis://h").protocol());
        assertEquals(2, RedisConfig.fromUri("redis://h:1/2?protocol=resp3").database());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> RedisConfig.fromUri("redis://h?timeout=5"));
        assertTrue(unknown.getMessage().contains("'timeout'"), unknown.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> RedisConfig.fromUri("redis://h?protocol=4"));
        assertTrue(bad.getMessage().contains("protocol=resp3"), bad.getMessage());
    }

    @Test
    void theSentinelsTlsIsTheirOwnPlainByDefaultAndPartOfEqualityWithoutItsSecrets() throws Exception {
        RedisSentinel plain = RedisConfig.fromUri("redis-sentinel://s1:26379/mymaster").sentinel();
        assertNull(plain.tls(), "a redis-sentinel:// URI is plain TCP to the sentinels");
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        RedisTls tls = RedisTls.builder().trustStore(store).keyStore(store, "store-secret".toCharArray())
                .serverName("sentinels.example").build();
        RedisSentinel encrypted = plain.toBuilder().tls(tls).build();
        assertEquals(tls, encrypted.tls());
        assertEquals(encrypted, encrypted.toBuilder().build(), "toBuilder keeps the TLS");
        assertEquals(encrypted.hashCode(), encrypted.toBuilder().build().hashCode());
        assertNotEquals(plain, encrypted);
        assertEquals(plain, encrypted.toBuilder().tls(null).build());
        assertTrue(encrypted.toString().contains("server name sentinels.example"), encrypted.toString());
        assertFalse(encrypted.toString().contains("store-secret"), encrypted.toString());
        // The sentinels' TLS and the primary's are independent.
        RedisConfig c = RedisConfig.builder().sentinel(encrypted).build();
        assertNull(c.tls());
        assertEquals(tls, c.sentinel().tls());
        assertEquals(RedisTls.defaults(), c.toBuilder().tls(RedisTls.defaults()).build().tls());
    }
}
