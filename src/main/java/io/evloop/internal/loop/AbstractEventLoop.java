package io.evloop.internal.loop;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.LoopFuture;
import io.evloop.LoopStall;
import io.evloop.internal.FlightEvents;
import io.evloop.ScheduledTask;
import io.evloop.internal.loop.StallWatchdog;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;

/**
 * What both event loops share: the task queue and its exactly-once rules, the stop protocol,
 * scheduled tasks and the loop thread. An implementation supplies only how the thread waits
 * for work ({@link #runLoop}), how another thread wakes it ({@link #wakeup}) and a one-shot
 * timer ({@link #armTimer}). Not meant to be extended outside evloop.
 *
 * <h2>Why a task is never lost or run twice</h2>
 * {@code ctl} holds a STOPPING bit and the number of threads currently inside {@link #post}.
 * A poster increments it first and backs out if STOPPING was already set, so no task is
 * queued once the bit is visible. Before its final drain the loop thread waits until the
 * count falls to zero: every post that got past the check has then queued its task (and
 * finished its wake-up call into the loop, so the native loop is never freed under it).
 * The final drain runs all of them, and later posts see the bit and return false.
 */
public abstract class AbstractEventLoop implements EventLoop {

    private static final AtomicInteger THREAD_IDS = new AtomicInteger();
    private static final long STOPPING = 1L << 62;
    private static final long POSTERS_MASK = STOPPING - 1;
    /** Tasks run per wake-up before the loop polls for IO again; keeps replies flowing under a flood of posts. */
    private static final int MAX_TASKS_PER_TURN = 4096;
    /** ... or this long since the turn began, whichever comes first. */
    private static final long MAX_TASK_NANOS_PER_TURN = TimeUnit.MILLISECONDS.toNanos(20);

    // JCTools' multi-producer, single-consumer queue: no node allocated per post (a chunked
    // array), and the loop thread, its only consumer, polls without a CAS.
    private final MessagePassingQueue<Runnable> tasks = new MpscUnboundedArrayQueue<>(1024);
    private final AtomicLong ctl = new AtomicLong();
    private final AtomicBoolean stopRequested = new AtomicBoolean();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final AtomicInteger cancelledScheduled = new AtomicInteger();
    private final CompletableFuture<Void> termination = new LoopFuture<>(this);
    private final EventLoopOptions options;
    private final Thread thread;

    // Loop thread only.
    private final PriorityQueue<Scheduled> scheduled = new PriorityQueue<>();
    private long scheduledSequence;
    private long armedDeadline = Long.MAX_VALUE;
    private boolean timerArmed;
    private final java.util.ArrayList<Runnable> endOfTurn = new java.util.ArrayList<>();
    private final java.util.ArrayList<Runnable> endOfTurnRunning = new java.util.ArrayList<>();
    private final java.util.LinkedHashSet<Runnable> exitHooks = new java.util.LinkedHashSet<>();
    private long turnStartNanos = System.nanoTime();

