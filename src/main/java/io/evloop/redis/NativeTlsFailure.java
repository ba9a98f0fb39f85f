package io.evloop.redis;

import io.evloop.internal.nativeloop.LibEvloop;
import io.evloop.internal.nativeloop.LibEvloopTls;
import java.util.Map;

/**
 * The words for a TLS failure on the native loop, from the reason the TLS layer gives
 * ({@code EVL_TLS_R_*}) and OpenSSL's own text: the same sentences, with the same advice, as
 * the Java loop's {@link TlsSession} gives for the same failure, so that a user reads the same
 * whichever loop the client runs on. OpenSSL's text follows in parentheses, as the JDK's does
 * there.
 */
final class NativeTlsFailure {

    /** The alerts a server ends a handshake with, by number (RFC 8446, 6), named as the JDK names them. */
    private static final Map<Integer, String> ALERTS = Map.ofEntries(
            Map.entry(10, "unexpected_message"), Map.entry(20, "bad_record_mac"), Map.entry(22, "record_overflow"),
            Map.entry(40, "handshake_failure"), Map.entry(42, "bad_certificate"), Map.entry(43, "unsupported_certificate"),
            Map.entry(44, "certificate_revoked"), Map.entry(45, "certificate_expired"), Map.entry(46, "certificate_unknown"),
            Map.entry(47, "illegal_parameter"), Map.entry(48, "unknown_ca"), Map.entry(49, "access_denied"),
            Map.entry(50, "decode_error"), Map.entry(51, "decrypt_error"), Map.entry(70, "protocol_version"),
            Map.entry(71, "insufficient_security"), Map.entry(80, "internal_error"), Map.entry(86, "inappropriate_fallback"),
            Map.entry(90, "user_canceled"), Map.entry(109, "missing_extension"), Map.entry(110, "unsupported_extension"),
            Map.entry(112, "unrecognized_name"), Map.entry(113, "bad_certificate_status_response"),
            Map.entry(115, "unknown_psk_identity"), Map.entry(116, "certificate_required"),
            Map.entry(120, "no_application_protocol"));

    private final TlsFailureWords words;

    NativeTlsFailure(String endpoint, String peerName, RedisTls tls, boolean clientCertificate) {
        this.words = new TlsFailureWords(endpoint, peerName, tls, clientCertificate);
    }

    /** What {@code reason} (EVL_TLS_R_*) means, with {@code openssl}, OpenSSL's text. */
    String explain(int reason, String openssl) {
        return switch (reason) {
            case LibEvloopTls.EVL_TLS_R_EXPIRED -> words.expired(openssl);
            case LibEvloopTls.EVL_TLS_R_NOT_YET_VALID -> words.notYetValid(openssl);
            case LibEvloopTls.EVL_TLS_R_UNTRUSTED -> words.untrusted(openssl);
            case LibEvloopTls.EVL_TLS_R_NAME_MISMATCH -> words.nameMismatch(openssl);
            case LibEvloopTls.EVL_TLS_R_NOT_TLS -> words.notTls() + " (" + openssl + ")";
            case LibEvloopTls.EVL_TLS_R_CLOSED -> words.closedDuringHandshake(openssl);
            default -> reason >= LibEvloopTls.EVL_TLS_R_ALERT && reason < LibEvloopTls.EVL_TLS_R_ALERT + 256
                    ? words.alert(ALERTS.getOrDefault(reason - LibEvloopTls.EVL_TLS_R_ALERT,
                            "alert_" + (reason - LibEvloopTls.EVL_TLS_R_ALERT))) + " (" + openssl + ")"
                    : words.failed(openssl);
        };
    }

    /** A connection that ended without a TLS failure after the handshake, before any reply. */
    String droppedBeforeFirstReply(String why) {
        return words.droppedBeforeFirstReply(why);
    }

    boolean clientCertificate() {
        return words.clientCertificate();
    }

    /** What a connect that timed out waited for, from the handshake's progress (EVL_REDIS_TLS_*). */
    String timeoutHint(int progress) {
        return switch (progress) {
            case LibEvloop.EVL_REDIS_TLS_SILENT -> ": " + words.notTls();
            case LibEvloop.EVL_REDIS_TLS_TALKING -> ": " + words.unfinished();
            default -> "";
        };
    }
}
