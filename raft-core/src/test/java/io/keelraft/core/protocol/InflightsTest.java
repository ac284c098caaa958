package io.keelraft.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The pipelining window: bounded by count and by bytes, freed by acknowledgements, emptied on reset. */
class InflightsTest {

    @Test
    void theWindowIsFullOnceItsCountOrItsBytesReachTheLimit() {
        Inflights byCount = new Inflights(2, 1_000);
        byCount.add(1, 10);
        assertThat(byCount.isFull()).isFalse();
        byCount.add(2, 10);
        assertThat(byCount.isFull()).isTrue();

        Inflights byBytes = new Inflights(10, 100);
        byBytes.add(1, 60);
        assertThat(byBytes.isFull()).isFalse();
        byBytes.add(2, 40);
        assertThat(byBytes.isFull()).as("100 of 100 bytes").isTrue();
        byBytes.freeTo(1);
        assertThat(byBytes.isFull()).as("the first append's bytes are freed").isFalse();
        assertThat(byBytes.count()).isEqualTo(1);
        byBytes.add(3, 59);
        assertThat(byBytes.isFull()).as("99 bytes").isFalse();
    }

    @Test
    void anAcknowledgementFreesEveryAppendItCoversAndResetEmptiesTheWindow() {
        Inflights w = new Inflights(3, 1_000);
        w.add(2, 10);
        w.add(4, 10);
        w.add(6, 10);
        assertThat(w.isFull()).isTrue();
        w.freeTo(5);
        assertThat(w.count()).isEqualTo(1);
        assertThat(w.isEmpty()).isFalse();
        w.reset();
        assertThat(w.isEmpty()).isTrue();
        assertThat(w.count()).isZero();
        w.add(7, 10);
        w.add(8, 10);
        assertThat(w.isFull()).as("reset freed the count").isFalse();
    }
}
