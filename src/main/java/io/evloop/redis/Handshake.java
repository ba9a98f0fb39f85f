package io.evloop.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The commands a new connection runs before the client reports it up, in order: AUTH, SELECT,
 * CLIENT SETNAME, READONLY, each only when configured. Every reconnect runs them again.
 */
final class Handshake {

    /** One handshake command; {@code shownName} is what messages call it, so a password never shows. */
    record Step(byte[][] argv, String shownName) {
    }

    private Handshake() {
    }

    static List<Step> steps(RedisConfig config) {
        List<Step> steps = new ArrayList<>(4);
        if (config.password() != null) {
            steps.add(new Step(config.user() == null
                    ? RespEncoder.utf8("AUTH", config.password())
                    : RespEncoder.utf8("AUTH", config.user(), config.password()), "AUTH"));
        }
        if (config.database() != 0) {
            steps.add(new Step(RespEncoder.utf8("SELECT", Integer.toString(config.database())), "SELECT"));
        }
        if (config.clientName() != null) {
            steps.add(new Step(RespEncoder.utf8("CLIENT", "SETNAME", config.clientName()), "CLIENT SETNAME"));
        }
        if (config.readOnly()) {
            steps.add(new Step(RespEncoder.utf8("READONLY"), "READONLY"));
        }
        return steps;
    }
}
