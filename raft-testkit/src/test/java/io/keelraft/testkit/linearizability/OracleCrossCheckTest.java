package io.keelraft.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Thousands of small histories, each judged both by the checker and by {@link ExhaustiveOracle}. Any
 * disagreement is a checker bug: a false alarm or a miss. Two sources: fully random histories (mostly not
 * linearizable), and histories of real executions with timeouts and failures, half of them with one read
 * changed to another value seen on that key (the hard cases for the checker's pruning).
 */
class OracleCrossCheckTest {

    private static final String[] VALUES = {"a", "b"};
    private static final String[] READS = {null, "a", "b", "ab", "ba", "aa"};

    @Test
    void checkerAgreesWithExhaustiveSearch() {
        int linearizable = 0;
        int seeds = 4000;
        for (int seed = 0; seed < seeds; seed++) {
            List<Operation> history = randomHistory(new Random(seed));
            boolean expected = ExhaustiveOracle.linearizable(history);
            CheckResult result = new LinearizabilityChecker().check(history);
            assertThat(result.verdict())
                    .as("seed %d, oracle says %s, history %s%n%s", seed, expected, history, result.describe())
                    .isEqualTo(expected ? CheckResult.Verdict.LINEARIZABLE : CheckResult.Verdict.NOT_LINEARIZABLE);
            if (expected) {
                linearizable++;
            }
        }
        // Both kinds must be well represented, or the comparison proves little.
        assertThat(linearizable).isBetween(seeds / 5, seeds * 4 / 5);
    }

    @Test
    void checkerAgreesWithExhaustiveSearchOnRealisticHistories() {
        int linearizable = 0;
        int seeds = 3000;
        for (int seed = 0; seed < seeds; seed++) {
            Random random = new Random(seed);
            RandomExecution.Shape shape = new RandomExecution.Shape(1 + random.nextInt(2), 2 + random.nextInt(2),
                    2 + random.nextInt(4), 0.25, 0.1);
            List<Operation> history = new ArrayList<>(RandomExecution.generate(seed, shape).operations());
            if (history.size() > 15) {
                history = history.subList(0, 15); // a prefix by invocation is still a history
            }
            if (random.nextBoolean()) {
                mutateOneRead(history, random);
            }
            boolean expected = ExhaustiveOracle.linearizable(history);
            CheckResult result = new LinearizabilityChecker().check(history);
            assertThat(result.verdict())
                    .as("seed %d, oracle says %s, history %s%n%s", seed, expected, history, result.describe())
                    .isEqualTo(expected ? CheckResult.Verdict.LINEARIZABLE : CheckResult.Verdict.NOT_LINEARIZABLE);
            if (expected) {
                linearizable++;
            }
        }
        assertThat(linearizable).isBetween(seeds / 5, seeds * 4 / 5);
    }

    private static void mutateOneRead(List<Operation> history, Random random) {
        List<Integer> reads = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        seen.add(null);
        for (int i = 0; i < history.size(); i++) {
            Operation op = history.get(i);
            if (op.outcome() == Outcome.OK && op.command().readOnly()) {
                reads.add(i);
                seen.add(op.result());
            }
        }
        if (reads.isEmpty()) {
            return;
        }
        int i = reads.get(random.nextInt(reads.size()));
        Operation read = history.get(i);
        String value = seen.get(random.nextInt(seen.size()));
        history.set(i, new Operation(read.id(), read.client(), read.command(), read.invokeTime(),
                read.completeTime(), read.outcome(), value));
    }

    private static List<Operation> randomHistory(Random random) {
        History history = new History();
        int size = 1 + random.nextInt(7);
        for (int i = 0; i < size; i++) {
            String key = random.nextInt(4) == 0 ? "y" : "x";
            Command command = switch (random.nextInt(5)) {
                case 0, 1 -> Command.get(key);
                case 2 -> Command.put(key, pick(random, VALUES));
                case 3 -> Command.append(key, pick(random, VALUES));
                default -> Command.cas(key, random.nextBoolean() ? null : pick(random, VALUES), pick(random, VALUES));
            };
            long invoke = random.nextInt(20);
            long complete = invoke + random.nextInt(10);
            long id = history.invoke(i % 3, command, invoke);
            int outcome = random.nextInt(10);
            if (outcome < 7) {
                if (command.readOnly()) {
                    history.ok(id, complete, pick(random, READS));
                } else {
                    history.ok(id, complete);
                }
            } else if (outcome < 9) {
                history.unknown(id);
            } else {
                history.fail(id, complete);
            }
        }
        return history.operations();
    }

    private static String pick(Random random, String[] choices) {
        return choices[random.nextInt(choices.length)];
    }
}
