package io.evloop.redis;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * evloop's RESP codec on the benchmark's traffic: encoding {@code GET key:__rand_int__} into
 * the client's reusable output buffer, and decoding 100-byte bulk replies in bulk (1000 per
 * buffer, as a read of a busy connection delivers them). Scores are per command or reply.
 * It lives in the codec's package because the codec is package-private in the library.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RespCodecBenchmark {

    static final int BATCH = 1000;

    private final byte[][] get = {"GET".getBytes(StandardCharsets.US_ASCII), "key:__rand_int__".getBytes(StandardCharsets.US_ASCII)};
    private RespEncoder encoder;
    private RespDecoder decoder;
    private ByteBuffer replies;

    @Setup
    public void setup() {
        encoder = new RespEncoder();
        decoder = new RespDecoder();
        byte[] value = new byte[100];
        Arrays.fill(value, (byte) 'v');
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < BATCH; i++) {
            out.writeBytes("$100\r\n".getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(value);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] bytes = out.toByteArray();
        replies = ByteBuffer.allocateDirect(bytes.length); // the Java transport reads into a direct buffer
        replies.put(bytes).flip();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int encodeGet() {
        for (int i = 0; i < BATCH; i++) {
            encoder.append(get);
        }
        int n = encoder.length();
        encoder.clear();
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void decodeBulk100(Blackhole bh) {
        replies.clear();
        decoder.feed(replies, bh::consume);
    }
}
