package io.evloop.internal;

import java.util.concurrent.CompletionException;

/** How the client reads the failures its futures carry. */
public final class Failures {

    private Failures() {
    }

    /** The failure inside the CompletionExceptions that dependent futures wrap it in. */
    public static Throwable unwrap(Throwable t) {
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** The message that says what happened: past the wrappers and the exceptions without a message of their own. */
    public static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root
                && (root instanceof CompletionException || root.getMessage() == null)) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }
}
