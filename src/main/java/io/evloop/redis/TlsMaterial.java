package io.evloop.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A {@link RedisTls} resolved into what the two loops need: an {@link SSLContext} for the Java
 * loop's {@code SSLEngine}, and the same trust anchors and client key as PEM for the native
 * loop's TLS, so that both trust exactly the same certificates (the JVM's trust store
 * included). Resolved once per client, off the loop's hot path; every failure is an
 * {@link IllegalArgumentException} naming the file or store and what is wrong with it.
 */
final class TlsMaterial {

    private final RedisTls tls;
    private final X509TrustManager trustManager;
    private final List<X509Certificate> trusted;
    private final PrivateKey clientKey; // null without mTLS
    private final List<X509Certificate> clientChain; // empty without mTLS
    private SSLContext sslContext; // built on first use; guarded by this

    private TlsMaterial(RedisTls tls, X509TrustManager trustManager, PrivateKey clientKey, List<X509Certificate> clientChain) {
        this.tls = tls;
        this.trustManager = trustManager;
        this.trusted = List.of(trustManager.getAcceptedIssuers());
        this.clientKey = clientKey;
        this.clientChain = clientChain;
    }

    static TlsMaterial resolve(RedisTls tls) {
        X509TrustManager trust = trustManager(tls);
        PrivateKey key = null;
        List<X509Certificate> chain = List.of();
        if (tls.certificateChain() != null) {
            chain = readCertificates(tls.certificateChain(), "the client certificate chain");
            key = readPrivateKey(tls.privateKey());
        } else if (tls.keyStore() != null) {
            char[] password = tls.keyStorePassword();
            try {
                String alias = keyAlias(tls.keyStore());
                key = (PrivateKey) tls.keyStore().getKey(alias, password);
                List<X509Certificate> fromStore = new ArrayList<>();
                for (Certificate c : tls.keyStore().getCertificateChain(alias)) {
                    fromStore.add((X509Certificate) c);
                }
                chain = List.copyOf(fromStore);
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("cannot read the client key from the key store: " + e.getMessage(), e);
            } finally {
                java.util.Arrays.fill(password, '\0');
            }
        }
        return new TlsMaterial(tls, trust, key, chain);
    }

    RedisTls tls() {
        return tls;
    }

    /** The certificates trusted as issuers of the server's certificate. */
    List<X509Certificate> trustedCertificates() {
        return trusted;
    }

    /** Whether a client certificate is presented (mTLS). */
    boolean hasClientCertificate() {
        return clientKey != null;
    }

    /**
     * An SSLContext that trusts {@link #trustedCertificates()} and presents the client
     * certificate, if any; the same one on every call, so that every connection of a client
     * shares its TLS session cache (a reconnect may resume the session).
     */
    synchronized SSLContext sslContext() {
        if (sslContext == null) {
            sslContext = newSslContext();
        }
        return sslContext;
    }

    private SSLContext newSslContext() {
        try {
            KeyManager[] keyManagers = null;
            if (clientKey != null) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                char[] none = new char[0];
                store.setKeyEntry("client", clientKey, none, clientChain.toArray(new Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(store, none);
                keyManagers = kmf.getKeyManagers();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, new TrustManager[] {trustManager}, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS (" + tls + "): " + e.getMessage(), e);
        }
    }

    /** {@link #trustedCertificates()} as one PEM bundle. */
    byte[] trustedCertificatesPem() {
        return pem(trusted);
    }

    /** The client's certificate chain as PEM, leaf first; empty without mTLS. */
    byte[] clientCertificateChainPem() {
        return pem(clientChain);
    }

    /** The client's private key as unencrypted PKCS#8 PEM; empty without mTLS. Clear it after use. */
    byte[] clientPrivateKeyPem() {
        if (clientKey == null) {
            return new byte[0];
        }
        return block("PRIVATE KEY", clientKey.getEncoded());
    }

    private static byte[] pem(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate c : certificates) {
            try {
                out.append(new String(block("CERTIFICATE", c.getEncoded()), StandardCharsets.US_ASCII));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot encode the certificate of " + c.getSubjectX500Principal(), e);
            }
        }
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] block(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static X509TrustManager trustManager(RedisTls tls) {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            if (tls.trustCertificates() != null) {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                int i = 0;
                for (X509Certificate c : readCertificates(tls.trustCertificates(), "the trusted CA certificates")) {
                    store.setCertificateEntry("ca-" + i++, c);
                }
                tmf.init(store);
            } else {
                tmf.init(tls.trustStore()); // null: the JVM's default trust store
            }
            for (TrustManager m : tmf.getTrustManagers()) {
                if (m instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalArgumentException("the trust store yields no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("cannot load the trusted certificates (" + tls + "): " + e.getMessage(), e);
        }
    }

    private static List<X509Certificate> readCertificates(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            Collection<? extends Certificate> read = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (read.isEmpty()) {
                throw new IllegalArgumentException(file + " holds no certificate (" + what + ", expected PEM)");
            }
            List<X509Certificate> out = new ArrayList<>();
            for (Certificate c : read) {
                out.add((X509Certificate) c);
            }
            return List.copyOf(out);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read " + what + " from " + file + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey readPrivateKey(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the client private key from " + file + ": " + e.getMessage(), e);
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            String hint = text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                    ? "; it is in a traditional format: convert it with 'openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8'"
                    : text.contains("ENCRYPTED PRIVATE KEY") ? "; it is encrypted: decrypt it with 'openssl pkcs8 -in KEY -out KEY.pk8'" : "";
            throw new IllegalArgumentException(file + " is not an unencrypted PKCS#8 PEM private key (BEGIN PRIVATE KEY)" + hint);
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        for (String algorithm : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException wrongAlgorithm) {
                // try the next
            }
        }
        throw new IllegalArgumentException(file + " holds a private key of an algorithm this JVM cannot read (RSA, EC, Ed25519, Ed448)");
    }

    private static String keyAlias(KeyStore store) throws GeneralSecurityException {
        String found = null;
        for (Enumeration<String> aliases = store.aliases(); aliases.hasMoreElements(); ) {
            String alias = aliases.nextElement();
            if (store.isKeyEntry(alias)) {
                if (found != null) {
                    throw new IllegalArgumentException("the key store holds several keys (" + found + ", " + alias
                            + "); give it exactly one private key entry");
                }
                found = alias;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("the key store holds no private key entry");
        }
        return found;
    }
}
