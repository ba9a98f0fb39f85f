package io.evloop.internal.javaloop;

import io.evloop.internal.loop.AbstractEventLoop;
import io.evloop.EventLoopOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * The pure-Java event loop: a {@link Selector} on a dedicated thread, with the same task
 * semantics as the native loop (both extend {@link AbstractEventLoop}). It runs wherever the
 * native library cannot load, and carries the Java Redis backend's sockets.
 */
public final class JavaEventLoop extends AbstractEventLoop {

    /** Called on the loop thread when a registered channel is ready. */
    @FunctionalInterface
    public interface IoHandler {
        void onReady(SelectionKey key);
    }

    private final Selector selector;
    private long timerDeadline; // loop thread only; valid while timerArmed
    private boolean timerArmed;

    public JavaEventLoop(EventLoopOptions options) {
        super(options);
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a java.nio Selector for the event loop", e);
        }
        start();
    }

    static final String IMPLEMENTATION = "java";

    @Override
    public String implementation() {
        return IMPLEMENTATION;
    }

    /**
     * Registers a non-blocking channel with this loop's selector. Loop thread only.
     *
     * @throws IllegalStateException when called from another thread
     */
    public SelectionKey register(SelectableChannel channel, int interestOps, IoHandler handler)
            throws ClosedChannelException {
        if (!inLoopThread()) {
            throw new IllegalStateException("register() must be called on the loop thread " + name()
                    + "; post() the registration to the loop");
        }
        return channel.register(selector, interestOps, handler);
    }

    /** The selector is closed by the loop thread as it exits; there is nothing else to free. */
    @Override
    public void close() {
        requestStop();
        if (!inLoopThread()) {
            awaitTerminationForClose();
        }
    }

    @Override
    protected void runLoop() throws IOException {
        while (!stopRequested()) {
            long timeoutMillis = 0; // 0 = block until woken
            if (timerArmed) {
                long remaining = timerDeadline - System.nanoTime();
                if (remaining <= 0) {
                    timeoutMillis = -1;
                } else {
                    timeoutMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining + 999_999));
                }
            }
            endTurn();
            int ready = timeoutMillis < 0 ? selector.selectNow() : selector.select(timeoutMillis);
            beginTurn();
            if (ready > 0) {
                dispatchReadyKeys();
            }
            runPendingTasks();
        }
    }

    private void dispatchReadyKeys() {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (!key.isValid()) {
                continue;
            }
            try {
                ((IoHandler) key.attachment()).onReady(key);
            } catch (Throwable t) {
                reportTaskException(t);
            }
        }
    }

    @Override
    protected void wakeup() {
        selector.wakeup();
    }

    @Override
    protected void wakeForStop() {
        selector.wakeup();
    }

    @Override
    protected void armTimer(long delayNanos) {
        timerArmed = true;
        timerDeadline = System.nanoTime() + delayNanos;
    }

    @Override
    protected void disarmTimer() {
        timerArmed = false;
    }

    @Override
    protected void afterLoop() {
        // Channels still registered belong to clients that are told of the stop by their own
        // close hooks; closing the selector only deregisters them.
        try {
            selector.close();
        } catch (IOException e) {
            reportTaskException(e);
        }
    }
}
