package io.evloop.redis;

import io.evloop.EventLoop;
import io.evloop.EventLoops;
import java.util.concurrent.TimeUnit;

/**
 * Run in a JVM of its own by {@link TlsContractTest}: connects to a {@code rediss://} URI with
 * the JVM's default trust store (as its system properties set it), prints the PING's reply
 * and exits 0, or exits 1 with the failure.
 */
public final class TlsTrustProbe {

    private TlsTrustProbe() {
    }

    /** Arguments: the loop ("java" or "native"), the URI. */
    public static void main(String[] args) throws Exception {
        try (EventLoop loop = "native".equals(args[0]) ? EventLoops.createNative() : EventLoops.createJava()) {
            RedisClient redis = RedisClient.connect(loop, args[1]).get(20, TimeUnit.SECONDS);
            System.out.println(redis.ping().get(10, TimeUnit.SECONDS));
            redis.close();
        } catch (Exception e) {
            e.printStackTrace(System.out);
            System.exit(1);
        }
    }
}
