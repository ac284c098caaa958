package io.keelraft.core.protocol;

import io.keelraft.core.Role;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a driver relies on in the values it exchanges with the protocol: {@link Ready#isEmpty()} (a driver may
 * skip an empty Ready, so every kind of work must make it non-empty) and an {@link Message.AppendEntries}
 * decoded without an entry list. Found by mutation testing (docs/MUTATION.md); MessageValidationTest covers the
 * other parts of a Ready.
 */
class ReadyAndMessageValuesTest {

    @Test
    void aReadyWithOnlyAnEntryFetchIsNotEmpty() {
        // Until the driver reads and reports the entries, the leader sends nothing more to that follower.
        Ready fetchOnly = new Ready(null, null, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null,
                List.of(new EntryFetch("n2", 3, 10, 20, 1 << 20)));
        assertThat(fetchOnly.isEmpty()).isFalse();
        assertThat(fetchOnly.nothingToPersist()).isTrue();

        Ready softStateOnly = new Ready(new SoftState(Role.FOLLOWER, 2, null), null, List.of(), List.of(), List.of(),
                List.of(), List.of(), List.of(), null, List.of());
        assertThat(softStateOnly.isEmpty()).isFalse();
        assertThat(softStateOnly.nothingToPersist()).isTrue();
    }

    @Test
    void anAppendEntriesWithoutAnEntryListIsAHeartbeat() {
        // A transport may decode an absent list as null: the message is then a heartbeat at prevLogIndex.
        Message.AppendEntries heartbeat = new Message.AppendEntries(3, "n1", "n2", 7, 2, null, 5, 1);
        assertThat(heartbeat.entries()).isEmpty();
        assertThat(heartbeat.lastIndex()).isEqualTo(7);
    }
}
