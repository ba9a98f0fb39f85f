package io.evloop.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The messages a java.util.logging logger publishes while this is open (System.Logger goes there by default). */
final class LogCapture implements AutoCloseable {
    private final Logger logger;
    private final List<String> messages = Collections.synchronizedList(new ArrayList<>());
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            messages.add(String.valueOf(record.getMessage()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private LogCapture(String name) {
        this.logger = Logger.getLogger(name);
        logger.addHandler(handler);
    }

    /** Starts capturing what {@code name} logs. */
    static LogCapture of(String name) {
        return new LogCapture(name);
    }

    /** A copy of what was captured so far, in order. */
    List<String> messages() {
        synchronized (messages) {
            return new ArrayList<>(messages);
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
    }
}
