package io.evloop.internal.javaloop;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoopProvider;

/** The Java loop for {@link io.evloop.EventLoops}, listed in META-INF/services; it works everywhere. */
public final class JavaEventLoopProvider implements EventLoopProvider {

    @Override
    public String implementation() {
        return JavaEventLoop.IMPLEMENTATION;
    }

    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public EventLoop create(EventLoopOptions options) {
        return new JavaEventLoop(options);
    }
}
