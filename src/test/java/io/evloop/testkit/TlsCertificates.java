package io.evloop.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for TLS tests, made with the {@code openssl} command line into a temp folder
 * (deleted by {@link #close()}): a CA; a server certificate for DNS {@code localhost} and IP
 * {@code 127.0.0.1} (cluster nodes are announced by address, so the IP entry is what host
 * name verification checks there); a client certificate from the same CA, also as a PKCS#12
 * key store; an expired server certificate; a server certificate for another host; and a
 * second CA that issued none of them. Keys are EC P-256 (fast to make) in unencrypted
 * PKCS#8 PEM, as both redis-server and {@code RedisTls} read them.
 */
public final class TlsCertificates implements AutoCloseable {

    /** The password of {@link #clientKeyStore()} and of its key entry. */
    public static final String KEY_STORE_PASSWORD = "evloop-test";

    private final Path dir;

    private TlsCertificates(Path dir) {
        this.dir = dir;
    }

    /** Makes them all (a second or so); fails with the command's output if openssl is missing or fails. */
    public static TlsCertificates generate() throws IOException {
        TlsCertificates c = new TlsCertificates(Files.createTempDirectory("evloop-tls-"));
        try {
            c.make();
            return c;
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public Path dir() {
        return dir;
    }

    /** The CA that issued every certificate below (PEM). */
    public Path caCertificate() {
        return dir.resolve("ca.pem");
    }

    /** A CA that issued none of them (PEM): trusting it alone trusts no server here. */
    public Path otherCaCertificate() {
        return dir.resolve("other-ca.pem");
    }

    /** For DNS:localhost and IP:127.0.0.1, valid for a year. */
    public Path serverCertificate() {
        return dir.resolve("server.pem");
    }

    /** The key of every server certificate here. */
    public Path serverKey() {
        return dir.resolve("server.key");
    }

    /** Like {@link #serverCertificate()} but valid only during January 2020. */
    public Path expiredServerCertificate() {
        return dir.resolve("expired.pem");
    }

    /** Valid, from the CA, but only for DNS:wrong.example (no localhost, no 127.0.0.1). */
    public Path wrongHostServerCertificate() {
        return dir.resolve("wrong-host.pem");
    }

    /** A client certificate (for mTLS) from the CA. */
    public Path clientCertificate() {
        return dir.resolve("client.pem");
    }

    public Path clientKey() {
        return dir.resolve("client.key");
    }

    /** The client key and certificate as PKCS#12, password {@link #KEY_STORE_PASSWORD}. */
    public Path clientKeyStore() {
        return dir.resolve("client.p12");
    }

    @Override
    public void close() {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind is harmless
        }
    }

    private void make() throws IOException {
        selfSignedCa("ca", "evloop test CA");
        selfSignedCa("other-ca", "evloop unrelated CA");
        key("server");
        csr("server", "localhost");
        // clientAuth too: cluster nodes and replicas present theirs when they connect to each other.
        sign("server", "server", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n", 365);
        sign("server", "wrong-host", "subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth\n", 365);
        expired();
        key("client");
        csr("client", "evloop test client");
        sign("client", "client", "extendedKeyUsage=clientAuth\n", 365);
        openssl("pkcs12", "-export", "-in", "client.pem", "-inkey", "client.key", "-name", "client",
                "-passout", "pass:" + KEY_STORE_PASSWORD, "-out", "client.p12");
    }

    private void selfSignedCa(String name, String commonName) throws IOException {
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", name + ".key", "-out", name + ".pem", "-days", "3650", "-subj", "/CN=" + commonName,
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    }

    private void key(String name) throws IOException {
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-out", name + ".key");
    }

    private void csr(String name, String commonName) throws IOException {
        openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + commonName);
    }

    private void sign(String request, String out, String extensions, int days) throws IOException {
        Files.writeString(dir.resolve(out + ".ext"), extensions, StandardCharsets.US_ASCII);
        openssl("x509", "-req", "-in", request + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", out + ".pem", "-days", Integer.toString(days), "-extfile", out + ".ext");
    }

    /** {@code openssl ca} takes explicit dates where {@code x509 -req} (before OpenSSL 3.4) takes only days. */
    private void expired() throws IOException {
        Files.writeString(dir.resolve("ca.cnf"), String.join("\n",
                "[ ca ]", "default_ca = test",
                "[ test ]", "database = index.txt", "new_certs_dir = .", "serial = ca-serial.txt",
                "default_md = sha256", "policy = any",
                "[ any ]", "commonName = supplied", ""), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("index.txt"), "");
        Files.writeString(dir.resolve("ca-serial.txt"), "1000\n");
        Files.writeString(dir.resolve("expired.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", "-in", "server.csr",
                "-out", "expired.pem", "-notext", "-startdate", "20200101000000Z", "-enddate", "20200131000000Z",
                "-extfile", "expired.ext");
    }

    private void openssl(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run openssl to make test certificates (install the openssl package): "
                    + e.getMessage(), e);
        }
        try {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("openssl " + args[0] + " did not finish within 30 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (" + p.exitValue() + "): " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running openssl", e);
        }
    }
}
