package io.keelraft.storage;

import io.keelraft.core.protocol.EntryType;
import io.keelraft.core.protocol.LogEntry;
import java.util.ArrayList;
import java.util.List;

/** Entries whose payload is derived from (index, term), so any entry read back can be checked on its own. */
final class TestEntries {

    private TestEntries() {
    }

    static LogEntry entry(long index, long term, int payloadBytes) {
        byte[] payload = new byte[payloadBytes];
        long x = index * 0x9E3779B97F4A7C15L ^ term * 0xC2B2AE3D27D4EB4FL;
        for (int i = 0; i < payloadBytes; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            payload[i] = (byte) x;
        }
        return new LogEntry(index, term, EntryType.COMMAND, payload);
    }

    /** {@code count} entries from {@code first}, all of {@code term}, with payloads of {@code payloadBytes}. */
    static List<LogEntry> range(long first, int count, long term, int payloadBytes) {
        List<LogEntry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(entry(first + i, term, payloadBytes));
        }
        return out;
    }

    /** Whether {@code entry} is exactly what {@link #entry} makes for its index and term. */
    static boolean intact(LogEntry entry) {
        return entry.equals(entry(entry.index(), entry.term(), entry.payload().length));
    }
}
