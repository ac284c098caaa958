package io.keelraft.storage;

import java.util.Arrays;

/**
 * The shape of a log: its base (snapshotIndex, snapshotTerm), its last index, and the term of every entry in
 * between, stored as runs since terms change rarely along a log (paper §5.3: a term's entries are contiguous).
 * A few bytes per term instead of eight per entry, and {@link #term} is a binary search over runs.
 *
 * <p>Not thread-safe: each owner guards its instance.
 */
final class LogTerms {

    private long baseIndex;
    private long baseTerm;
    private long lastIndex;
    /** runStart[i] is the first index of the i-th run, whose entries have term runTerm[i]. */
    private long[] runStart = new long[8];
    private long[] runTerm = new long[8];
    private int runs;

    LogTerms(long baseIndex, long baseTerm) {
        this.baseIndex = baseIndex;
        this.baseTerm = baseTerm;
        this.lastIndex = baseIndex;
    }

    LogTerms copy() {
        LogTerms copy = new LogTerms(baseIndex, baseTerm);
        copy.lastIndex = lastIndex;
        copy.runStart = runStart.clone();
        copy.runTerm = runTerm.clone();
        copy.runs = runs;
        return copy;
    }

    long baseIndex() {
        return baseIndex;
    }

    long baseTerm() {
        return baseTerm;
    }

    long lastIndex() {
        return lastIndex;
    }

    long lastTerm() {
        return runs == 0 ? baseTerm : runTerm[runs - 1];
    }

    /** True when {@link #term} can answer for {@code index}. */
    boolean contains(long index) {
        return index >= baseIndex && index <= lastIndex;
    }

    /** Term of the entry at {@code index}, for {@code baseIndex <= index <= lastIndex}. */
    long term(long index) {
        if (!contains(index)) {
            throw new IndexOutOfBoundsException("index " + index + " outside the log (" + baseIndex + ", "
                    + lastIndex + "]");
        }
        if (index == baseIndex) {
            return baseTerm;
        }
        int i = Arrays.binarySearch(runStart, 0, runs, index);
        return runTerm[i >= 0 ? i : -i - 2];
    }

    /**
     * Adds the entry after the last one. Entries at or below the base are skipped: they may still be written
     * after a compaction moved the base past them.
     */
    void append(long index, long term) {
        if (index <= baseIndex) {
            return;
        }
        if (index != lastIndex + 1) {
            throw new IllegalStateException("entry " + index + " does not follow last index " + lastIndex);
        }
        if (runs == 0 || runTerm[runs - 1] != term) {
            if (runs == runStart.length) {
                runStart = Arrays.copyOf(runStart, runs * 2);
                runTerm = Arrays.copyOf(runTerm, runs * 2);
            }
            runStart[runs] = index;
            runTerm[runs] = term;
            runs++;
        }
        lastIndex = index;
    }

    /** Drops every entry from {@code index} on ({@code index > baseIndex}). */
    void truncateFrom(long index) {
        if (index > lastIndex) {
            return;
        }
        while (runs > 0 && runStart[runs - 1] >= index) {
            runs--;
        }
        lastIndex = Math.max(baseIndex, index - 1);
    }

    /** Moves the base to ({@code index}, {@code term}), keeping the entries after it. */
    void compactTo(long index, long term) {
        int keepFrom = 0;
        while (keepFrom < runs - 1 && runStart[keepFrom + 1] <= index + 1) {
            keepFrom++;
        }
        if (keepFrom > 0) {
            System.arraycopy(runStart, keepFrom, runStart, 0, runs - keepFrom);
            System.arraycopy(runTerm, keepFrom, runTerm, 0, runs - keepFrom);
            runs -= keepFrom;
        }
        baseIndex = index;
        baseTerm = term;
        if (lastIndex <= index) {
            runs = 0;
            lastIndex = index;
        }
    }

    /** Forgets every entry: the log becomes empty after ({@code index}, {@code term}). */
    void reset(long index, long term) {
        runs = 0;
        baseIndex = index;
        baseTerm = term;
        lastIndex = index;
    }
}
