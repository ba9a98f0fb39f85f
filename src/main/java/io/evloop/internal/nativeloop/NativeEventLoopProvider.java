package io.evloop.internal.nativeloop;

import io.evloop.EventLoop;
import io.evloop.EventLoopOptions;
import io.evloop.EventLoopProvider;

/** The native loop for {@link io.evloop.EventLoops}, listed in META-INF/services. */
public final class NativeEventLoopProvider implements EventLoopProvider {

    @Override
    public String implementation() {
        return NativeEventLoop.IMPLEMENTATION;
    }

    @Override
    public Throwable unavailabilityCause() {
        return NativeLibraryLoader.unavailabilityCause();
    }

    @Override
    public EventLoop create(EventLoopOptions options) {
        return new NativeEventLoop(options);
    }
}
