package io.evloop.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * evloop's JDK Flight Recorder events, for the moments a production team looks for in a
 * recording: a loop thread stalled, a command that took long. Off unless a recording enables
 * them (e.g. {@code jcmd <pid> JFR.start}); then an emit costs an allocation and a commit, and
 * only happens on the rare event itself, never per command. While the JVM has never started a
 * recording nothing is emitted, because the first event class to load would initialise the
 * recorder, which takes a loop thread 100 ms and more. On a runtime without the jdk.jfr
 * module nothing is emitted and nothing fails.
 */
public final class FlightEvents {

    private static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    private FlightEvents() {
    }

    /** A loop turn has run longer than the stall threshold (emitted by the stall watchdog). */
    public static void loopStall(String loop, long busyNanos, long thresholdNanos) {
        if (AVAILABLE) {
            Events.loopStall(loop, busyNanos, thresholdNanos);
        }
    }

    /** A command's reply took at least the slow-command threshold (emitted on the loop thread). */
    public static void slowCommand(String endpoint, String command, long latencyNanos) {
        if (AVAILABLE) {
            Events.slowCommand(endpoint, command, latencyNanos);
        }
    }

    /** Loaded only when jdk.jfr is present. */
    private static final class Events {
        static void loopStall(String loop, long busyNanos, long thresholdNanos) {
            if (!FlightRecorder.isInitialized()) {
                return;
            }
            LoopStallEvent e = new LoopStallEvent();
            if (e.isEnabled()) {
                e.loop = loop;
                e.busy = busyNanos;
                e.threshold = thresholdNanos;
                e.commit();
            }
        }

        static void slowCommand(String endpoint, String command, long latencyNanos) {
            if (!FlightRecorder.isInitialized()) {
                return;
            }
            SlowCommandEvent e = new SlowCommandEvent();
            if (e.isEnabled()) {
                e.endpoint = endpoint;
                e.command = command;
                e.latency = latencyNanos;
                e.commit();
            }
        }
    }

    @Name("io.evloop.LoopStall")
    @Label("Event Loop Stall")
    @Category("evloop")
    @Description("A task, timer or completion kept an event loop's thread longer than its stall threshold")
    @StackTrace(false) // emitted by the watchdog: its own stack says nothing; the log has the loop's
    static final class LoopStallEvent extends Event {
        @Label("Loop")
        String loop;
        @Label("Busy")
        @Timespan
        long busy;
        @Label("Threshold")
        @Timespan
        long threshold;
    }

    @Name("io.evloop.SlowCommand")
    @Label("Slow Redis Command")
    @Category("evloop")
    @Description("A Redis command whose reply took at least the client's slow-command threshold")
    @StackTrace(false) // the loop thread's stack at the reply says nothing about the caller
    static final class SlowCommandEvent extends Event {
        @Label("Endpoint")
        String endpoint;
        @Label("Command")
        String command;
        @Label("Latency")
        @Timespan
        long latency;
    }
}
