package io.keelraft.testkit.linearizability;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Generates a history the way a correct replicated store would produce it: every operation that takes
 * effect does so atomically at one instant inside its interval (or, for a timed-out one, at any instant
 * after its invocation), in a single real sequential execution. Such a history is linearizable by
 * construction.
 *
 * <p>Each key has its own clients; a client runs one operation at a time, so at most
 * {@code clientsPerKey} operations on a key overlap, plus timed-out ones still taking effect. Every value
 * written is unique and appended values are bracketed ({@code <a17>}), so a result names the writes it saw.
 */
final class RandomExecution {

    /** The size and fault mix of a generated history. */
    record Shape(int keys, int clientsPerKey, int opsPerClient, double unknownRate, double failRate) {
        int operations() {
            return keys * clientsPerKey * opsPerClient;
        }
    }

    /** One generated operation before it is recorded. */
    private static final class Planned {
        final int client;
        final Command command;
        final long invoke;
        final long complete;
        Outcome outcome;
        /** When it takes effect; -1 if it never does. */
        final long effect;
        String result;

        Planned(int client, Command command, long invoke, long complete, Outcome outcome, long effect) {
            this.client = client;
            this.command = command;
            this.invoke = invoke;
            this.complete = complete;
            this.outcome = outcome;
            this.effect = effect;
        }
    }

    private RandomExecution() {
    }

    static History generate(long seed, Shape shape) {
        Random random = new Random(seed);
        List<Planned> planned = new ArrayList<>();
        int serial = 0;
        for (int k = 0; k < shape.keys(); k++) {
            String key = "k" + k;
            List<String> written = new ArrayList<>();
            for (int c = 0; c < shape.clientsPerKey(); c++) {
                int client = k * shape.clientsPerKey() + c;
                long time = random.nextInt(50);
                for (int i = 0; i < shape.opsPerClient(); i++) {
                    serial++;
                    Command command = command(random, key, serial, written);
                    long latency = 1 + random.nextInt(100);
                    long complete = time + latency;
                    double roll = random.nextDouble();
                    if (roll < shape.failRate()) {
                        planned.add(new Planned(client, command, time, complete, Outcome.FAIL, -1));
                    } else if (roll < shape.failRate() + shape.unknownRate()) {
                        // Timed out: it may still apply much later (a retry, a slow leader), or never.
                        long effect = random.nextBoolean() ? time + random.nextInt((int) latency * 10 + 1) : -1;
                        planned.add(new Planned(client, command, time, Operation.NEVER, Outcome.UNKNOWN, effect));
                    } else {
                        long effect = time + random.nextInt((int) latency + 1);
                        planned.add(new Planned(client, command, time, complete, Outcome.OK, effect));
                    }
                    time = complete + random.nextInt(20);
                }
            }
        }
        execute(planned);
        return record(planned);
    }

    private static Command command(Random random, String key, int serial, List<String> written) {
        int roll = random.nextInt(20);
        if (roll < 8) {
            return Command.get(key);
        } else if (roll < 13) {
            String value = "v" + serial;
            written.add(value);
            return Command.put(key, value);
        } else if (roll < 17) {
            return Command.append(key, "<a" + serial + ">");
        } else {
            String expected = written.isEmpty() || random.nextInt(5) == 0 ? null
                    : written.get(written.size() - 1 - random.nextInt(Math.min(3, written.size())));
            String update = "c" + serial;
            written.add(update);
            return Command.cas(key, expected, update);
        }
    }

    /** Runs the operations that take effect, in order of their effect instants, on a real map. */
    private static void execute(List<Planned> planned) {
        List<Planned> effective = new ArrayList<>();
        for (Planned p : planned) {
            if (p.effect >= 0) {
                effective.add(p);
            }
        }
        effective.sort(Comparator.comparingLong(p -> p.effect));
        Map<String, String> store = new HashMap<>();
        for (Planned p : effective) {
            String before = store.get(p.command.key());
            if (p.command instanceof Command.Cas cas && !cas.accepts(before, null) && p.outcome == Outcome.OK) {
                p.outcome = Outcome.FAIL; // the client is told "no swap": it definitely changed nothing
            }
            p.result = before;
            String after = p.command.apply(before);
            if (after != null) {
                store.put(p.command.key(), after);
            }
        }
    }

    /** Feeds the operations to a {@link History} in time order, as a simulator would. */
    private static History record(List<Planned> planned) {
        record Event(long time, int order, Planned op) {
        }
        List<Event> events = new ArrayList<>();
        for (Planned p : planned) {
            events.add(new Event(p.invoke, 0, p));
            // An unknown operation's client gives up after a while; when exactly does not matter.
            events.add(new Event(p.outcome == Outcome.UNKNOWN ? p.invoke + 100 : p.complete, 1, p));
        }
        events.sort(Comparator.comparingLong(Event::time).thenComparingInt(Event::order));
        History history = new History();
        Map<Planned, Long> ids = new HashMap<>();
        for (Event e : events) {
            Planned p = e.op();
            if (e.order() == 0) {
                ids.put(p, history.invoke(p.client, p.command, p.invoke));
            } else if (p.outcome == Outcome.FAIL) {
                history.fail(ids.get(p), p.complete);
            } else if (p.outcome == Outcome.UNKNOWN) {
                history.unknown(ids.get(p));
            } else if (p.command.readOnly()) {
                history.ok(ids.get(p), p.complete, p.result);
            } else {
                history.ok(ids.get(p), p.complete);
            }
        }
        return history;
    }
}
