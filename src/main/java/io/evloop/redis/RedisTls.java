package io.evloop.redis;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Objects;

/**
 * How a connection speaks TLS ({@code rediss://}, or {@link RedisConfig.Builder#tls(RedisTls)}).
 * Immutable. By default the server's certificate is checked against the JVM's default trust
 * store (the {@code javax.net.ssl.trustStore} system properties, else the JDK's {@code cacerts}),
 * as every Java client does, and the host name against the certificate; TLS 1.3 and 1.2 are
 * offered, and SNI names the host. Both loops apply the same rules.
 *
 * <pre>{@code
 * RedisTls.defaults()                                    // rediss://host:6380
 * RedisTls.builder().trustCertificates(Path.of("ca.pem"))  // a private CA
 *         .clientCertificate(Path.of("client.pem"), Path.of("client.key"))  // mTLS
 *         .build()
 * }</pre>
 */
public final class RedisTls {

    /** What is offered unless {@link Builder#protocols} says otherwise. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final RedisTls DEFAULTS = builder().build();

    private final Path trustCertificates;
    private final KeyStore trustStore;
    private final Path certificateChain;
    private final Path privateKey;
    private final KeyStore keyStore;
    private final char[] keyStorePassword;
    private final boolean verifyHostName;
    private final String serverName;
    private final List<String> protocols;

    private RedisTls(Builder b) {
        this.trustCertificates = b.trustCertificates;
        this.trustStore = b.trustStore;
        this.certificateChain = b.certificateChain;
        this.privateKey = b.privateKey;
        this.keyStore = b.keyStore;
        this.keyStorePassword = b.keyStorePassword == null ? null : b.keyStorePassword.clone();
        this.verifyHostName = b.verifyHostName;
        this.serverName = b.serverName;
        this.protocols = b.protocols;
    }

    /** The JVM's default trust store, host name verification, TLS 1.3 and 1.2, no client certificate. */
    public static RedisTls defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A PEM file of CA certificates trusted instead of the JVM's trust store; null when not set. */
    public Path trustCertificates() {
        return trustCertificates;
    }

    /** A trust store used instead of the JVM's; null when not set. */
    public KeyStore trustStore() {
        return trustStore;
    }

    /** The client's certificate chain (PEM) for mTLS; null when not set. */
    public Path certificateChain() {
        return certificateChain;
    }

    /** The client's private key (PEM, PKCS#8) for mTLS; null when not set. */
    public Path privateKey() {
        return privateKey;
    }

    /** A key store holding the client's key and certificate chain for mTLS; null when not set. */
    public KeyStore keyStore() {
        return keyStore;
    }

    /** The password of {@link #keyStore()}'s key (a copy); null when not set. */
    public char[] keyStorePassword() {
        return keyStorePassword == null ? null : keyStorePassword.clone();
    }

    /** Whether the certificate must name the host (or {@link #serverName()}); true by default. */
    public boolean verifyHostName() {
        return verifyHostName;
    }

    /**
     * The name sent in SNI and checked against the certificate; null means the host connected
     * to (the configured host, or through Sentinel the host the sentinels name for the primary).
     */
    public String serverName() {
        return serverName;
    }

    /** The protocol versions offered, best first. */
    public List<String> protocols() {
        return protocols;
    }

    @Override
    public String toString() {
        return "RedisTls[" + (trustCertificates != null ? "trust " + trustCertificates
                : trustStore != null ? "trust a given store" : "trust the JVM's store")
                + (certificateChain != null ? ", client certificate " + certificateChain
                : keyStore != null ? ", client certificate from a key store" : "")
                + (verifyHostName ? "" : ", host name NOT verified")
                + (serverName != null ? ", server name " + serverName : "")
                + ", " + String.join("/", protocols) + "]";
    }

    public static final class Builder {
        private Path trustCertificates;
        private KeyStore trustStore;
        private Path certificateChain;
        private Path privateKey;
        private KeyStore keyStore;
        private char[] keyStorePassword;
        private boolean verifyHostName = true;
        private String serverName;
        private List<String> protocols = DEFAULT_PROTOCOLS;

        private Builder() {
        }

        /** Trusts the CA certificates of a PEM file instead of the JVM's trust store. */
        public Builder trustCertificates(Path pemFile) {
            this.trustCertificates = readable(pemFile, "pemFile: the CA certificates (PEM) to trust");
            this.trustStore = null;
            return this;
        }

        /** Trusts the certificates of {@code store} instead of the JVM's trust store. */
        public Builder trustStore(KeyStore store) {
            this.trustStore = Objects.requireNonNull(store, "store: a loaded KeyStore of trusted certificates");
            this.trustCertificates = null;
            return this;
        }

        /** mTLS: the client's certificate chain and its private key, both PEM (the key PKCS#8, unencrypted). */
        public Builder clientCertificate(Path certificateChainPem, Path privateKeyPem) {
            this.certificateChain = readable(certificateChainPem, "certificateChainPem: the client's certificate chain (PEM)");
            this.privateKey = readable(privateKeyPem, "privateKeyPem: the client's private key (PEM, PKCS#8)");
            this.keyStore = null;
            this.keyStorePassword = null;
            return this;
        }

        /** mTLS: the client's key and certificate chain from a key store holding one private key entry. */
        public Builder keyStore(KeyStore store, char[] keyPassword) {
            this.keyStore = Objects.requireNonNull(store, "store: a loaded KeyStore with the client's key entry");
            this.keyStorePassword = Objects.requireNonNull(keyPassword, "keyPassword: the key entry's password").clone();
            this.certificateChain = null;
            this.privateKey = null;
            return this;
        }

        /**
         * Whether the server's certificate must name the host; true by default. Turning it off
         * accepts any certificate the trust store vouches for, for any host: only for servers
         * reached by address whose certificates name no address.
         */
        public Builder verifyHostName(boolean verify) {
            this.verifyHostName = verify;
            return this;
        }

        /**
         * The name for SNI and the host name check when it differs from the host connected to;
         * through Sentinel it applies to every primary the sentinels name, so their
         * certificates must all carry it.
         */
        public Builder serverName(String name) {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("serverName must be a host name or null (the configured host), got a blank string");
            }
            this.serverName = name;
            return this;
        }

        /** The protocol versions to offer: "TLSv1.3" and/or "TLSv1.2". */
        public Builder protocols(String... versions) {
            Objects.requireNonNull(versions, "versions");
            if (versions.length == 0) {
                throw new IllegalArgumentException("offer at least one protocol version: TLSv1.3 or TLSv1.2");
            }
            for (String v : versions) {
                if (!DEFAULT_PROTOCOLS.contains(v)) {
                    throw new IllegalArgumentException("unsupported TLS protocol version '" + v + "'; use TLSv1.3 or TLSv1.2");
                }
            }
            this.protocols = List.of(versions);
            return this;
        }

        public RedisTls build() {
            return new RedisTls(this);
        }

        private static Path readable(Path file, String what) {
            Objects.requireNonNull(file, what);
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("cannot read " + file + " (" + what + ")");
            }
            return file;
        }
    }
}
