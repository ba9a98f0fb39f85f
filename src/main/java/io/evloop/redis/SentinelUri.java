package io.evloop.redis;

/**
 * Parses {@code redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/service[/db]}.
 * java.net.URI cannot: its authority holds one host. The user information ends at the last
 * {@code '@'}, so that a password with a raw {@code '/'}, {@code '?'} or {@code '#'} is still
 * taken whole, and no message ever echoes it.
 */
final class SentinelUri {

    static final String FORM = "redis-sentinel://[[user]:password@]host:port[,host:port...]/service[/db]";

    private SentinelUri() {
    }

    /** @param rest the URI after {@code redis-sentinel://} */
    static RedisConfig parse(String rest) {
        RedisConfig.Builder config = RedisConfig.builder();
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            int colon = userInfo.indexOf(':');
            try {
                if (colon < 0) {
                    config.password(RedisConfig.decode(userInfo)); // redis-sentinel://secret@..., as redis:// reads it
                } else {
                    String user = RedisConfig.decode(userInfo.substring(0, colon));
                    config.user(user.isEmpty() ? null : user);
                    config.password(RedisConfig.decode(userInfo.substring(colon + 1)));
                }
            } catch (IllegalArgumentException malformed) {
                // The decoder's message quotes the text, which may be the password.
                throw bad("the user or password has a malformed %-escape (write '%' itself as %25)");
            }
            rest = rest.substring(at + 1);
        }
        int query = indexOfAny(rest, "?#");
        if (query >= 0) {
            throw bad("query parameters and fragments ('" + rest.charAt(query) + "...') are not supported;"
                    + " set other options with RedisConfig.builder() and RedisSentinel.builder()");
        }
        int slash = rest.indexOf('/');
        String hosts = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (hosts.isEmpty()) {
            throw bad("no sentinel address before the service name");
        }
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1); // service/ and service/db/ mean what they say
        }
        if (path.isEmpty()) {
            throw bad("no service name after the sentinels (the name in 'sentinel monitor <name> ...', such as /mymaster)");
        }
        String[] segments = path.split("/", -1);
        if (segments.length > 2) {
            throw bad("too many path segments in '/" + path + "'; only /service and /service/db are allowed");
        }
        RedisSentinel.Builder sentinel;
        try {
            sentinel = RedisSentinel.builder(RedisConfig.decode(segments[0]));
        } catch (IllegalArgumentException e) {
            throw bad("bad service name '" + segments[0] + "': " + e.getMessage());
        }
        for (String address : hosts.split(",", -1)) {
            addSentinel(sentinel, address);
        }
        config.sentinel(sentinel.build());
        if (segments.length == 2) {
            int database;
            try {
                database = Integer.parseInt(segments[1]);
            } catch (NumberFormatException e) {
                throw bad("the database must be a number, got '" + segments[1] + "'");
            }
            if (database < 0) {
                throw bad("the database must be >= 0, got " + database);
            }
            config.database(database);
        }
        return config.build();
    }

    private static void addSentinel(RedisSentinel.Builder sentinel, String address) {
        if (address.isEmpty()) {
            throw bad("an empty sentinel address (two commas in a row, or one at the start or end of the list)");
        }
        String host;
        String port;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            if (close < 0) {
                throw bad("sentinel address '" + address + "' opens a '[' for an IPv6 address but does not close it");
            }
            host = address.substring(1, close);
            String after = address.substring(close + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw bad("sentinel address '" + address + "' has '" + after + "' after the ']'; expected [address]:port");
            }
            port = after.isEmpty() ? null : after.substring(1);
        } else {
            int colon = address.indexOf(':');
            if (colon >= 0 && address.indexOf(':', colon + 1) >= 0) {
                throw bad("sentinel address '" + address + "' has several ':'; write an IPv6 address in brackets, such as [::1]:26379");
            }
            host = colon < 0 ? address : address.substring(0, colon);
            port = colon < 0 ? null : address.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw bad("sentinel address '" + address + "' has no host");
        }
        int number = RedisSentinel.DEFAULT_PORT;
        if (port != null) {
            if (port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw bad("the port of sentinel address '" + address + "' must be a number in 1..65535");
            }
            number = Integer.parseInt(port);
            if (number < 1 || number > 65535) {
                throw bad("the port of sentinel address '" + address + "' must be in 1..65535, got " + number);
            }
        }
        try {
            sentinel.sentinel(host, number);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static IllegalArgumentException bad(String problem) {
        return new IllegalArgumentException("redis-sentinel URI: " + problem + "; expected " + FORM);
    }
}
