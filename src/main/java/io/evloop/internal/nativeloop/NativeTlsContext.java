package io.evloop.internal.nativeloop;

import java.lang.ref.Cleaner;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.byref.PointerByReference;

/**
 * An OpenSSL client context of the native loop's TLS layer ({@code evl_tls_context_new}): what
 * a server's certificate is checked against and the client's certificate, made once (per
 * client, off the loop) and shared by its connections, each of which holds its own reference
 * in C. The caller's reference is dropped by {@link #close()} or, failing that, once this
 * object is unreachable; a connection that is still open keeps the context alive.
 */
public final class NativeTlsContext implements AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create(runnable -> {
        Thread t = new Thread(runnable, "evloop-tls-cleaner");
        t.setDaemon(true);
        return t;
    });

    private final NativeLibraryLoader.NativeTls tls;
    private final Pointer context;
    private final Cleaner.Cleanable cleanable;

    private NativeTlsContext(NativeLibraryLoader.NativeTls tls, Pointer context) {
        this.tls = tls;
        this.context = context;
        LibEvloopTls lib = tls.lib();
        // Captures only what the release needs, never this object.
        this.cleanable = CLEANER.register(this, () -> lib.evl_tls_context_free(context));
    }

    /**
     * Makes a context from PEM: the certificates trusted as issuers (the only ones), and the
     * client's chain and PKCS#8 key (both empty without mTLS), offering the protocol versions
     * given ("TLSv1.3", "TLSv1.2"). The key's bytes are cleared, here and in the native copy
     * made for the call, before this returns, whatever happens.
     *
     * @throws UnsatisfiedLinkError when the TLS layer cannot load (no OpenSSL): the message says
     *     what to install
     * @throws IllegalArgumentException when OpenSSL refuses the material, saying why
     */
    public static NativeTlsContext create(byte[] trustedPem, byte[] chainPem, byte[] keyPem, List<String> protocols) {
        try {
            NativeLibraryLoader.NativeTls tls = NativeLibraryLoader.tls();
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (String p : protocols) {
                int v = switch (p) {
                    case "TLSv1.2" -> LibEvloopTls.EVL_TLS_V1_2;
                    case "TLSv1.3" -> LibEvloopTls.EVL_TLS_V1_3;
                    default -> throw new IllegalArgumentException("unsupported TLS protocol version '" + p
                            + "'; use TLSv1.3 or TLSv1.2");
                };
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            if (protocols.isEmpty()) {
                throw new IllegalArgumentException("offer at least one protocol version: TLSv1.3 or TLSv1.2");
            }
            Runtime runtime = Runtime.getRuntime(tls.lib());
            Pointer ca = copy(runtime, trustedPem);
            Pointer chain = copy(runtime, chainPem);
            Pointer key = copy(runtime, keyPem);
            Arrays.fill(keyPem, (byte) 0);
            try {
                byte[] error = new byte[256];
                PointerByReference out = new PointerByReference();
                int rc = tls.lib().evl_tls_context_new(ca, trustedPem.length, chain, chainPem.length, key, keyPem.length,
                        min, max, error, error.length, out);
                if (rc != 0) {
                    throw new IllegalArgumentException("cannot set up TLS on the native loop: " + text(error));
                }
                return new NativeTlsContext(tls, out.getValue());
            } finally {
                if (key != null) {
                    key.setMemory(0, keyPem.length, (byte) 0);
                }
            }
        } finally {
            Arrays.fill(keyPem, (byte) 0);
        }
    }

    /** Native memory holding bytes, or null for none; freed by jnr once unreachable. */
    private static Pointer copy(Runtime runtime, byte[] bytes) {
        if (bytes.length == 0) {
            return null;
        }
        Pointer p = Memory.allocateDirect(runtime, bytes.length);
        p.put(0, bytes, 0, bytes.length);
        return p;
    }

    private static String text(byte[] nulTerminated) {
        int n = 0;
        while (n < nulTerminated.length && nulTerminated[n] != 0) {
            n++;
        }
        return n == 0 ? "OpenSSL gave no reason" : new String(nulTerminated, 0, n, StandardCharsets.UTF_8);
    }

    /** The operations table of the TLS layer, for {@code evl_redis_connect_tls}. */
    public Pointer ops() {
        return tls.ops();
    }

    /** The context, for {@code evl_redis_connect_tls}; valid until {@link #close()}. */
    public Pointer pointer() {
        return context;
    }

    /** The OpenSSL in use, for messages. */
    public String openSslVersion() {
        return tls.openSslVersion();
    }

    /** Drops this reference; connections made with it keep theirs. Idempotent, any thread. */
    @Override
    public void close() {
        cleanable.clean();
    }
}
