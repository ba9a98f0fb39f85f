package io.evloop;

/** The default {@link TaskExceptionHandler}: logs each exception once, naming the loop. */
final class LoggingTaskExceptionHandler implements TaskExceptionHandler {

    static final LoggingTaskExceptionHandler INSTANCE = new LoggingTaskExceptionHandler();
    private static final System.Logger LOG = System.getLogger("io.evloop");

    private LoggingTaskExceptionHandler() {
    }

    @Override
    public void onTaskException(EventLoop loop, Throwable error) {
        LOG.log(System.Logger.Level.WARNING, "A task on event loop " + loop.name() + " threw; the loop goes on", error);
    }
}
