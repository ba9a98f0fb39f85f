package io.evloop.redis;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tells a literal address from a host name without ever asking DNS, and owns the threads that
 * resolve names. A connect runs on the loop thread, where a lookup must never happen: a DNS
 * server that does not answer would stall every connection of the loop for seconds.
 */
final class HostAddresses {

    /** Where names are resolved: a few daemon threads, started on demand and let go when idle. */
    static final Executor RESOLVER = resolverPool();

    private HostAddresses() {
    }

    /**
     * The address {@code host} spells, or null when it is a name to resolve (off the loop).
     * Literal means what {@link InetAddress#getByName} takes without a lookup: a dotted quad
     * of decimal numbers 0-255 (written without leading zeros; any other spelling, such as
     * {@code 127.1}, goes to the resolver, which gives the JDK's own answer), or an IPv6
     * address, with or without brackets and a {@code %zone}. Never performs a lookup.
     *
     * @throws UnknownHostException for text that can only be an IPv6 address but is not a valid one
     */
    static InetAddress literal(String host) throws UnknownHostException {
        byte[] v4 = ipv4(host);
        if (v4 != null) {
            return InetAddress.getByAddress(v4);
        }
        String bare = host.length() > 2 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']'
                ? host.substring(1, host.length() - 1) : host;
        if (looksLikeIpv6(bare)) {
            // The JDK parses text that contains ':' and starts with a hex digit or ':' as an
            // IPv6 literal, and throws rather than look it up when it is not a valid one.
            return InetAddress.getByName(bare);
        }
        if (bare != host) {
            throw new UnknownHostException(host + " is in brackets but is not an IPv6 address");
        }
        return null;
    }

    /** The four bytes of a canonical dotted quad ({@code 10.0.0.1}), or null. */
    static byte[] ipv4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1; // -1: no digit yet in this part
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits > 0 && value == 0) {
                    return null; // leading zero: the JDK may read it as octal, or refuse it
                }
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else if (c == '.') {
                if (value < 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /** The JDK's own test: text with a ':' that starts with a hex digit or ':' is an IPv6 literal. */
    private static boolean looksLikeIpv6(String s) {
        return !s.isEmpty() && s.indexOf(':') >= 0 && (s.charAt(0) == ':' || Character.digit(s.charAt(0), 16) >= 0);
    }

    private static Executor resolverPool() {
        AtomicInteger ids = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(4, 4, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "evloop-resolver-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
