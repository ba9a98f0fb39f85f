package io.evloop.redis;

/**
 * A sorted-set member with its score, as ZRANGE ... WITHSCORES and ZSCAN return them.
 *
 * @param score the score; Redis's {@code inf} and {@code -inf} are the infinities
 */
public record ScoredValue(String member, double score) {

    /** A score as Redis writes it: a decimal, {@code inf}, {@code -inf} or {@code nan}. */
    static double parseScore(String text) {
        switch (text) {
            case "inf", "+inf":
                return Double.POSITIVE_INFINITY;
            case "-inf":
                return Double.NEGATIVE_INFINITY;
            case "nan":
                return Double.NaN;
            default:
                // As Redis writes a number, not all that Java reads ("Infinity", "1f", " 1").
                if (!DECIMAL.matcher(text).matches()) {
                    throw new RedisProtocolException("a score that is not a number: '" + text + "'");
                }
                return Double.parseDouble(text);
        }
    }

    private static final java.util.regex.Pattern DECIMAL =
            java.util.regex.Pattern.compile("[+-]?[0-9]+(\\.[0-9]+)?([eE][+-]?[0-9]+)?");
}
