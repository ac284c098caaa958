package io.keelraft.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A seed names exactly one run: running it twice gives the same events, in the same order, and the same logs. */
class DeterminismTest {

    @ParameterizedTest
    @ValueSource(ints = {3, 5})
    void sameSeedSameRun(int size) {
        SimulationOptions options = SimulationOptions.builder().clusterSize(size).seed(4242).hashFullTrace(true)
                .build();

        SimulationResult first = new Simulation(options).run();
        SimulationResult second = new Simulation(options).run();

        assertThat(second).isEqualTo(first);
        assertThat(first.events()).isGreaterThan(1000);
        assertThat(first.committedIndex()).isPositive();
    }

    @Test
    void otherSeedOtherRun() {
        SimulationOptions options = SimulationOptions.builder().hashFullTrace(true).build();

        SimulationResult a = new Simulation(options.withSeed(1)).run();
        SimulationResult b = new Simulation(options.withSeed(2)).run();

        assertThat(a.traceHash()).isNotEqualTo(b.traceHash());
        assertThat(a.stateHash()).isNotEqualTo(b.stateHash());
    }
}
