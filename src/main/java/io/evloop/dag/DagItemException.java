package io.evloop.dag;

/**
 * The call for one item of a fan-out IO node failed; the cause of the node's
 * {@link DagNodeException}. The message and {@link #index()} name the item's position in the
 * node's list.
 */
public final class DagItemException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    /** How much of an item's text the message shows: items may be long or many. */
    private static final int ITEM_PREVIEW = 64;

    private final int index;

    public DagItemException(int index, int count, Object item, Throwable cause) {
        super("item " + index + " of " + count + " (" + preview(item) + ") failed: " + cause, cause);
        this.index = index;
    }

    /** The failed item's position in the list the node fanned out over, from 0. */
    public int index() {
        return index;
    }

    private static String preview(Object item) {
        String text = String.valueOf(item);
        return text.length() <= ITEM_PREVIEW ? text : text.substring(0, ITEM_PREVIEW) + "...";
    }
}
