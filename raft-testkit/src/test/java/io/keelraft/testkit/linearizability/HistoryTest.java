package io.keelraft.testkit.linearizability;

import static io.keelraft.testkit.linearizability.Command.get;
import static io.keelraft.testkit.linearizability.Command.put;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The recorder a simulator drives: ids, outcomes, and refusing impossible records. */
class HistoryTest {

    @Test
    void recordsEachOutcome() {
        History h = new History();
        long put = h.invoke(1, put("x", "1"), 10);
        long read = h.invoke(2, get("x"), 12);
        long failed = h.invoke(3, put("x", "2"), 13);
        long lost = h.invoke(4, put("x", "3"), 14);
        long open = h.invoke(5, put("x", "4"), 15);
        h.ok(put, 20);
        h.ok(read, 21, null);
        h.fail(failed, 22);
        h.unknown(lost);

        assertThat(List.of(put, read, failed, lost, open)).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(h.size()).isEqualTo(5);
        List<Operation> ops = h.operations();
        assertThat(ops.get(0)).isEqualTo(new Operation(0, 1, put("x", "1"), 10, 20, Outcome.OK, null));
        assertThat(ops.get(1).result()).isNull();
        assertThat(ops.get(2).outcome()).isEqualTo(Outcome.FAIL);
        assertThat(ops.get(3).outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(ops.get(3).completeTime()).isEqualTo(Operation.NEVER);
        assertThat(ops.get(4).outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThat(ops.get(0).toString()).isEqualTo("#0 c1 PUT x \"1\" [10, 20] OK");
        assertThat(ops.get(1).toString()).isEqualTo("#1 c2 GET x -> nil [12, 21] OK");
        assertThat(ops.get(3).toString()).isEqualTo("#3 c4 PUT x \"3\" [14, inf] UNKNOWN");
    }

    @Test
    void snapshotsDoNotChangeAfterwards() {
        History h = new History();
        long id = h.invoke(1, put("x", "1"), 0);
        List<Operation> before = h.operations();
        h.ok(id, 5);
        assertThat(before.get(0).outcome()).isEqualTo(Outcome.UNKNOWN);
        assertThatThrownBy(() -> before.add(null)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void refusesImpossibleRecords() {
        History h = new History();
        long id = h.invoke(1, put("x", "1"), 100);
        long read = h.invoke(1, get("x"), 100);
        assertThatIllegalArgumentException().isThrownBy(() -> h.ok(id, 99));
        assertThatIllegalArgumentException().isThrownBy(() -> h.ok(42, 200));
        assertThatIllegalArgumentException().as("a read needs its result").isThrownBy(() -> h.ok(read, 200));
        h.ok(id, 100);
        assertThatIllegalStateException().isThrownBy(() -> h.ok(id, 200));
        assertThatIllegalStateException().isThrownBy(() -> h.fail(id, 200));
        assertThatIllegalStateException().isThrownBy(() -> h.unknown(id));
    }

    @Test
    void operationsValidateTheirTimes() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Operation(0, 1, put("x", "1"), 10, 5, Outcome.OK, null));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Operation(0, 1, put("x", "1"), 10, 20, Outcome.UNKNOWN, null));
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Operation(0, 1, put("x", "1"), 10, Operation.NEVER, Outcome.OK, null));
    }
}
