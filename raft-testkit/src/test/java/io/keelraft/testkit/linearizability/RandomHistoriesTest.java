package io.keelraft.testkit.linearizability;

import static org.assertj.core.api.Assertions.assertThat;

import io.keelraft.testkit.linearizability.CheckResult.Verdict;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Histories generated from real sequential executions ({@link RandomExecution}) must be linearizable; the
 * same histories with one read's result corrupted in a way no execution could produce must not be, and the
 * violation must be reported at exactly the corrupted read.
 */
class RandomHistoriesTest {

    private static final RandomExecution.Shape SMALL = new RandomExecution.Shape(3, 4, 15, 0.1, 0.1);
    private static final RandomExecution.Shape CROWDED = new RandomExecution.Shape(1, 5, 40, 0.2, 0.05);
    private static final int SEEDS = 300;

    private final LinearizabilityChecker checker = new LinearizabilityChecker();

    @Test
    void generatedHistoriesAreLinearizable() {
        for (int seed = 0; seed < SEEDS; seed++) {
            for (RandomExecution.Shape shape : List.of(SMALL, CROWDED)) {
                CheckResult result = checker.check(RandomExecution.generate(seed, shape));
                assertThat(result.verdict()).as("seed %d %s%n%s", seed, shape, result.describe())
                        .isEqualTo(Verdict.LINEARIZABLE);
            }
        }
    }

    @Test
    void readOfAValueNoOneWroteIsCaught() {
        for (int seed = 0; seed < SEEDS; seed++) {
            List<Operation> ops = RandomExecution.generate(seed, SMALL).operations();
            Random random = new Random(seed);
            Operation read = pick(random, okReads(ops));
            assertCaughtAt(seed, replaceResult(ops, read, "never-written"), read);
        }
    }

    /** A read after PUT p1 and then PUT p2 both completed returns p1's value: a stale read, a lost write. */
    @Test
    void staleReadIsCaught() {
        int mutated = 0;
        for (int seed = 0; seed < SEEDS; seed++) {
            List<Operation> ops = RandomExecution.generate(seed, SMALL).operations();
            Optional<Operation[]> stale = staleRead(ops, new Random(seed));
            if (stale.isPresent()) {
                Operation read = stale.get()[0];
                Command.Put overwritten = (Command.Put) stale.get()[1].command();
                assertCaughtAt(seed, replaceResult(ops, read, overwritten.value()), read);
                mutated++;
            }
        }
        assertThat(mutated).as("seeds with a stale-read candidate").isGreaterThan(SEEDS / 2);
    }

    /** A read shows an appended token twice, as if a retried append had applied twice. */
    @Test
    void duplicatedAppendIsCaught() {
        Pattern token = Pattern.compile("<a\\d+>");
        int mutated = 0;
        for (int seed = 0; seed < SEEDS; seed++) {
            List<Operation> ops = RandomExecution.generate(seed, SMALL).operations();
            List<Operation> candidates = new ArrayList<>();
            for (Operation read : okReads(ops)) {
                if (read.result() != null && token.matcher(read.result()).find()) {
                    candidates.add(read);
                }
            }
            if (candidates.isEmpty()) {
                continue;
            }
            Operation read = pick(new Random(seed), candidates);
            Matcher m = token.matcher(read.result());
            m.find();
            String doubled = read.result().substring(0, m.end()) + m.group() + read.result().substring(m.end());
            assertCaughtAt(seed, replaceResult(ops, read, doubled), read);
            mutated++;
        }
        assertThat(mutated).as("seeds with an append to duplicate").isGreaterThan(SEEDS / 2);
    }

    /**
     * A read returns another value that really existed on its key at some point. Often that is still
     * possible (the read overlapped the write), so only most mutations are caught; none may be a false alarm.
     */
    @Test
    void readOfAnotherRealValueIsUsuallyCaught() {
        int caught = 0;
        int mutated = 0;
        for (int seed = 0; seed < SEEDS; seed++) {
            List<Operation> ops = RandomExecution.generate(seed, SMALL).operations();
            Random random = new Random(seed);
            Operation read = pick(random, okReads(ops));
            List<String> others = new ArrayList<>();
            for (Operation other : okReads(ops)) {
                if (other.key().equals(read.key()) && other.result() != null && !other.result().equals(read.result())) {
                    others.add(other.result());
                }
            }
            if (others.isEmpty()) {
                continue;
            }
            mutated++;
            CheckResult result = checker.check(replaceResult(ops, read, pick(random, others)));
            assertThat(result.verdict()).as("seed %d", seed).isNotEqualTo(Verdict.UNKNOWN);
            if (result.verdict() == Verdict.NOT_LINEARIZABLE) {
                caught++;
                assertThat(result.violations().get(0).firstBadCompletion().id()).isEqualTo(read.id());
            }
        }
        System.out.printf("random real-value mutations caught: %d of %d%n", caught, mutated);
        assertThat(mutated).isGreaterThan(SEEDS * 3 / 4);
        assertThat(caught).isGreaterThan(mutated / 2);
    }

    private void assertCaughtAt(int seed, List<Operation> history, Operation mutated) {
        CheckResult result = checker.check(history);
        assertThat(result.verdict()).as("seed %d, mutated %s", seed, mutated).isEqualTo(Verdict.NOT_LINEARIZABLE);
        assertThat(result.violations()).hasSize(1);
        Violation v = result.violations().get(0);
        assertThat(v.key()).isEqualTo(mutated.key());
        // The unmutated history is linearizable and linearizability is prefix-closed, so the first completion
        // after which the history cannot be explained is the mutated read's.
        assertThat(v.firstBadCompletion().id()).as("seed %d%n%s", seed, v.describe()).isEqualTo(mutated.id());
    }

    /** Finds {read, p1} such that PUT p1 completed before PUT p2 began, and p2 completed before the read began. */
    private static Optional<Operation[]> staleRead(List<Operation> ops, Random random) {
        List<Operation> reads = okReads(ops);
        Collections.shuffle(reads, random);
        for (Operation read : reads) {
            for (Operation p2 : ops) {
                if (!isOkPut(p2, read.key()) || p2.completeTime() >= read.invokeTime()) {
                    continue;
                }
                for (Operation p1 : ops) {
                    if (isOkPut(p1, read.key()) && p1.completeTime() < p2.invokeTime()) {
                        return Optional.of(new Operation[] {read, p1});
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isOkPut(Operation op, String key) {
        return op.outcome() == Outcome.OK && op.command() instanceof Command.Put && op.key().equals(key);
    }

    private static List<Operation> okReads(List<Operation> ops) {
        List<Operation> reads = new ArrayList<>();
        for (Operation op : ops) {
            if (op.outcome() == Outcome.OK && op.command().readOnly()) {
                reads.add(op);
            }
        }
        return reads;
    }

    private static List<Operation> replaceResult(List<Operation> ops, Operation target, String result) {
        List<Operation> mutated = new ArrayList<>(ops);
        mutated.set(ops.indexOf(target), new Operation(target.id(), target.client(), target.command(),
                target.invokeTime(), target.completeTime(), target.outcome(), result));
        return mutated;
    }

    private static <T> T pick(Random random, List<T> choices) {
        return choices.get(random.nextInt(choices.size()));
    }
}
