package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link LogEntry} as log stores use it: the byte-budget rule {@link LogEntry#prefixWithin} that every
 * {@link DurableLog#entries} implementation applies (at least one entry, so replication always progresses), and
 * equality by content. Found by mutation testing (docs/MUTATION.md): only the log stores' own tests, which PIT
 * does not run, looked at these.
 */
class LogEntryTest {

    @Test
    void aReadTakesTheLongestPrefixWithinTheBudget() {
        List<LogEntry> three = List.of(sized(1, 40), sized(2, 40), sized(3, 40));
        assertThat(LogEntry.prefixWithin(three, 120)).as("an exact fit").hasSize(3);
        assertThat(LogEntry.prefixWithin(three, 119)).hasSize(2);
        assertThat(LogEntry.prefixWithin(three, 80)).hasSize(2);
        assertThat(LogEntry.prefixWithin(three, 79)).hasSize(1);
        assertThat(LogEntry.prefixWithin(List.of(), 79)).isEmpty();
    }

    @Test
    void aReadAlwaysTakesTheFirstEntrySoReplicationProgressesPastAnOversizedOne() {
        List<LogEntry> big = List.of(sized(1, 500), sized(2, 40));
        assertThat(LogEntry.prefixWithin(big, 100)).extracting(LogEntry::index).containsExactly(1L);
        assertThat(LogEntry.prefixWithin(big, 0)).extracting(LogEntry::index).containsExactly(1L);
    }

    @Test
    void thePrefixIsACopy() {
        List<LogEntry> source = new ArrayList<>(List.of(sized(1, 40), sized(2, 40)));
        List<LogEntry> prefix = LogEntry.prefixWithin(source, 1000);
        source.clear();
        assertThat(prefix).hasSize(2);
    }

    @Test
    void entriesAreEqualByPositionTermTypeAndPayloadContent() {
        // A record would compare the payload arrays by reference; a store that reads an entry back must get an
        // equal one.
        LogEntry e = new LogEntry(5, 2, EntryType.COMMAND, new byte[] {1, 2, 3});
        LogEntry same = new LogEntry(5, 2, EntryType.COMMAND, new byte[] {1, 2, 3});
        assertThat(e).isEqualTo(same);
        assertThat(e.hashCode()).isEqualTo(same.hashCode());

        assertThat(e).isNotEqualTo(new LogEntry(6, 2, EntryType.COMMAND, new byte[] {1, 2, 3}));
        assertThat(e).isNotEqualTo(new LogEntry(5, 3, EntryType.COMMAND, new byte[] {1, 2, 3}));
        assertThat(e).isNotEqualTo(new LogEntry(5, 2, EntryType.NO_OP, new byte[] {1, 2, 3}));
        assertThat(e).isNotEqualTo(new LogEntry(5, 2, EntryType.COMMAND, new byte[] {1, 2, 4}));
        assertThat(e.equals("5@2")).isFalse();
        assertThat(e.equals(null)).isFalse();
        assertThat(new LogEntry(1, 1, EntryType.NO_OP, null)).isEqualTo(new LogEntry(1, 1, EntryType.NO_OP, new byte[0]));
    }

    private static LogEntry sized(long index, int size) {
        return new LogEntry(index, 1, EntryType.COMMAND, new byte[size - LogEntry.OVERHEAD_BYTES]);
    }
}
