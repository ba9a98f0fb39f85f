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

    private final String endpoint;
    private final String peerName;
    private final RedisTls tls;
    private final boolean clientCertificate;

    NativeTlsFailure(String endpoint, String peerName, RedisTls tls, boolean clientCertificate) {
        this.endpoint = endpoint;
        this.peerName = peerName;
        this.tls = tls;
        this.clientCertificate = clientCertificate;
    }

    /** What {@code reason} (EVL_TLS_R_*) means, with {@code openssl}, OpenSSL's text. */
    String explain(int reason, String openssl) {
        String detail = " (" + openssl + ")";
        return switch (reason) {
            case LibEvloopTls.EVL_TLS_R_EXPIRED -> "the TLS certificate of the server at " + endpoint + " has expired" + detail;
            case LibEvloopTls.EVL_TLS_R_NOT_YET_VALID -> "the TLS certificate of the server at " + endpoint
                    + " is not valid yet" + detail + ": check the clocks";
            case LibEvloopTls.EVL_TLS_R_UNTRUSTED -> "the TLS certificate of the server at " + endpoint
                    + " is not trusted: no trusted CA issued it (" + trustDescription() + "; " + openssl
                    + "); trust its CA with RedisTls.Builder.trustCertificates or trustStore";
            case LibEvloopTls.EVL_TLS_R_NAME_MISMATCH -> "the TLS certificate of the server at " + endpoint + " is not for "
                    + peerName + detail + "; connect with a name the certificate holds, or set RedisTls.Builder.serverName";
            case LibEvloopTls.EVL_TLS_R_NOT_TLS -> notTls() + detail;
            case LibEvloopTls.EVL_TLS_R_CLOSED -> "the server at " + endpoint
                    + " closed the connection during the TLS handshake" + detail;
            default -> reason >= LibEvloopTls.EVL_TLS_R_ALERT && reason < LibEvloopTls.EVL_TLS_R_ALERT + 256
                    ? alertMessage(ALERTS.getOrDefault(reason - LibEvloopTls.EVL_TLS_R_ALERT,
                            "alert_" + (reason - LibEvloopTls.EVL_TLS_R_ALERT))) + detail
                    : "TLS with the server at " + endpoint + " failed: " + openssl;
        };
    }

    /** A connection that ended without a TLS failure after the handshake, before any reply. */
    String droppedBeforeFirstReply(String why) {
        return "the server at " + endpoint + " dropped the TLS connection before its first reply (" + why
                + "): does it require a client certificate? configure one with RedisTls.Builder.clientCertificate or keyStore";
    }

    boolean clientCertificate() {
        return clientCertificate;
    }

    /** What a connect that timed out waited for, from the handshake's progress (EVL_REDIS_TLS_*). */
    String timeoutHint(int progress) {
        return switch (progress) {
            case LibEvloop.EVL_REDIS_TLS_SILENT -> ": " + notTls();
            case LibEvloop.EVL_REDIS_TLS_TALKING -> ": the TLS handshake with " + endpoint + " did not finish";
            default -> "";
        };
    }

    private String notTls() {
        return "the server at " + endpoint + " did not answer the TLS handshake: is it a TLS port?";
    }

    private String alertMessage(String alert) {
        String from = "the server at " + endpoint + " ended the TLS handshake with the alert " + alert;
        return switch (alert) {
            case "certificate_required" -> "the server at " + endpoint + " requires a client certificate (alert " + alert + ")"
                    + (clientCertificate ? ", and did not take this one" : "")
                    + ": configure one with RedisTls.Builder.clientCertificate or keyStore";
            case "handshake_failure" -> from + (clientCertificate ? ": no cipher suite in common?"
                    : ": does it require a client certificate? configure one with RedisTls.Builder.clientCertificate"
                    + " or keyStore");
            case "bad_certificate", "unknown_ca", "certificate_unknown", "unsupported_certificate", "certificate_revoked",
                    "certificate_expired", "access_denied", "decrypt_error" -> clientCertificate
                    ? from + ": it refused the client certificate (is it issued by a CA the server trusts, and valid?)"
                    : from;
            case "protocol_version" -> from + ": it supports none of the TLS versions offered ("
                    + String.join("/", tls.protocols()) + ")";
            default -> from;
        };
    }

    private String trustDescription() {
        return tls.trustCertificates() != null ? "trusting the CAs of " + tls.trustCertificates()
                : tls.trustStore() != null ? "trusting the given trust store" : "trusting the JVM's default trust store";
    }
}
