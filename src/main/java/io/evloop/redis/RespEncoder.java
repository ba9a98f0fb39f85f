package io.evloop.redis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Encodes commands as RESP arrays of bulk strings ({@code *N\r\n$len\r\narg\r\n...}) into a
 * reusable, growable output buffer, so that the commands of one loop turn are appended one
 * after the other and written with one system call.
 *
 * <p>Use: {@link #append(byte[][])} any number of commands; then either
 * {@link #writeTo(WritableByteChannel)} (NIO: writes as much as the socket takes and keeps the
 * rest), or read {@link #array()} from {@link #offset()} for {@link #length()} bytes and
 * then {@link #consume(int)} what was taken. The written part is dropped and the rest moves
 * to the front only when space is needed, so a partial write costs no copy.
 *
 * <p>Arguments are written as they are: the encoding is binary-safe, and no argument is ever
 * interpreted as a format. Lengths are written as decimal digits straight into the buffer;
 * appending allocates nothing unless the buffer has to grow. After a burst that made it grow
 * beyond the retained capacity, the buffer shrinks back once it has been fully written.
 *
 * <p>Not thread-safe: an instance belongs to one connection and is used on its loop thread.
 */
final class RespEncoder {
    /** Largest argument Redis accepts by default ({@code proto-max-bulk-len}): 512 MiB. */
    public static final int MAX_ARGUMENT_LENGTH = 512 * 1024 * 1024;

    /** Default initial capacity of the output buffer, in bytes. */
    public static final int DEFAULT_INITIAL_CAPACITY = 8 * 1024;

    /** Default capacity kept after the buffer has been fully written; larger buffers are dropped. */
    public static final int DEFAULT_RETAINED_CAPACITY = 1024 * 1024;

    /** Largest array the JVM reliably allocates; the buffer never grows beyond it. */
    static final int MAX_BUFFER_CAPACITY = Integer.MAX_VALUE - 8;

    private final int initialCapacity;
    private final int retainedCapacity;
    private byte[] buf;
    private int head; // first byte not yet written out
    private int tail; // end of the encoded bytes
    private ByteBuffer view; // wraps buf for writeTo; rebuilt when buf changes

    /** Creates an encoder with the default initial and retained capacities. */
    public RespEncoder() {
        this(DEFAULT_INITIAL_CAPACITY, DEFAULT_RETAINED_CAPACITY);
    }

    /**
     * Creates an encoder.
     *
     * @param initialCapacity  initial size of the output buffer in bytes, at least 16
     * @param retainedCapacity once everything has been written, a buffer larger than this is
     *                         replaced by one of {@code initialCapacity} bytes
     */
    public RespEncoder(int initialCapacity, int retainedCapacity) {
        if (initialCapacity < 16) {
            throw new IllegalArgumentException("initialCapacity must be at least 16, got " + initialCapacity);
        }
        if (retainedCapacity < initialCapacity) {
            throw new IllegalArgumentException("retainedCapacity (" + retainedCapacity
                    + ") must be at least initialCapacity (" + initialCapacity + ")");
        }
        this.initialCapacity = initialCapacity;
        this.retainedCapacity = retainedCapacity;
        this.buf = new byte[initialCapacity];
    }

    /**
     * Checks that {@code argv} is a command Redis can accept: not null, not empty, no null
     * argument, no argument over {@link #MAX_ARGUMENT_LENGTH} bytes.
     *
     * @throws NullPointerException     if argv or one of its arguments is null (naming its index)
     * @throws IllegalArgumentException if argv is empty, an argument is too large (naming its
     *                                  index and size) or the whole command does not fit in
     *                                  one buffer
     */
    public static void validate(byte[][] argv) {
        encodedLength(argv);
    }

    /**
     * Encodes {@code args} as UTF-8, one array per argument.
     *
     * @throws NullPointerException if args or one of them is null (naming its index)
     */
    public static byte[][] utf8(String... args) {
        Objects.requireNonNull(args, "args must not be null");
        byte[][] argv = new byte[args.length][];
        for (int i = 0; i < args.length; i++) {
            if (args[i] == null) {
                throw new NullPointerException("args[" + i + "] is null");
            }
            argv[i] = args[i].getBytes(StandardCharsets.UTF_8);
        }
        return argv;
    }

    /**
     * Returns the number of bytes {@code argv} encodes to, after checking it as
     * {@link #validate(byte[][])} does.
     */
    public static int encodedLength(byte[][] argv) {
        return encodedLength(argv, MAX_ARGUMENT_LENGTH);
    }

    /** As {@link #encodedLength(byte[][])} with another argument limit, so tests need not allocate 512 MiB. */
    static int encodedLength(byte[][] argv, int maxArgumentLength) {
        if (argv == null) {
            throw new NullPointerException("argv must not be null");
        }
        if (argv.length == 0) {
            throw new IllegalArgumentException("argv must not be empty: a command needs at least its name");
        }
        long total = 1 + digits(argv.length) + 2;
        for (int i = 0; i < argv.length; i++) {
            byte[] arg = argv[i];
            if (arg == null) {
                throw new NullPointerException("argv[" + i + "] is null");
            }
            if (arg.length > maxArgumentLength) {
                throw new IllegalArgumentException("argv[" + i + "] is " + arg.length
                        + " bytes, over Redis's limit of " + maxArgumentLength + " bytes (proto-max-bulk-len)");
            }
            total += 1 + digits(arg.length) + 2 + arg.length + 2;
        }
        if (total > MAX_BUFFER_CAPACITY) {
            throw new IllegalArgumentException("command encodes to " + total
                    + " bytes, over the limit of " + MAX_BUFFER_CAPACITY + " bytes for one command");
        }
        return (int) total;
    }

    /** Encodes one command into a new array, for one-off use. Checks argv as {@link #validate(byte[][])} does. */
    public static byte[] encode(byte[][] argv) {
        byte[] out = new byte[encodedLength(argv)];
        write(argv, out, 0);
        return out;
    }

    /**
     * Appends one encoded command to the buffer. argv is checked first as
     * {@link #validate(byte[][])} does; a rejected command leaves the buffer unchanged.
     * The arguments are copied: the caller may reuse them afterwards.
     *
     * @throws IllegalStateException if the pending bytes plus this command would exceed the
     *                               largest possible buffer (about 2 GiB); callers should bound
     *                               {@link #length()} long before that
     */
    public void append(byte[][] argv) {
        int need = encodedLength(argv);
        ensureWritable(need);
        tail = write(argv, buf, tail);
    }

    /** Returns the number of encoded bytes not yet written out. */
    public int length() {
        return tail - head;
    }

    /** Returns true if there is nothing to write. */
    public boolean isEmpty() {
        return tail == head;
    }

    /**
     * Returns the backing array: the pending bytes are {@code array()[offset() .. offset() + length())}.
     * Valid until the next {@link #append}, {@link #consume}, {@link #clear} or write; for
     * reading only.
     */
    public byte[] array() {
        return buf;
    }

    /** Returns the index in {@link #array()} of the first pending byte. */
    public int offset() {
        return head;
    }

    /** Returns the current size of the backing array. */
    public int capacity() {
        return buf.length;
    }

    /**
     * Drops the first {@code n} pending bytes, once they have been written out.
     *
     * @throws IllegalArgumentException if n is negative or more than {@link #length()}
     */
    public void consume(int n) {
        if (n < 0 || n > tail - head) {
            throw new IllegalArgumentException("cannot consume " + n + " bytes, " + (tail - head) + " pending");
        }
        head += n;
        if (head == tail) {
            clear();
        }
    }

    /** Drops every pending byte (for example when the connection is lost). */
    public void clear() {
        head = 0;
        tail = 0;
        if (buf.length > retainedCapacity) {
            buf = new byte[initialCapacity];
            view = null;
        }
    }

    /**
     * Writes as many pending bytes as {@code channel} takes (until it has taken them all or
     * accepts no more) and drops them; the rest stays pending.
     *
     * @return the number of bytes written
     */
    public int writeTo(WritableByteChannel channel) throws IOException {
        int total = 0;
        while (head < tail) {
            if (view == null || view.array() != buf) {
                view = ByteBuffer.wrap(buf);
            }
            view.limit(tail).position(head);
            int n = channel.write(view);
            if (n <= 0) {
                break;
            }
            total += n;
            consume(n);
        }
        return total;
    }

    /**
     * The pending bytes as a buffer (position at the first, limit after the last) for a writer
     * that transforms them before they reach the socket, such as TLS: it reads what it takes
     * and then calls {@link #consume}. Valid until the next change of this encoder.
     */
    ByteBuffer pending() {
        if (view == null || view.array() != buf) {
            view = ByteBuffer.wrap(buf);
        }
        view.limit(tail).position(head);
        return view;
    }

    private void ensureWritable(int need) {
        if (buf.length - tail >= need) {
            return;
        }
        int pending = tail - head;
        if ((long) pending + need > MAX_BUFFER_CAPACITY) {
            throw new IllegalStateException("cannot append " + need + " bytes to " + pending
                    + " pending bytes: the output buffer cannot grow beyond " + MAX_BUFFER_CAPACITY + " bytes");
        }
        byte[] target = buf;
        if (buf.length - pending < need) {
            long grown = Math.max((long) buf.length * 2, (long) pending + need);
            target = new byte[(int) Math.min(grown, MAX_BUFFER_CAPACITY)];
        }
        // Move the pending bytes to the front, into the same or the new array.
        System.arraycopy(buf, head, target, 0, pending);
        buf = target;
        head = 0;
        tail = pending;
    }

    /** Writes argv's encoding at {@code pos}; returns the position after it. */
    private static int write(byte[][] argv, byte[] out, int pos) {
        out[pos++] = '*';
        pos = writeDecimal(argv.length, out, pos);
        out[pos++] = '\r';
        out[pos++] = '\n';
        for (byte[] arg : argv) {
            out[pos++] = '$';
            pos = writeDecimal(arg.length, out, pos);
            out[pos++] = '\r';
            out[pos++] = '\n';
            System.arraycopy(arg, 0, out, pos, arg.length);
            pos += arg.length;
            out[pos++] = '\r';
            out[pos++] = '\n';
        }
        return pos;
    }

    /** Writes the non-negative {@code value} in decimal at {@code pos}; returns the position after it. */
    private static int writeDecimal(int value, byte[] out, int pos) {
        int end = pos + digits(value);
        int p = end;
        do {
            out[--p] = (byte) ('0' + value % 10);
            value /= 10;
        } while (value != 0);
        return end;
    }

    /** Returns the number of decimal digits of the non-negative {@code value}. */
    static int digits(int value) {
        int digits = 1;
        while (value >= 10) {
            value /= 10;
            digits++;
        }
        return digits;
    }
}
