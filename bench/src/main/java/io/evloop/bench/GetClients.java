package io.evloop.bench;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;
import io.evloop.redis.RedisClient;
import io.evloop.redis.RedisConfig;
import io.evloop.redis.RedisProtocol;
import io.evloop.redis.RedisProtocolException;
import io.evloop.redis.RedisTls;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/**
 * The clients under test, each issuing {@code GET key} on one connection (Jedis: one pooled
 * connection per thread), with its library's defaults, in any {@link Pattern} (Jedis, which
 * blocks, only as its own thread pool). Nothing here tunes a peer: Lettuce
 * runs with its default client resources and auto-flush, Jedis with a pool of 8. An evloop
 * client can also be set up otherwise ({@link EvloopSetup}: stall threshold, TLS, protocol)
 * and issue {@code HGETALL key} instead ({@link Workload}).
 */
final class GetClients {

    /** Threads (and pooled connections) of the Jedis baseline: the seed's IO pool. */
    static final int JEDIS_THREADS = 8;

    /** How an evloop client on a loop without TLS reports it; the tls section and its check look for it. */
    static final String TLS_NOT_AVAILABLE = "TLS not available on this loop";

    /** How an evloop client whose RESP3 connect fails on a reply it cannot decode reports it; the resp3 section looks for it. */
    static final String RESP3_NOT_AVAILABLE = "RESP3 not available on this build";

    private GetClients() {
    }

    /** One client under test. */
    interface GetClient extends AutoCloseable {
        /** Commands really in flight when asked for {@code n}. */
        int effectiveInFlight(int n);

        /** Whether this client can be driven in that pattern (a blocking client has no completion callback). */
        default boolean supports(Pattern pattern) {
            return true;
        }

        LoadDriver driver(LatencyRecorder recorder, Pattern pattern);

        @Override
        void close();
    }

