package io.evloop;

/**
 * The service-provider interface through which {@link EventLoops} finds the loops this
 * library ships, so that the API does not depend on their implementations. Each is listed in
 * {@code META-INF/services/io.evloop.EventLoopProvider}; an application neither implements nor
 * calls it. An application that repackages evloop into one jar must merge service files
 * (for instance maven-shade-plugin's {@code ServicesResourceTransformer}).
 */
public interface EventLoopProvider {

    /** What {@link EventLoop#implementation()} returns for this provider's loops: "native" or "java". */
    String implementation();

    /** Null when {@link #create} can work here, else why not. */
    Throwable unavailabilityCause();

    /** A new, running loop. */
    EventLoop create(EventLoopOptions options);
}
