package io.keelraft.examples.kv;

/**
 * Sizes the server accepts.
 *
 * @param maxValueBytes   the largest key or value; larger ones are refused with an error and nothing applied
 * @param maxRequestBytes the most bulk-string bytes one command may carry; a client sending more is cut off
 *                        (protocol error, connection closed) before the server buffers it
 * @param maxArguments    the most arguments one command may have (likewise cut off)
 * @param maxBatchBytes   the most bytes of one connection's pipelined writes put in one log entry
 */
record KvLimits(int maxValueBytes, int maxRequestBytes, int maxArguments, int maxBatchBytes) {

    static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

    static KvLimits defaults() {
        return of(DEFAULT_MAX_VALUE_BYTES);
    }

    /** Limits for values of at most {@code maxValueBytes}; a request may carry four such values. */
    static KvLimits of(int maxValueBytes) {
        int request = (int) Math.min(Integer.MAX_VALUE / 2, Math.max(4L * maxValueBytes, 1 << 20));
        return new KvLimits(maxValueBytes, request, 1 << 20, 1 << 20);
    }
}
