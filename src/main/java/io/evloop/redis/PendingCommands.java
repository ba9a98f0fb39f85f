package io.evloop.redis;

/**
 * The commands written to the connection and waiting for their replies, in write order: a
 * ring indexed by a sequence number that only grows, so that the deadline scan can keep its
 * place ({@link #head()} .. {@link #tail()}) while replies take commands off the front.
 * Replies arrive in the order commands were written, so the front is always the one a
 * reply answers. Loop thread only.
 */
final class PendingCommands {
    private Command[] ring = new Command[1024];
    private long head;
    private long tail;

    void add(Command c) {
        if (tail - head == ring.length) {
            Command[] bigger = new Command[ring.length * 2];
            for (long i = head; i < tail; i++) {
                bigger[(int) (i & (bigger.length - 1))] = ring[(int) (i & (ring.length - 1))];
            }
            ring = bigger;
        }
        ring[(int) (tail++ & (ring.length - 1))] = c;
    }

    /** The oldest command, left in place; null when none waits. */
    Command peek() {
        return head == tail ? null : ring[(int) (head & (ring.length - 1))];
    }

    /** The oldest command, removed; null when none waits. */
    Command poll() {
        if (head == tail) {
            return null;
        }
        int i = (int) (head++ & (ring.length - 1));
        Command c = ring[i];
        ring[i] = null;
        return c;
    }

    /** The command of {@code sequence}, which must lie in [{@link #head()}, {@link #tail()}). */
    Command get(long sequence) {
        return ring[(int) (sequence & (ring.length - 1))];
    }

    long head() {
        return head;
    }

    long tail() {
        return tail;
    }

    int size() {
        return (int) (tail - head);
    }

    /** Whether every command waiting has its outcome (its reply still due, only to be absorbed). */
    boolean allDone() {
        for (long i = head; i < tail; i++) {
            if (!get(i).isDone()) {
                return false;
            }
        }
        return true;
    }
}
