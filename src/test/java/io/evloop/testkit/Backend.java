package io.evloop.testkit;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoops;
import java.util.Locale;

/**
 * The two loops a contract suite runs on, one thin subclass each. The native one checks
 * first that the library loads: in CI a library that does not load fails the test, never
 * skips it ({@link NativeRequirement}).
 */
public enum Backend {
    NATIVE {
        @Override
        public EventLoop create(EventLoopOptions options) {
            NativeRequirement.check();
            return EventLoops.createNative(options);
        }
    },
    JAVA {
        @Override
        public EventLoop create(EventLoopOptions options) {
            return EventLoops.createJava(options);
        }
    };

    public abstract EventLoop create(EventLoopOptions options);

    /** What {@link EventLoop#implementation()} says for this backend's loops. */
    public String implementation() {
        return name().toLowerCase(Locale.ROOT);
    }
}
