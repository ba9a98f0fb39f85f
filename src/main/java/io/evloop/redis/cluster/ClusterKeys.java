package io.evloop.redis.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Redis Cluster key slots: CRC16 (XMODEM) of the key, or of its {hash tag}, modulo 16384;
 * and where the keys are in a command's arguments.
 */
final class ClusterKeys {

    static final int SLOTS = 16384;

    /** Commands that take no key: sent to any master. */
    private static final Set<String> KEYLESS = Set.of("PING", "ECHO", "INFO", "TIME", "DBSIZE", "CLUSTER", "COMMAND",
            "CONFIG", "CLIENT", "SCRIPT", "FUNCTION", "FLUSHALL", "FLUSHDB", "RANDOMKEY", "LASTSAVE", "MEMORY",
            "SLOWLOG", "LATENCY", "HELLO", "AUTH", "SELECT", "READONLY", "READWRITE", "ASKING", "WAIT", "PUBLISH", "ROLE");

    /** Commands whose keys may span slots: split per slot and merged in key order. */
    static final Set<String> SPLITTABLE = Set.of("MGET", "DEL", "EXISTS", "UNLINK", "TOUCH");

    /** Commands whose every argument after the name is a key. */
    private static final Set<String> ALL_KEYS = Set.of("MGET", "DEL", "EXISTS", "UNLINK", "TOUCH", "WATCH",
            "SUNION", "SINTER", "SDIFF", "SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE", "PFCOUNT", "PFMERGE",
            "RENAME", "RENAMENX", "RPOPLPUSH", "SMOVE", "LMOVE", "COPY");

    private static final int[] CRC16_TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int crc = i << 8;
            for (int bit = 0; bit < 8; bit++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
            CRC16_TABLE[i] = crc & 0xffff;
        }
    }

    private ClusterKeys() {
    }

    static String commandName(byte[][] argv) {
        return new String(argv[0], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
    }

    /** CRC16-XMODEM, the checksum Redis Cluster uses. */
    static int crc16(byte[] bytes, int from, int to) {
        int crc = 0;
        for (int i = from; i < to; i++) {
            crc = ((crc << 8) ^ CRC16_TABLE[((crc >>> 8) ^ bytes[i]) & 0xff]) & 0xffff;
        }
        return crc;
    }

    /** The slot of a key: only the part inside the first non-empty {...} counts, if any. */
    static int slot(byte[] key) {
        int open = -1;
        for (int i = 0; i < key.length; i++) {
            if (key[i] == '{') {
                open = i;
                break;
            }
        }
        if (open >= 0) {
            for (int close = open + 1; close < key.length; close++) {
                if (key[close] == '}') {
                    if (close > open + 1) {
                        return crc16(key, open + 1, close) & (SLOTS - 1);
                    }
                    break;
                }
            }
        }
        return crc16(key, 0, key.length) & (SLOTS - 1);
    }

    static int slot(String key) {
        return slot(key.getBytes(StandardCharsets.UTF_8));
    }

    /** Indexes in argv of the keys of this command (empty for a keyless one). */
    static int[] keyIndexes(String command, byte[][] argv) {
        if (argv.length < 2 || KEYLESS.contains(command)) {
            return new int[0];
        }
        if (ALL_KEYS.contains(command)) {
            return range(1, argv.length, 1);
        }
        switch (command) {
            case "MSET", "MSETNX":
                return range(1, argv.length, 2);
            case "BLPOP", "BRPOP":
                return range(1, argv.length - 1, 1);
            case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO": {
                int numKeys = argv.length > 2 ? parseCount(argv[2]) : 0;
                if (numKeys < 0 || 3 + numKeys > argv.length) {
                    throw new IllegalArgumentException(command + " has a numkeys argument that does not match its arguments");
                }
                return range(3, 3 + numKeys, 1);
            }
            default:
                return new int[] {1};
        }
    }

    private static int[] range(int from, int to, int step) {
        int n = Math.max(0, (to - from + step - 1) / step);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = from + i * step;
        }
        return out;
    }

    private static int parseCount(byte[] b) {
        try {
            return Integer.parseInt(new String(b, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
