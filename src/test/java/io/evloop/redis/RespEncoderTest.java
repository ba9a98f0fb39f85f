package io.evloop.redis;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RespEncoderTest {

    private static String encodeToString(String... args) {
        return new String(RespEncoder.encode(RespEncoder.utf8(args)), ISO_8859_1);
    }

    @Test
    void encodesCommandsByteExact() {
        assertEquals("*1\r\n$4\r\nPING\r\n", encodeToString("PING"));
        assertEquals("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", encodeToString("SET", "key", "value"));
        assertEquals("*2\r\n$3\r\nGET\r\n$0\r\n\r\n", encodeToString("GET", ""));
        String ten = "0123456789";
        String hundred = ten.repeat(10);
        assertEquals("*3\r\n$4\r\nHGET\r\n$10\r\n" + ten + "\r\n$100\r\n" + hundred + "\r\n",
                encodeToString("HGET", ten, hundred));
        // Multi-byte UTF-8: the length is in bytes, not chars.
        assertEquals("*2\r\n$4\r\nECHO\r\n$2\r\n\u00c3\u00a9\r\n", encodeToString("ECHO", "\u00e9"));
    }

    @Test
    void encodesBinaryArgumentsAsTheyAre() {
        byte[] binary = {'%', 's', '\r', '\n', 0, (byte) 0xff, '$', '-', '1'};
        byte[] encoded = RespEncoder.encode(new byte[][] {"SET".getBytes(UTF_8), binary});
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("*2\r\n$3\r\nSET\r\n$9\r\n".getBytes(UTF_8));
        expected.writeBytes(binary);
        expected.writeBytes("\r\n".getBytes(UTF_8));
        assertArrayEquals(expected.toByteArray(), encoded);
    }

    @Test
    void encodedLengthMatchesEncoding() {
        Random random = new Random(7);
        for (int i = 0; i < 200; i++) {
            byte[][] argv = randomArgv(random);
            assertEquals(RespEncoder.encode(argv).length, RespEncoder.encodedLength(argv));
        }
    }

    @Test
    void digitsCountsDecimalDigits() {
        int[] values = {0, 9, 10, 99, 100, 999_999, 1_000_000, RespEncoder.MAX_ARGUMENT_LENGTH, Integer.MAX_VALUE};
        for (int v : values) {
            assertEquals(Integer.toString(v).length(), RespEncoder.digits(v), "digits of " + v);
        }
    }

    @Test
    void validateRejectsBadArgv() {
        NullPointerException nullArgv = assertThrows(NullPointerException.class, () -> RespEncoder.validate(null));
        assertTrue(nullArgv.getMessage().contains("argv must not be null"), nullArgv.getMessage());

        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> RespEncoder.validate(new byte[0][]));
        assertTrue(empty.getMessage().contains("must not be empty"), empty.getMessage());

        NullPointerException nullArg = assertThrows(NullPointerException.class,
                () -> RespEncoder.validate(new byte[][] {{'G', 'E', 'T'}, {'k'}, null}));
        assertTrue(nullArg.getMessage().contains("argv[2] is null"), nullArg.getMessage());

        RespEncoder.validate(new byte[][] {{'P', 'I', 'N', 'G'}});
    }

    @Test
    void validateRejectsArgumentsOverTheLimitNamingIndexAndSize() {
        assertEquals(512 * 1024 * 1024, RespEncoder.MAX_ARGUMENT_LENGTH);
        byte[][] argv = {"SET".getBytes(UTF_8), "k".getBytes(UTF_8), new byte[101]};
        // The same check as validate(), with a limit of 100 bytes instead of 512 MiB.
        RespEncoder.encodedLength(new byte[][] {new byte[100]}, 100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RespEncoder.encodedLength(argv, 100));
        assertTrue(e.getMessage().contains("argv[2] is 101 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("100"), e.getMessage());
    }

    @Test
    void appendRejectsBadArgvAndKeepsWhatWasAccepted() {
        RespEncoder encoder = new RespEncoder();
        encoder.append(RespEncoder.utf8("PING"));
        int before = encoder.length();
        assertThrows(NullPointerException.class, () -> encoder.append(new byte[][] {{'A'}, null}));
        assertThrows(IllegalArgumentException.class, () -> encoder.append(new byte[0][]));
        assertEquals(before, encoder.length());
        assertEquals("*1\r\n$4\r\nPING\r\n", pending(encoder));
    }

    @Test
    void utf8NamesTheNullArgument() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> RespEncoder.utf8("SET", "k", null));
        assertTrue(e.getMessage().contains("args[2] is null"), e.getMessage());
        assertThrows(NullPointerException.class, () -> RespEncoder.utf8((String[]) null));
        assertArrayEquals(new byte[] {(byte) 0xc3, (byte) 0xa9}, RespEncoder.utf8("\u00e9")[0]);
    }

    @Test
    void bufferGrowsAcrossManyAppends() {
        RespEncoder encoder = new RespEncoder(16, 1 << 30);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(11);
        for (int i = 0; i < 10_000; i++) {
            byte[][] argv = randomArgv(random);
            encoder.append(argv);
            expected.writeBytes(RespEncoder.encode(argv));
        }
        assertEquals(expected.size(), encoder.length());
        assertTrue(encoder.capacity() >= expected.size());
        assertArrayEquals(expected.toByteArray(), pendingBytes(encoder));
    }

    @Test
    void argumentsAreCopiedAtAppend() {
        RespEncoder encoder = new RespEncoder();
        byte[] value = "abc".getBytes(UTF_8);
        encoder.append(new byte[][] {"SET".getBytes(UTF_8), "k".getBytes(UTF_8), value});
        value[0] = 'X';
        assertEquals("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nabc\r\n", pending(encoder));
    }

    @Test
    void writeToTakesWhatTheChannelAcceptsAndKeepsTheRest() throws Exception {
        RespEncoder encoder = new RespEncoder(64, 1 << 20);
        TrickleChannel channel = new TrickleChannel(new Random(3));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        Random random = new Random(5);
        for (int round = 0; round < 2_000; round++) {
            int commands = random.nextInt(4);
            for (int c = 0; c < commands; c++) {
                byte[][] argv = randomArgv(random);
                encoder.append(argv);
                expected.writeBytes(RespEncoder.encode(argv));
            }
            int before = encoder.length();
            int written = encoder.writeTo(channel);
            assertEquals(before - written, encoder.length());
        }
        while (!encoder.isEmpty()) {
            encoder.writeTo(channel);
        }
        assertArrayEquals(expected.toByteArray(), channel.received.toByteArray());
        assertEquals(0, encoder.offset());
    }

    @Test
    void consumeAndClear() {
        RespEncoder encoder = new RespEncoder();
        encoder.append(RespEncoder.utf8("PING"));
        assertThrows(IllegalArgumentException.class, () -> encoder.consume(-1));
        assertThrows(IllegalArgumentException.class, () -> encoder.consume(encoder.length() + 1));
        encoder.consume(4);
        assertEquals("$4\r\nPING\r\n", pending(encoder));
        encoder.clear();
        assertTrue(encoder.isEmpty());
        assertEquals(0, encoder.length());
    }

    @Test
    void partialWriteThenAppendMovesPendingBytesToTheFront() {
        RespEncoder encoder = new RespEncoder(32, 32);
        encoder.append(RespEncoder.utf8("SET", "k", "v")); // 27 bytes
        encoder.consume(20);
        byte[] firstArray = encoder.array();
        encoder.append(RespEncoder.utf8("PING")); // 14 bytes: fit once the 7 pending bytes move
        assertEquals(firstArray, encoder.array());
        assertEquals(0, encoder.offset());
        assertEquals("$1\r\nv\r\n*1\r\n$4\r\nPING\r\n", pending(encoder));
    }

    @Test
    void bufferShrinksBackAfterALargeCommandHasBeenWritten() {
        RespEncoder encoder = new RespEncoder(64, 1024);
        encoder.append(new byte[][] {"SET".getBytes(UTF_8), "k".getBytes(UTF_8), new byte[100_000]});
        assertTrue(encoder.capacity() > 100_000);
        byte[] big = encoder.array();
        encoder.consume(encoder.length());
        assertNotSame(big, encoder.array());
        assertEquals(64, encoder.capacity());
    }

    @Test
    void constructorChecksCapacities() {
        assertThrows(IllegalArgumentException.class, () -> new RespEncoder(8, 1024));
        assertThrows(IllegalArgumentException.class, () -> new RespEncoder(1024, 512));
    }

    static byte[][] randomArgv(Random random) {
        int argc = 1 + random.nextInt(5);
        byte[][] argv = new byte[argc][];
        for (int i = 0; i < argc; i++) {
            int length = random.nextInt(10) == 0 ? random.nextInt(2000) : random.nextInt(20);
            argv[i] = new byte[length];
            random.nextBytes(argv[i]);
        }
        return argv;
    }

    private static byte[] pendingBytes(RespEncoder encoder) {
        byte[] out = new byte[encoder.length()];
        System.arraycopy(encoder.array(), encoder.offset(), out, 0, out.length);
        return out;
    }

    private static String pending(RespEncoder encoder) {
        return new String(pendingBytes(encoder), ISO_8859_1);
    }

    /** Takes 0 to 40 bytes per write, like a socket whose send buffer is nearly full. */
    private static final class TrickleChannel implements WritableByteChannel {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final Random random;
        final List<Integer> writes = new ArrayList<>();

        TrickleChannel(Random random) {
            this.random = random;
        }

        @Override
        public int write(ByteBuffer src) {
            int n = Math.min(src.remaining(), random.nextInt(41));
            byte[] chunk = new byte[n];
            src.get(chunk);
            received.writeBytes(chunk);
            writes.add(n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
