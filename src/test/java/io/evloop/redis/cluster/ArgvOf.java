package io.evloop.redis.cluster;

import java.nio.charset.StandardCharsets;

/** A command's words as the bytes the client sends. */
final class ArgvOf {

    private ArgvOf() {
    }

    static byte[][] utf8(String... words) {
        byte[][] argv = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            argv[i] = words[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }
}