    // Stall detection: the loop thread publishes, with plain (opaque) stores, when its current
    // turn began and whether it is in one; the watchdog thread reads them.
    private static final VarHandle TURN_BEGAN;
    private static final VarHandle IN_TURN;
    private static final System.Logger LOG = System.getLogger("io.evloop");

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TURN_BEGAN = lookup.findVarHandle(AbstractEventLoop.class, "turnBegan", long.class);
            IN_TURN = lookup.findVarHandle(AbstractEventLoop.class, "inTurn", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // through TURN_BEGAN
    private long turnBegan;
    @SuppressWarnings("unused") // through IN_TURN
    private boolean inTurn;
    private ScheduledFuture<?> stallCheck;
    private long reportedTurn = Long.MIN_VALUE; // watchdog thread only

    // The loop hands itself to its termination future and its thread here, but neither runs
    // anything before start(), which the final subclass calls at the end of its constructor.
    @SuppressWarnings("this-escape")
    protected AbstractEventLoop(EventLoopOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.thread = new Thread(this::threadMain, "evloop-" + THREAD_IDS.incrementAndGet());
        this.thread.setDaemon(options.daemon());
    }

    /** Starts the loop thread. Called once, at the end of the (final) subclass's constructor. */
    protected final void start() {
        long threshold = options.stallThreshold().toNanos();
        if (threshold > 0) {
            stallCheck = StallWatchdog.every(Math.max(threshold / 4, TimeUnit.MILLISECONDS.toNanos(1)), this::checkStall);
        }
        thread.start();
    }

    // ---- implementation hooks -------------------------------------------------------------

    /** Runs on the loop thread until a stop was requested; calls {@link #runPendingTasks} when woken. */
    protected abstract void runLoop() throws Exception;

    /** Wakes the loop thread so that it calls {@link #runPendingTasks}. Any thread; must not throw. */
    protected abstract void wakeup();

    /** Makes {@link #runLoop} return soon. Any thread, possibly more than once; must not throw. */
    protected abstract void wakeForStop();

    /** Loop thread: call {@link #runPendingTasks} in about {@code delayNanos}; replaces the previous timer. */
    protected abstract void armTimer(long delayNanos);

    /** Loop thread: cancel the timer set by {@link #armTimer}. */
    protected abstract void disarmTimer();

    /** Loop thread, once, after the final drain: release what the loop thread owns. */
    protected abstract void afterLoop();

    // ---- EventLoop ------------------------------------------------------------------------

    @Override
    public final boolean post(Runnable task) {
        Objects.requireNonNull(task, "task: post() needs a Runnable to run on the loop thread");
        if (ctl.getAndIncrement() >= STOPPING) {
            ctl.getAndDecrement();
            return false;
        }
        try {
            tasks.offer(task);
            // The loop thread never wakes itself here: every turn ends in runPendingTasks, which
            // re-arms a wake-up if tasks remain. Others read before the CAS: while a wake-up is
            // pending, producers share the line read-only.
            if (Thread.currentThread() != thread && !wakeupPending.get()
                    && wakeupPending.compareAndSet(false, true)) {
                wakeup();
            }
        } finally {
            ctl.getAndDecrement();
        }
        return true;
    }

    @Override
    public final ScheduledTask schedule(Runnable task, long delay, TimeUnit unit) {
        Objects.requireNonNull(task, "task: schedule() needs a Runnable to run on the loop thread");
        Objects.requireNonNull(unit, "unit");
        if (delay < 0) {
            throw new IllegalArgumentException("delay must be >= 0, got " + delay + " " + unit);
        }
        Scheduled s = new Scheduled(task, saturatedDeadline(unit.toNanos(delay)));
        if (inLoopThread()) {
            if (isStopping()) {
                throw rejected("schedule");
            }
            addScheduled(s);
        } else if (!post(() -> addScheduled(s))) {
            throw rejected("schedule");
        }
        return s;
    }

    @Override
    public final boolean inLoopThread() {
        return Thread.currentThread() == thread;
    }

    @Override
    public final String name() {
        return thread.getName();
    }

    @Override
    public final boolean isStopping() {
        return ctl.get() >= STOPPING;
    }

    @Override
    public final void stop() {
        requestStop();
        if (!inLoopThread()) {
            try {
                termination.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("termination future cannot fail", e);
            }
        }
    }

    @Override
    public final CompletableFuture<Void> terminationFuture() {
        return termination;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + name() + (isStopping() ? ", stopping" : "") + "]";
    }

    protected final EventLoopOptions options() {
        return options;
    }

    /** Whether the loop thread has finished (its termination future completed). */
    protected final boolean terminated() {
        return termination.isDone();
    }

    /** Waits for the loop thread to finish, at most the close timeout. */
    protected final boolean awaitTerminationForClose() {
        try {
            termination.get(io.evloop.internal.Durations.toNanosSaturated(options.closeTimeout()), TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return terminated();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("termination future cannot fail", e);
        }
    }

    // ---- loop-thread side -----------------------------------------------------------------

    /**
     * Loop thread: runs queued tasks (at most a turn's worth; if more remain it wakes itself
     * so that IO gets polled in between), then the scheduled tasks that are due and the
     * end-of-turn actions. Every entry of the loop thread (a wake-up, a timer, an IO event)
     * ends here, which is why a post from the loop thread needs no wake-up.
     */
    protected final void runPendingTasks() {
        wakeupPending.set(false);
        for (int n = 0; n < MAX_TASKS_PER_TURN; n++) {
            Runnable task = tasks.poll();
            if (task == null) {
                break;
            }
            safeRun(task);
            // Tasks that post tasks (a client draining commands that fail at once while it is
            // disconnected, say) must not keep IO waiting: the clock is read every 64 tasks.
            if ((n & 63) == 63 && System.nanoTime() - turnStartNanos > MAX_TASK_NANOS_PER_TURN) {
                break;
            }
        }
        runDueScheduled();
        runEndOfTurn();
        // Tasks left over (a full turn's worth, or posted by timers and end-of-turn actions on
        // this thread, which does not wake itself in post): poll IO, then come back for them.
        if (!tasks.isEmpty() && wakeupPending.compareAndSet(false, true)) {
            wakeup();
        }
    }

    /**
     * Loop thread: the loop thread has come back from waiting and starts a turn. An
     * implementation calls it before it runs anything of the turn (IO events, timers, tasks).
     */
    protected final void beginTurn() {
        long now = System.nanoTime();
        turnStartNanos = now;
        TURN_BEGAN.setOpaque(this, now);
        IN_TURN.setOpaque(this, true);
    }

    /** Loop thread: the turn is over and the loop thread goes back to waiting for work. */
    protected final void endTurn() {
        IN_TURN.setOpaque(this, false);
    }

    /** Watchdog thread: reports the current turn once if it has lasted longer than the threshold. */
    private void checkStall() {
        if (!(boolean) IN_TURN.getOpaque(this)) {
            return;
        }
        long began = (long) TURN_BEGAN.getOpaque(this);
        long busy = System.nanoTime() - began;
        Duration threshold = options.stallThreshold();
        if (busy < threshold.toNanos() || began == reportedTurn) {
            return;
        }
        StackTraceElement[] stack = thread.getStackTrace();
        if (!(boolean) IN_TURN.getOpaque(this) || (long) TURN_BEGAN.getOpaque(this) != began) {
            return; // the turn ended while the stack was taken: that stack is not the stall's
        }
        reportedTurn = began;
        FlightEvents.loopStall(name(), busy, threshold.toNanos());
        LoopStall stall = new LoopStall(name(), Duration.ofNanos(busy), threshold, java.util.Arrays.asList(stack));
        Throwable where = new Throwable("the stack of " + name() + "'s loop thread");
        where.setStackTrace(stack);
        LOG.log(System.Logger.Level.WARNING, "event loop " + name() + " has been busy for "
                + TimeUnit.NANOSECONDS.toMillis(busy) + " ms in one turn (stall threshold " + threshold.toMillis()
                + " ms): a task, timer or completion is blocking it, and no other reply, timer or task runs"
                + " meanwhile; move blocking work off the loop thread (thenXxxAsync with an executor)", where);
        try {
            options.stallListener().onStall(stall);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "the stall listener of event loop " + name() + " threw", t);
        }
    }

    /**
     * Loop thread only: {@link System#nanoTime()} as read when the current turn began. It is
     * older than the clock by at most the time the turn has taken so far; clients base their
     * command deadlines on it, to read the clock once per turn rather than once per command
     * (a deadline is then early by at most the length of a turn).
     */
    public final long turnStartNanos() {
        return turnStartNanos;
    }

    /**
     * Loop thread only: runs {@code action} once, after the tasks of the current turn (a
     * client uses it to write every command queued during the turn with one syscall).
     * IO handlers that call it get it run at the end of their turn as well.
     */
    public final void runAtEndOfTurn(Runnable action) {
        if (!inLoopThread()) {
            throw new IllegalStateException("runAtEndOfTurn() is for the loop thread " + name());
        }
        endOfTurn.add(action);
    }

    /**
     * Loop thread only: runs {@code hook} on the loop thread when the loop stops, after the
     * final drain of accepted tasks (clients close their connections and fail what is pending).
     * Returns false if the loop is already past that point.
     */
    public final boolean addExitHook(Runnable hook) {
        if (!inLoopThread()) {
            throw new IllegalStateException("addExitHook() is for the loop thread " + name());
        }
        return !terminated() && exitHooks.add(hook);
    }

    /** Loop thread only: forgets a hook added with {@link #addExitHook}. */
    public final void removeExitHook(Runnable hook) {
        if (inLoopThread()) {
            exitHooks.remove(hook);
        }
    }

    /** Loop thread: runs the actions registered with {@link #runAtEndOfTurn}. */
    protected final void runEndOfTurn() {
        while (!endOfTurn.isEmpty()) {
            endOfTurnRunning.addAll(endOfTurn);
            endOfTurn.clear();
            for (Runnable action : endOfTurnRunning) {
                safeRun(action);
            }
            endOfTurnRunning.clear();
        }
    }

    /**
     * Loop thread: the timer set by {@link #armTimer} has fired. Timers may fire a little
     * early by {@link System#nanoTime()}'s clock; the task then waits for the re-armed timer.
     */
    protected final void runTimerExpired() {
        timerArmed = false;
        runPendingTasks();
    }

    /** Loop thread: hands an exception thrown on the loop thread to the handler. */
    protected final void reportTaskException(Throwable error) {
        try {
            options.taskExceptionHandler().onTaskException(this, error);
        } catch (Throwable handlerError) {
            // A handler that throws must not kill the loop; there is nobody left to tell.
            handlerError.addSuppressed(error);
        }
    }

    protected final boolean stopRequested() {
        return stopRequested.get();
    }

    private void safeRun(Runnable task) {
        try {
            task.run();
        } catch (Throwable t) {
            reportTaskException(t);
        }
    }

    /** Starts a stop without waiting for it: new posts are rejected from now on. Any thread. */
    protected final void requestStop() {
        // Counted like a poster, so that the loop thread cannot finish (and a closer free the
        // native loop) while this thread is still calling into it.
        ctl.getAndIncrement();
        try {
            if (stopRequested.compareAndSet(false, true)) {
                ctl.getAndAdd(STOPPING);
                wakeForStop();
            }
        } finally {
            ctl.getAndDecrement();
        }
    }

    private void threadMain() {
        try {
            runLoop();
        } catch (Throwable t) {
            reportTaskException(t);
        } finally {
            finishLoop();
        }
    }

    private void finishLoop() {
        try {
            requestStop(); // if runLoop ended without a stop (it failed), refuse new posts now
            for (int spins = 0; (ctl.get() & POSTERS_MASK) != 0; spins++) {
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
            for (Runnable task; (task = tasks.poll()) != null; ) {
                safeRun(task);
            }
            runEndOfTurn();
            while (!exitHooks.isEmpty()) {
                Runnable hook = exitHooks.iterator().next();
                exitHooks.remove(hook);
                safeRun(hook);
            }
            runEndOfTurn();
            for (Scheduled s; (s = scheduled.poll()) != null; ) {
                s.cancel();
            }
            if (timerArmed) {
                timerArmed = false;
                disarmTimer();
            }
            afterLoop();
        } catch (Throwable t) {
            reportTaskException(t);
        } finally {
            if (stallCheck != null) {
                stallCheck.cancel(false);
            }
            termination.complete(null);
        }
    }

    private RejectedExecutionException rejected(String what) {
        return new RejectedExecutionException(
                "event loop " + name() + " is stopping or stopped; " + what + " was not accepted");
    }

    private static long saturatedDeadline(long delayNanos) {
        long now = System.nanoTime();
        long deadline = now + delayNanos;
        return deadline - now < 0 ? now + (Long.MAX_VALUE >> 1) : deadline;
    }

    private void addScheduled(Scheduled s) {
        if (s.isCancelled()) {
            cancelledScheduled.getAndDecrement();
            return;
        }
        s.sequence = scheduledSequence++;
        scheduled.add(s);
        rearmTimer();
    }

    private void runDueScheduled() {
        if (scheduled.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (Scheduled s; (s = scheduled.peek()) != null; ) {
            if (s.isCancelled()) {
                scheduled.poll();
                cancelledScheduled.getAndDecrement();
                continue;
            }
            if (s.deadline - now > 0) {
                break;
            }
            scheduled.poll();
            if (s.markRunning()) {
                safeRun(s.task);
            }
        }
        purgeCancelledIfMany();
        rearmTimer();
    }

    private void purgeCancelledIfMany() {
        int cancelled = cancelledScheduled.get();
        if (cancelled > 1024 && cancelled > scheduled.size() / 2) {
            scheduled.removeIf(s -> {
                if (s.isCancelled()) {
                    cancelledScheduled.getAndDecrement();
                    return true;
                }
                return false;
            });
        }
    }

    private void rearmTimer() {
        Scheduled head = scheduled.peek();
        if (head == null) {
            if (timerArmed) {
                timerArmed = false;
                armedDeadline = Long.MAX_VALUE;
                disarmTimer();
            }
            return;
        }
        if (!timerArmed || head.deadline != armedDeadline) {
            timerArmed = true;
            armedDeadline = head.deadline;
            armTimer(Math.max(0, head.deadline - System.nanoTime()));
        }
    }

    /** A task waiting for its deadline. */
    private final class Scheduled implements ScheduledTask, Comparable<Scheduled> {
        private static final int PENDING = 0;
        private static final int STARTED = 1;
        private static final int CANCELLED = 2;

        final Runnable task;
        final long deadline;
        long sequence;
        private final AtomicInteger state = new AtomicInteger(PENDING);

        Scheduled(Runnable task, long deadline) {
            this.task = task;
            this.deadline = deadline;
        }

        boolean markRunning() {
            return state.compareAndSet(PENDING, STARTED);
        }

        @Override
        public boolean cancel() {
            if (state.compareAndSet(PENDING, CANCELLED)) {
                cancelledScheduled.getAndIncrement();
                return true;
            }
            return false;
        }

        @Override
        public boolean isCancelled() {
            return state.get() == CANCELLED;
        }

        @Override
        public boolean isDone() {
            return state.get() != PENDING || terminated();
        }

        @Override
        public int compareTo(Scheduled o) {
            int byDeadline = Long.compare(deadline - o.deadline, 0);
            return byDeadline != 0 ? byDeadline : Long.compare(sequence, o.sequence);
        }
    }
}