    /** Thrown when a client cannot run here for a known reason (e.g. a backend not built yet). */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The command each client keeps in flight: {@code GET key}, a value of {@code valueBytes}
     * bytes, or (evloop clients only) {@code HGETALL key} through
     * {@link io.evloop.redis.RedisCommands#hgetall(byte[])}, a hash of {@code hashFields}
     * fields of {@code valueBytes}-byte values each, the reply whose shape differs between
     * RESP2 (an array of fields and values) and RESP3 (a map).
     */
    enum Workload {
        GET("get"),
        HGETALL("hgetall");

        final String id;

        Workload(String id) {
            this.id = id;
        }

        static Workload of(String id) {
            for (Workload w : values()) {
                if (w.id.equals(id)) {
                    return w;
                }
            }
            throw new IllegalArgumentException("unknown command '" + id + "'; use get or hgetall");
        }
    }

    /**
     * How an evloop client is set up beyond its defaults, for the sections that compare two
     * setups of the same client: the loop's stall threshold (null: the default; zero: stall
     * detection off), TLS trusting one CA (null: plain TCP), the protocol (null: the
     * default, RESP2) and the command with, for HGETALL, the hash's field count. The peers
     * take none of these.
     */
    record EvloopSetup(Duration stallThreshold, Path tlsCaCertificate, RedisProtocol protocol, Workload workload,
                       int hashFields) {
        static final EvloopSetup DEFAULTS = new EvloopSetup(null, null, null, Workload.GET, 0);

        boolean isDefault() {
            return stallThreshold == null && tlsCaCertificate == null
                    && (protocol == null || protocol == RedisProtocol.RESP2) && workload == Workload.GET;
        }
    }

    static GetClient open(String name, String host, int port, byte[] key, int valueBytes) throws Exception {
        return open(name, host, port, key, valueBytes, EvloopSetup.DEFAULTS);
    }

    static GetClient open(String name, String host, int port, byte[] key, int valueBytes, EvloopSetup setup) throws Exception {
        if (!setup.isDefault() && !name.startsWith("evloop-")) {
            throw new IllegalArgumentException(name + " runs GET with its library's defaults only; a stall threshold, TLS, "
                    + "RESP3 or HGETALL is for evloop clients");
        }
        return switch (name) {
            case "evloop-native" -> evloop(true, host, port, key, valueBytes, setup);
            case "evloop-java" -> evloop(false, host, port, key, valueBytes, setup);
            case "lettuce" -> lettuce(host, port, key, valueBytes);
            case "jedis" -> jedis(host, port, key, valueBytes);
            default -> throw new IllegalArgumentException("unknown client '" + name + "'; use evloop-native, evloop-java, lettuce or jedis");
        };
    }

    private static GetClient evloop(boolean nativeLoop, String host, int port, byte[] key, int valueBytes,
                                    EvloopSetup setup) throws Exception {
        EventLoopOptions options = setup.stallThreshold() == null ? EventLoopOptions.defaults()
                : EventLoopOptions.defaults().withStallThreshold(setup.stallThreshold());
        EventLoop loop;
        try {
            loop = nativeLoop ? EventLoops.createNative(options) : EventLoops.createJava(options);
        } catch (IllegalStateException e) {
            throw new Unavailable("the native event loop does not load: " + e.getMessage(), e);
        }
        RedisConfig.Builder config = RedisConfig.builder().host(host).port(port);
        if (setup.tlsCaCertificate() != null) {
            config.tls(RedisTls.builder().trustCertificates(setup.tlsCaCertificate()).build());
        }
        if (setup.protocol() != null) {
            config.protocol(setup.protocol());
        }
        RedisClient client;
        try {
            client = RedisClient.connect(loop, config.build()).get(10, TimeUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            loop.close();
            // A loop whose transport does not speak TLS refuses the config at the call itself.
            if (setup.tlsCaCertificate() != null) {
                throw new Unavailable(TLS_NOT_AVAILABLE + " (" + e.getMessage() + ")", e);
            }
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            loop.close();
            Throwable root = e.getCause();
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            if (root instanceof UnsupportedOperationException) {
                throw new Unavailable("not measured: the native Redis backend is not built yet (" + root.getMessage() + ")", e);
            }
            // A build whose decoder does not know RESP3's reply types fails the HELLO 3 handshake.
            if (setup.protocol() == RedisProtocol.RESP3 && protocolError(e) != null) {
                throw new Unavailable(RESP3_NOT_AVAILABLE + " (" + protocolError(e).getMessage() + ")", e);
            }
            throw e;
        }
        Runnable close = () -> {
            client.close();
            loop.close();
        };
        if (setup.workload() == Workload.HGETALL) {
            int fields = setup.hashFields();
            // hgetall(), the call users make: the same Map<String, byte[]> from RESP2's array and RESP3's map.
            return asyncCalls(() -> client.hgetall(key), v -> v instanceof Map<?, ?> m && m.size() == fields
                    && m.values().stream().allMatch(x -> x instanceof byte[] b && b.length == valueBytes), close);
        }
        // get(), the call users make, on every pattern: the same work per GET as Lettuce's async get.
        return asyncGets(() -> client.get(key), valueBytes, close);
    }

    /** The first RedisProtocolException in a failure's causes, or null. */
    private static Throwable protocolError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof RedisProtocolException) {
                return c;
            }
        }
        return null;
    }

    /** A client whose GET returns a future: every pattern, all N really in flight. */
    private static GetClient asyncGets(java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<?>> get,
                                       int valueBytes, Runnable close) {
        return asyncCalls(get, v -> v instanceof byte[] b && b.length == valueBytes, close);
    }

    /** A client whose command returns a future, with the check of its reply: every pattern, all N really in flight. */
    private static GetClient asyncCalls(java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<?>> call,
                                        java.util.function.Predicate<Object> valid, Runnable close) {
        return new GetClient() {
            @Override
            public int effectiveInFlight(int n) {
                return n;
            }

            @Override
            public LoadDriver driver(LatencyRecorder recorder, Pattern pattern) {
                return LoadDriver.async(recorder, pattern, call, valid);
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }

    private static GetClient lettuce(String host, int port, byte[] key, int valueBytes) {
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(RedisURI.Builder.redis(host, port).build());
        StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        RedisAsyncCommands<byte[], byte[]> async = connection.async();
        return asyncGets(() -> async.get(key), valueBytes, () -> {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        });
    }

    private static GetClient jedis(String host, int port, byte[] key, int valueBytes) {
        GenericObjectPoolConfig<Jedis> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(JEDIS_THREADS);
        config.setMaxIdle(JEDIS_THREADS);
        JedisPool pool = new JedisPool(config, host, port);
        // Fail here, not in the load threads, when the server is unreachable.
        try (Jedis probe = pool.getResource()) {
            byte[] v = probe.get(key);
            if (v == null || v.length != valueBytes) {
                throw new IllegalStateException("GET " + new String(key, StandardCharsets.UTF_8) + " returned "
                        + (v == null ? "nil" : v.length + " bytes") + ", expected " + valueBytes);
            }
        }
        return new GetClient() {
            @Override
            public int effectiveInFlight(int n) {
                return Math.min(n, JEDIS_THREADS);
            }

            @Override
            public boolean supports(Pattern pattern) {
                return pattern == Pattern.IN_LOOP; // measured once, as the thread-pool baseline
            }

            @Override
            public LoadDriver driver(LatencyRecorder recorder, Pattern pattern) {
                // Each load thread holds one pooled connection for the whole run: the fastest way
                // to use a pool (borrowing per call would add the pool's cost to every GET).
                return LoadDriver.blocking(recorder, () -> {
                    Jedis jedis = pool.getResource();
                    return new LoadDriver.BlockingCall() {
                        @Override
                        public boolean call() {
                            byte[] v = jedis.get(key);
                            return v != null && v.length == valueBytes;
                        }

                        @Override
                        public void close() {
                            jedis.close(); // back to the pool
                        }
                    };
                });
            }

            @Override
            public void close() {
                pool.close();
            }
        };
    }

    static byte[] value(int bytes) {
        byte[] v = new byte[bytes];
        Arrays.fill(v, (byte) 'v');
        return v;
    }
}
