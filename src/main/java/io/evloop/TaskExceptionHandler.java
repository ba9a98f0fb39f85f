package io.evloop;

/** Receives what a task threw on the loop thread. Called on the loop thread; must not throw. */
@FunctionalInterface
public interface TaskExceptionHandler {
    void onTaskException(EventLoop loop, Throwable error);
}
