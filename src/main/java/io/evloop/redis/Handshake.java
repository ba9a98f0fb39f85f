package io.evloop.redis;

import java.util.ArrayList;
import java.util.List;

/**
 * The commands a new connection runs before the client reports it up, in order: AUTH, SELECT,
 * CLIENT SETNAME, READONLY, each only when configured (over TLS, a PING when none is). With
 * RESP3 the first is {@code HELLO 3}, which carries AUTH and the client name. Every reconnect
 * runs them again (with credentials asked for again when they come from a provider).
 */
final class Handshake {

    /**
     * One handshake command; {@code shownName} is what messages call it, so a password never
     * shows, and {@code hint} what the message adds when the server does not know the command
     * (empty for nothing).
     */
    record Step(byte[][] argv, String shownName, String hint) {
        Step(byte[][] argv, String shownName) {
            this(argv, shownName, "");
        }
    }

    /** What a HELLO the server does not know means. */
    static final String HELLO_HINT = " (HELLO 3 needs Redis 6 or later: use RedisProtocol.RESP2 with an older server)";

    private Handshake() {
    }

    /** The step's hint if {@code error} says the server does not know its command, else "". */
    static String hintFor(Step step, Throwable error) {
        return error instanceof RedisErrorException e && e.getMessage().contains("unknown command") ? step.hint() : "";
    }

    /** With the config's fixed user and password, if any. */
    static List<Step> steps(RedisConfig config) {
        return steps(config, config.password() == null ? null : new RedisCredentials(config.user(), config.password()));
    }

    /** With {@code credentials} (from the config's provider) for AUTH; null sends no AUTH. */
    static List<Step> steps(RedisConfig config, RedisCredentials credentials) {
        List<Step> steps = new ArrayList<>(4);
        boolean resp3 = config.protocol() == RedisProtocol.RESP3;
        if (resp3) {
            List<String> hello = new ArrayList<>(List.of("HELLO", "3"));
            if (credentials != null) {
                // HELLO's AUTH always names a user; "default" is the one a plain AUTH logs in as.
                hello.addAll(List.of("AUTH", credentials.user() == null ? "default" : credentials.user(),
                        credentials.password()));
            }
            if (config.clientName() != null) {
                hello.addAll(List.of("SETNAME", config.clientName()));
            }
            steps.add(new Step(RespEncoder.utf8(hello.toArray(new String[0])), "HELLO 3", HELLO_HINT));
        } else if (credentials != null) {
            steps.add(new Step(credentials.user() == null
                    ? RespEncoder.utf8("AUTH", credentials.password())
                    : RespEncoder.utf8("AUTH", credentials.user(), credentials.password()), "AUTH"));
        }
        if (config.database() != 0) {
            steps.add(new Step(RespEncoder.utf8("SELECT", Integer.toString(config.database())), "SELECT"));
        }
        if (config.clientName() != null && !resp3) {
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
