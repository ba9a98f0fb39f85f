package io.evloop.redis;

/**
 * How a TLS failure is told to the user, the same on both loops: each message names the
 * server, what went wrong and what to configure. The Java loop finds the case in the JDK's
 * exceptions ({@link TlsSession}), the native loop in its TLS layer's reason code
 * ({@link NativeTlsFailure}); the words are these.
 */
final class TlsFailureWords {

    private final String endpoint;
    private final String peerName;
    private final RedisTls tls;
    private final boolean clientCertificate;

    TlsFailureWords(String endpoint, String peerName, RedisTls tls, boolean clientCertificate) {
        this.endpoint = endpoint;
        this.peerName = peerName;
        this.tls = tls;
        this.clientCertificate = clientCertificate;
    }

    boolean clientCertificate() {
        return clientCertificate;
    }

    String expired(String detail) {
        return "the TLS certificate of the server at " + endpoint + " has expired (" + detail + ")";
    }

    String notYetValid(String detail) {
        return "the TLS certificate of the server at " + endpoint + " is not valid yet (" + detail + "): check the clocks";
    }

    /** {@code detail}: the TLS implementation's own words, or null. */
    String untrusted(String detail) {
        return "the TLS certificate of the server at " + endpoint + " is not trusted: no trusted CA issued it ("
                + trustDescription() + (detail == null ? "" : "; " + detail)
                + "); trust its CA with RedisTls.Builder.trustCertificates or trustStore";
    }

    String nameMismatch(String detail) {
        return "the TLS certificate of the server at " + endpoint + " is not for " + peerName + " (" + detail
                + "); connect with a name the certificate holds, or set RedisTls.Builder.serverName";
    }

    String notTls() {
        return "the server at " + endpoint + " did not answer the TLS handshake: is it a TLS port?";
    }

    String closedDuringHandshake(String detail) {
        return "the server at " + endpoint + " closed the connection during the TLS handshake (" + detail + ")";
    }

    String unfinished() {
        return "the TLS handshake with " + endpoint + " did not finish";
    }

    String failed(String detail) {
        return "TLS with the server at " + endpoint + " failed: " + detail;
    }

    /** A connection that ended without a TLS failure after the handshake, before any reply. */
    String droppedBeforeFirstReply(String why) {
        return "the server at " + endpoint + " dropped the TLS connection before its first reply (" + why
                + "): does it require a client certificate? configure one with RedisTls.Builder.clientCertificate or keyStore";
    }

    /** The server ended the handshake with the TLS alert {@code alert} (its name in RFC 8446, e.g. unknown_ca). */
    String alert(String alert) {
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
