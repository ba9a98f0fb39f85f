package io.evloop.redis;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The commands {@link RedisClient} and {@link RedisClusterClient} refuse at the call, before
 * anything is sent: those after which the server no longer answers each command with exactly
 * one reply, and those that change connection state the client owns and restores after a
 * reconnect. Either would hand replies to the wrong commands, or silently read another
 * database after a reconnect.
 *
 * <ul>
 *   <li>SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE: the connection then carries pushed messages;
 *       UNSUBSCRIBE, PUNSUBSCRIBE, SUNSUBSCRIBE: one reply per channel, not per command.
 *       {@link RedisPubSub} subscribes on a connection of its own.</li>
 *   <li>MONITOR: every later command of every client is streamed to this connection.</li>
 *   <li>CLIENT REPLY OFF and CLIENT REPLY SKIP: the next replies are not sent at all.</li>
 *   <li>SYNC, PSYNC, REPLCONF: the replication stream (an RDB file, or no reply).</li>
 *   <li>HELLO: switches the protocol and may re-authenticate; {@link RedisConfig.Builder#protocol}
 *       chooses RESP3 for every connection.</li>
 *   <li>AUTH, SELECT, RESET: credentials and database are set in {@link RedisConfig} and
 *       restored on every reconnect; changing them on the side would be undone silently.</li>
 *   <li>QUIT: closes the connection, which the client would reconnect.</li>
 *   <li>MULTI, EXEC, DISCARD, WATCH, UNWATCH: on a connection other threads share, their
 *       commands would fall inside the transaction; {@link RedisTransaction} writes it whole.</li>
 * </ul>
 */
final class UnsupportedCommands {

    private static final String[] PUBSUB = {"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE",
        "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"};

    private UnsupportedCommands() {
    }

    /** @throws IllegalArgumentException naming the command and what to do instead */
    static void refuse(byte[][] argv) {
        byte[] name = argv[0];
        if (name.length < 4 || name.length > 12) {
            return; // the cheap exit for almost every command
        }
        String why = reason(name, argv);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
    }

    private static String reason(byte[] name, byte[][] argv) {
        switch (name.length) {
            case 4 -> {
                if (is(name, "SYNC")) {
                    return replication("SYNC");
                }
                if (is(name, "AUTH")) {
                    return ownState("AUTH", "the user and password in RedisConfig (redis://user:password@host)");
                }
                if (is(name, "EXEC")) {
                    return transaction("EXEC");
                }
                if (is(name, "QUIT")) {
                    return "QUIT is not supported: it closes the connection, which the client would reconnect;"
                            + " call close() on the client instead";
                }
            }
            case 5 -> {
                if (is(name, "PSYNC")) {
                    return replication("PSYNC");
                }
                if (is(name, "HELLO")) {
                    return "HELLO is not supported through send(): the client does its own handshake (AUTH, SELECT,"
                            + " CLIENT SETNAME from RedisConfig) on every reconnect; for RESP3 use"
                            + " RedisConfig.Builder.protocol(RedisProtocol.RESP3)";
                }
                if (is(name, "RESET")) {
                    return ownState("RESET", "close() and a new client");
                }
                if (is(name, "MULTI") || is(name, "WATCH")) {
                    return transaction(upper(name));
                }
            }
            case 6 -> {
                if (is(name, "SELECT")) {
                    return ownState("SELECT", "the database in RedisConfig (redis://host:port/db), one client per database");
                }
                if (is(name, "CLIENT") && argv.length >= 3 && is(argv[1], "REPLY")
                        && (is(argv[2], "OFF") || is(argv[2], "SKIP"))) {
                    return "CLIENT REPLY " + upper(argv[2]) + " is not supported: the server would send no reply for"
                            + " the next commands, and every later reply would reach the wrong command; send the"
                            + " commands and ignore their futures instead";
                }
            }
            case 7 -> {
                if (is(name, "DISCARD") || is(name, "UNWATCH")) {
                    return transaction(upper(name));
                }
                if (is(name, "MONITOR")) {
                    return "MONITOR is not supported: it turns the connection into a stream of every client's"
                            + " commands, which no longer answers this client's; run it from redis-cli";
                }
            }
            case 8 -> {
                if (is(name, "REPLCONF")) {
                    return replication("REPLCONF");
                }
            }
            case 9, 10, 11, 12 -> {
                for (String pubsub : PUBSUB) {
                    if (is(name, pubsub)) {
                        return pubsub + " is not supported on a command connection: pub/sub replies are pushed"
                                + " messages, not one reply per command, so later replies would reach the wrong"
                                + " commands; use RedisPubSub, which subscribes on a connection of its own";
                    }
                }
            }
            default -> {
                return null;
            }
        }
        return null;
    }

    private static String transaction(String command) {
        return command + " is not supported through send(): the connection is shared, so other threads' commands"
                + " would fall inside the transaction; use transaction() (RedisTransaction), which writes WATCH,"
                + " MULTI, the commands and EXEC together";
    }

    private static String replication(String command) {
        return command + " is not supported: it is for replicas (an RDB stream or no reply at all), not for a"
                + " command connection";
    }

    private static String ownState(String command, String instead) {
        return command + " is not supported through send(): the client owns the connection's credentials and"
                + " database and restores them from RedisConfig on every reconnect, which would silently undo it;"
                + " use " + instead;
    }

    /** ASCII case-insensitive equality with an upper-case name. */
    private static boolean is(byte[] word, String upper) {
        if (word.length != upper.length()) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            int b = word[i];
            if (b >= 'a' && b <= 'z') {
                b -= 'a' - 'A';
            }
            if (b != upper.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String upper(byte[] word) {
        return new String(word, StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }
}
