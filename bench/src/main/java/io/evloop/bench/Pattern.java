package io.evloop.bench;

import java.util.List;

/**
 * How the caller issues its GETs: from the client's own completion callbacks, or from plain
 * Java threads that are not the client's IO thread, the way a DAG's CPU threads call it.
 * Throughput and CPU per GET differ between the two because a foreign caller pays for the
 * hand-off to the IO thread and, when it runs out of permits, for being woken again.
 */
enum Pattern {
    /** A closed loop on the IO thread: each completion callback sends the next GET (N chains). */
    IN_LOOP("in-loop", 0, "every completion callback sends the next GET"),
    /** One foreign thread calls get() in a loop, bounded by a Semaphore of N permits. */
    PRODUCERS_1("producers-1", 1, "1 foreign producer thread, a Semaphore window of N"),
    /** Four foreign threads share one Semaphore window of N permits. */
    PRODUCERS_4("producers-4", 4, "4 foreign producer threads sharing a Semaphore window of N");

    static final List<Pattern> ALL = List.of(values());

    final String id;
    /** Threads calling get(); 0 means the completion callbacks send. */
    final int producerThreads;
    final String description;

    Pattern(String id, int producerThreads, String description) {
        this.id = id;
        this.producerThreads = producerThreads;
        this.description = description;
    }

    static Pattern of(String id) {
        for (Pattern p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pattern '" + id + "'; use in-loop, producers-1 or producers-4");
    }
}
