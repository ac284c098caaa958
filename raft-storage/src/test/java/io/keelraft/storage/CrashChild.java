package io.keelraft.storage;

import io.keelraft.core.protocol.LogEntry;
import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.StorageException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The process {@link CrashTest} kills. It appends, truncates and compacts a {@link SegmentedLog} with fsync on,
 * printing to stdout, before each request, what it asks for, and from the durability listener each
 * acknowledgement:
 *
 * <pre>
 *   O base last          opened the log
 *   S first count term   about to append count entries from first (a truncation when first is not last + 1)
 *   C index term         about to compact to (index, term)
 *   D index term         acknowledged: durable through index, whose term is term
 * </pre>
 *
 * <p>With the argument {@code hold}, it only opens the log, prints {@code O ...} and waits for stdin to close.
 */
public final class CrashChild {

    static final SegmentedLogOptions OPTIONS = SegmentedLogOptions.defaults().withSegmentBytes(16 << 10);

    private CrashChild() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        PrintStream out = System.out;
        if (args[1].equals("hold")) {
            try (SegmentedLog log = SegmentedLog.open(dir, OPTIONS)) {
                out.println("O " + log.snapshotIndex() + " " + log.lastIndex());
                while (System.in.read() >= 0) {
                    // wait for the parent to close stdin
                }
            }
            return;
        }
        Random random = new Random(Long.parseLong(args[1]));
        long term = Long.parseLong(args[2]);
        SegmentedLog log = SegmentedLog.open(dir, OPTIONS);
        long last = log.lastIndex();
        long lastTerm = log.term(last); // the term of entry last, as submitted
        // Index, term; guarded by itself. What the log reopened with is durable already, and the listener is
        // told only about appends made from now on: starting at (0, 0) left a compaction chosen before the
        // first append waiting forever for an acknowledgement of an append never made.
        long[] durable = {last, lastTerm};
        log.setDurabilityListener(new DurabilityListener() {
            @Override
            public void durable(long index, long t) {
                out.println("D " + index + " " + t);
                synchronized (durable) {
                    durable[0] = index;
                    durable[1] = t;
                }
            }

            @Override
            public void failed(StorageException cause) {
                // stderr goes to a file the parent prints when the child dies: name the failure there
                org.slf4j.LoggerFactory.getLogger(CrashChild.class).error("the log store failed; halting", cause);
                Runtime.getRuntime().halt(3);
            }
        });
        term = Math.max(term, lastTerm);
        out.println("O " + log.snapshotIndex() + " " + last);
        while (true) {
            int choice = random.nextInt(100);
            long base = log.snapshotIndex();
            long from = last + 1;
            if (choice < 8 && last - base > 2) {
                from = Math.max(base + 1, last - random.nextInt(300));
                term++;
            } else if (choice < 10 && last - base > 700) {
                // Compact only what is durable and behind any truncation still queued: wait for the queue to drain.
                long drainedIndex = last;
                long drainedTerm = lastTerm; // not term: before the first append, term is above every stored one
                waitUntil(() -> {
                    synchronized (durable) {
                        return durable[0] == drainedIndex && durable[1] == drainedTerm;
                    }
                });
                long upTo = last - 400;
                long t = log.term(upTo);
                out.println("C " + upTo + " " + t);
                log.compactTo(upTo, t);
                continue;
            }
            int count = 1 + random.nextInt(20);
            List<LogEntry> batch = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                batch.add(TestEntries.entry(from + i, term, random.nextInt(300)));
            }
            out.println("S " + from + " " + count + " " + term);
            log.append(batch);
            last = from + count - 1;
            lastTerm = term;
            long limit = last - 300;
            waitUntil(() -> {
                synchronized (durable) {
                    return durable[0] >= limit;
                }
            }); // keep the queue short, so that kills land in every phase
        }
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
    }
}
