package io.evloop.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An incremental SCAN, HSCAN, SSCAN or ZSCAN, read one page at a time without blocking: each
 * {@link #next()} sends the command with the cursor the previous page returned. What Redis
 * guarantees holds: every element present for the whole scan is returned at least once (it
 * may be returned more than once), elements added or removed meanwhile may or may not be.
 * One page at a time: {@link #next()} while a page is in flight is refused. Not meant to be
 * shared between threads.
 *
 * @param <T> an element: a key or member ({@code String}), a hash field and value
 *            ({@code Map.Entry<String, String>}) or a scored member ({@link ScoredValue})
 */
public final class RedisScan<T> {

    private final RedisCommands redis;
    private final byte[][] prefix; // the command and its key, if any
    private final byte[][] options; // MATCH / COUNT
    private final Function<List<Reply>, List<T>> elements;
    private byte[] cursor = {'0'};
    private boolean finished;
    private boolean inFlight;

    RedisScan(RedisCommands redis, byte[][] prefix, String match, int count, Function<List<Reply>, List<T>> elements) {
        this.redis = Objects.requireNonNull(redis, "redis");
        if (count < 1) {
            throw new IllegalArgumentException("the scan's COUNT hint must be at least 1, got " + count);
        }
        List<byte[]> opts = new ArrayList<>(4);
        if (match != null) {
            opts.add(bytes("MATCH"));
            opts.add(bytes(match));
        }
        opts.add(bytes("COUNT"));
        opts.add(bytes(Integer.toString(count)));
        this.prefix = prefix;
        this.options = opts.toArray(new byte[0][]);
        this.elements = elements;
    }

    /** Whether the server has said the scan is complete (cursor 0); {@link #next()} then gives nothing more. */
    public synchronized boolean isFinished() {
        return finished;
    }

    /**
     * The next page: possibly empty before the end (Redis may return empty pages), and empty
     * once {@link #isFinished()}.
     *
     * @throws IllegalStateException if the previous page has not arrived yet
     */
    public synchronized CompletableFuture<List<T>> next() {
        if (inFlight) {
            throw new IllegalStateException("a page of this scan is still in flight: wait for its future before asking for the next");
        }
        if (finished) {
            return CompletableFuture.completedFuture(List.of());
        }
        byte[][] argv = new byte[prefix.length + 1 + options.length][];
        System.arraycopy(prefix, 0, argv, 0, prefix.length);
        argv[prefix.length] = cursor;
        System.arraycopy(options, 0, argv, prefix.length + 1, options.length);
        inFlight = true;
        return redis.send(argv).handle((reply, error) -> {
            synchronized (this) {
                inFlight = false;
                if (error != null) {
                    throw error instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(error);
                }
                List<Reply> page = reply.asList();
                if (page.size() != 2) {
                    throw new RedisProtocolException(new String(prefix[0], StandardCharsets.UTF_8)
                            + " replied with " + page.size() + " elements, not a cursor and a page");
                }
                cursor = page.get(0).asBytes();
                finished = Arrays.equals(cursor, new byte[] {'0'});
                return elements.apply(page.get(1).asList());
            }
        });
    }

    /**
     * Every remaining element, handed to {@code action} page by page (on the thread that
     * completes each page: the loop's, so keep it short); the future completes when the scan
     * is finished, or fails with the first error (of Redis or of {@code action}).
     */
    public CompletableFuture<Void> forEach(Consumer<? super T> action) {
        Objects.requireNonNull(action, "action");
        CompletableFuture<Void> done = new CompletableFuture<>();
        step(action, done);
        return done;
    }

    /** One page, then the next from its completion: no chain of futures grows with the pages. */
    private void step(Consumer<? super T> action, CompletableFuture<Void> done) {
        next().whenComplete((page, error) -> {
            if (error != null) {
                done.completeExceptionally(error);
                return;
            }
            try {
                page.forEach(action);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
                return;
            }
            if (isFinished()) {
                done.complete(null);
            } else {
                step(action, done);
            }
        });
    }

    /** Every remaining element in a list, refusing to hold more than {@code limit} (the future fails then). */
    public CompletableFuture<List<T>> toList(int limit) {
        List<T> all = new ArrayList<>();
        return forEach(e -> {
            if (all.size() == limit) {
                throw new IllegalStateException("the scan returned more than " + limit + " elements; read it page by page with next()");
            }
            all.add(e);
        }).thenApply(done -> Collections.unmodifiableList(all));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
