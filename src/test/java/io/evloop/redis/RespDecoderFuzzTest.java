package io.evloop.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A seeded random mutator for {@link RespDecoder}: valid reply streams, RESP2 and RESP3, are
 * mutated (bytes changed, inserted, dropped, duplicated, lengths and counts rewritten) and fed
 * whole and in random pieces. The decoder may only give replies or refuse the stream with a
 * {@link RedisProtocolException}: any other exception (an index out of bounds, a negative array
 * size, an overflow) is a bug. Fed in pieces, it must give exactly what it gives fed whole.
 * The seed is fixed so that a failure reproduces; the failing input is printed.
 */
class RespDecoderFuzzTest {

    private static final long SEED = 0x5eed_e71dL;
    private static final int RUNS = 20_000;

    private static final String[] SEEDS = {
        "+OK\r\n", "-ERR boom\r\n", ":0\r\n", ":-9223372036854775808\r\n", "$5\r\nhello\r\n", "$0\r\n\r\n",
        "$-1\r\n", "*-1\r\n", "*0\r\n", "*2\r\n$1\r\na\r\n:1\r\n", "*1\r\n*1\r\n*1\r\n+deep\r\n",
        "*3\r\n+QUEUED\r\n-EXECABORT x\r\n*-1\r\n", "$6\r\na\r\nb\0c\r\n",
        // RESP3
        "_\r\n", "#t\r\n", "#f\r\n", ",1.5\r\n", ",-0.25e-3\r\n", ",inf\r\n", ",-inf\r\n", ",nan\r\n", ",007E+2\r\n",
        "(0\r\n", "(-12345678901234567890\r\n", "=15\r\ntxt:Some string\r\n", "=4\r\nmkd:\r\n",
        "%1\r\n+k\r\n~2\r\n,1\r\n#f\r\n", "%0\r\n", "~0\r\n", ">3\r\n+message\r\n+ch\r\n$2\r\nhi\r\n",
        "|1\r\n+ttl\r\n:100\r\n:42\r\n", "*2\r\n|1\r\n+a\r\n+b\r\n:1\r\n%1\r\n|0\r\n+k\r\n_\r\n",
        "|0\r\n>1\r\n+invalidate\r\n",
    };
    private static final byte[] INTERESTING = "\r\n-+:$*0123456789%_,#!=(|>~?.eEtfina".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void mutatedStreamsGiveRepliesOrAProtocolErrorAndTheSameInPieces() {
        Random random = new Random(SEED);
        int refused = 0;
        for (int run = 0; run < RUNS; run++) {
            byte[] input = mutate(random, stream(random));
            Outcome whole = decode(input, new int[0]);
            int[] cuts = random.ints(1 + random.nextInt(4), 0, input.length + 1).sorted().toArray();
            Outcome pieces = decode(input, cuts);
            String shown = show(input);
            assertEquals(whole, pieces, "whole vs in pieces at " + java.util.Arrays.toString(cuts) + ": " + shown);
            if (whole.refused != null) {
                refused++;
            }
        }
        // The mutator must reach both kinds of outcome, or it tests nothing.
        assertTrue(refused > RUNS / 10 && refused < RUNS - RUNS / 10, refused + " of " + RUNS + " streams refused");
    }

    /** Replies decoded, and the refusal's message (null if none) — the same whatever the pieces. */
    private record Outcome(List<String> replies, String refused) {
    }

    private static Outcome decode(byte[] input, int[] cuts) {
        RespDecoder decoder = new RespDecoder(RespDecoder.DEFAULT_MAX_ARRAY_LENGTH, RespDecoder.DEFAULT_MAX_DEPTH,
                RespDecoder.DEFAULT_MAX_LINE_LENGTH, 1 << 20);
        List<String> replies = new ArrayList<>();
        int from = 0;
        try {
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : input.length;
                decoder.feed(ByteBuffer.wrap(input, from, to - from), r -> replies.add(r.toString()));
                from = to;
            }
        } catch (RedisProtocolException e) {
            // Only the kind of refusal is compared: its message names an offset, the same either way.
            return new Outcome(replies, e.getMessage());
        } catch (RuntimeException | Error e) {
            throw new AssertionError("the decoder failed with " + e + " on " + show(input), e);
        }
        return new Outcome(replies, null);
    }

    private static byte[] stream(Random random) {
        StringBuilder s = new StringBuilder();
        for (int i = 1 + random.nextInt(4); i > 0; i--) {
            s.append(SEEDS[random.nextInt(SEEDS.length)]);
        }
        return s.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] mutate(Random random, byte[] in) {
        List<Byte> b = new ArrayList<>();
        for (byte x : in) {
            b.add(x);
        }
        for (int m = random.nextInt(4); m > 0 && !b.isEmpty(); m--) {
            int at = random.nextInt(b.size());
            switch (random.nextInt(6)) {
                case 0 -> b.set(at, INTERESTING[random.nextInt(INTERESTING.length)]);
                case 1 -> b.add(at, INTERESTING[random.nextInt(INTERESTING.length)]);
                case 2 -> b.remove(at);
                case 3 -> b.set(at, (byte) random.nextInt(256));
                case 4 -> { // a number made absurd: lengths, counts and integers
                    String big = random.nextBoolean() ? "99999999999999999999" : "-" + random.nextInt(3);
                    for (int k = big.length() - 1; k >= 0; k--) {
                        b.add(at, (byte) big.charAt(k));
                    }
                }
                default -> { // a slice repeated
                    int end = Math.min(b.size(), at + 1 + random.nextInt(8));
                    b.addAll(at, new ArrayList<>(b.subList(at, end)));
                }
            }
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    private static String show(byte[] input) {
        StringBuilder s = new StringBuilder("\"");
        for (byte x : input) {
            int c = x & 0xff;
            s.append(c == '\r' ? "\\r" : c == '\n' ? "\\n" : c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                    : String.format("\\x%02x", c));
        }
        return s.append('"').toString();
    }
}
