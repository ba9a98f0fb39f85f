package io.evloop.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The commands a new connection runs before the client reports it up, in order: AUTH, SELECT,
 * CLIENT SETNAME, READONLY, each only when configured (over TLS, a PING when none is). Every
 * reconnect runs them again (with credentials asked for again when they come from a provider).
 */
final class Handshake {

    /** One handshake command; {@code shownName} is what messages call it, so a password never shows. */
    record Step(byte[][] argv, String shownName) {
    }

    private Handshake() {
    }

    /** With the config's fixed user and password, if any. */
    static List<Step> steps(RedisConfig config) {
        return steps(config, config.password() == null ? null : new RedisCredentials(config.user(), config.password()));
    }

    /** With {@code credentials} (from the config's provider) for AUTH; null sends no AUTH. */
    static List<Step> steps(RedisConfig config, RedisCredentials credentials) {
        List<Step> steps = new ArrayList<>(4);
        if (credentials != null) {
            steps.add(new Step(credentials.user() == null
                    ? RespEncoder.utf8("AUTH", credentials.password())
                    : RespEncoder.utf8("AUTH", credentials.user(), credentials.password()), "AUTH"));
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
        if (steps.isEmpty() && config.tls() != null) {
            // In TLS 1.3 the client's handshake is over before the server has checked the
            // client's certificate, and a server that refuses it says so afterwards. One round
            // trip makes that refusal fail the connect, not the first command.
            steps.add(new Step(RespEncoder.utf8("PING"), "PING"));
        }
        return steps;
    }
}
