package io.keelraft.storage;

import io.keelraft.core.StorageCorruptedException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a log directory after any crash and brings it to a consistent state, in this order:
 * <ol>
 *   <li>delete {@code *.tmp} files: segments, base files and probes whose creation never finished;</li>
 *   <li>read the base ({@link LogBase}; none means the log starts at index 1);</li>
 *   <li>delete segments wholly at or below the base, oldest first (a compaction the crash interrupted);</li>
 *   <li>scan the rest ({@link SegmentScanner}), repairing a torn tail of the last one, and check they are
 *       contiguous and start right after the base — a gap is corruption;</li>
 *   <li>if the log does not hold the base entry with the base term — it ends before the base, or holds
 *       another term there — delete every segment: a discard-all compaction was interrupted.</li>
 * </ol>
 */
final class LogRecovery {

    private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);

    /** The recovered log: its shape and its segments, the last one open for writing. */
    record Recovered(LogTerms terms, List<Segment> segments) {
    }

    private LogRecovery() {
    }

    static Recovered recover(Path directory, Disk disk, AtomicFile baseFile) throws IOException {
        List<Segment> segments = new ArrayList<>();
        try {
            return recover(directory, disk, baseFile, segments);
        } catch (IOException | RuntimeException e) {
            segments.forEach(Segment::close);
            throw e;
        }
    }

    private static Recovered recover(Path directory, Disk disk, AtomicFile baseFile, List<Segment> segments)
            throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        boolean removedTemp = false;
        try (Stream<Path> list = Files.list(directory)) {
            for (Path file : (Iterable<Path>) list::iterator) {
                String name = file.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    disk.delete(file);
                    removedTemp = true;
                } else if (Segment.parseFileName(name) >= 0) {
                    files.put(Segment.parseFileName(name), file);
                }
            }
        }
        if (removedTemp) {
            disk.forceDirectory(directory);
        }
        LogBase base = baseFile.read().map(content -> LogBase.decode(content, baseFile.file())).orElse(LogBase.NONE);

        // Segments wholly covered by the base: the next one starts at or below base + 1.
        List<Long> firsts = new ArrayList<>(files.keySet());
        int keepFrom = 0;
        while (keepFrom + 1 < firsts.size() && firsts.get(keepFrom + 1) <= base.index() + 1) {
            keepFrom++;
        }
        if (keepFrom > 0) {
            for (int i = 0; i < keepFrom; i++) {
                disk.delete(files.remove(firsts.get(i)));
            }
            disk.forceDirectory(directory);
            log.info("{}: deleted {} segment(s) at or below the snapshot base {} (interrupted compaction)",
                    directory, keepFrom, base.index());
        }

        LogTerms terms = new LogTerms(base.index(), base.term());
        long[] termAtBase = {-1};
        long expectedFirst = -1;
        long previousTerm = 0;
        int remaining = files.size();
        for (var e : files.entrySet()) {
            long first = e.getKey();
            Path file = e.getValue();
            remaining--;
            boolean isLast = remaining == 0;
            if (expectedFirst < 0) {
                if (first > base.index() + 1) {
                    throw new StorageCorruptedException(file, 0, base.index() + 1, "the log starts at index " + first
                            + " but its base is " + base.index() + (base.index() == 0 ? " (no base file)" : "")
                            + ": entries " + (base.index() + 1) + ".." + (first - 1) + " are missing");
                }
            } else if (first != expectedFirst) {
                throw new StorageCorruptedException(file, 0, expectedFirst, "segment starts at index " + first
                        + " but the previous segment ends at index " + (expectedFirst - 1)
                        + (first > expectedFirst ? ": entries are missing" : ": segments overlap"));
            }
            FileChannel channel = disk.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            SegmentScanner.Result result;
            try {
                result = SegmentScanner.scan(disk, file, channel, first, previousTerm, isLast, (index, term) -> {
                    if (index == base.index()) {
                        termAtBase[0] = term;
                    }
                    terms.append(index, term);
                });
                // The segment keeps the channel (see Segment: a live segment needs no new descriptor).
                segments.add(Segment.recovered(disk, file, first, channel, result.positions(), result.count(),
                        result.end()));
            } catch (IOException | RuntimeException failure) {
                channel.close();
                throw failure;
            }
            expectedFirst = result.lastIndex(first) + 1;
            previousTerm = result.lastTerm();
        }

        long lastIndex = expectedFirst < 0 ? base.index() : expectedFirst - 1;
        boolean holdsBase = base.index() == 0 || (lastIndex >= base.index() && termAtBase[0] == base.term())
                || (!segments.isEmpty() && segments.get(0).firstIndex == base.index() + 1);
        if (!segments.isEmpty() && !holdsBase) {
            log.info("{}: the log (last index {}) does not hold the base entry {} of term {}: deleting it, as the"
                    + " interrupted compaction that wrote that base would have", directory, lastIndex, base.index(),
                    base.term());
            for (int i = segments.size() - 1; i >= 0; i--) {
                segments.get(i).close();
                disk.delete(segments.get(i).file);
            }
            disk.forceDirectory(directory);
            segments.clear();
            terms.reset(base.index(), base.term());
        }
        return new Recovered(terms, segments);
    }
}
