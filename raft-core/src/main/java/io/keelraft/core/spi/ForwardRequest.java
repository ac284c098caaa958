package io.keelraft.core.spi;

import java.util.Objects;

/** What a follower asks of the leader on behalf of its clients. */
public sealed interface ForwardRequest permits ForwardRequest.Submit, ForwardRequest.ReadIndex {

    /** Commit and apply this command; answer with the state machine's result. */
    record Submit(byte[] command) implements ForwardRequest {
        public Submit {
            Objects.requireNonNull(command, "command");
        }
    }

    /** Confirm leadership and answer with a read index (thesis §6.4: reads on followers). */
    record ReadIndex() implements ForwardRequest {
    }
}
