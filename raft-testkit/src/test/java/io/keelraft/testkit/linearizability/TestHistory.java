package io.keelraft.testkit.linearizability;

import java.util.List;

/** Writes known histories compactly in tests, through the real {@link History} recorder. */
final class TestHistory {

    private final History history = new History();

    /** A write (PUT, APPEND, successful CAS) acknowledged at {@code complete}. */
    TestHistory ok(int client, Command command, long invoke, long complete) {
        history.ok(history.invoke(client, command, invoke), complete);
        return this;
    }

    /** A GET of {@code key} that returned {@code value} ({@code null}: absent). */
    TestHistory read(int client, String key, long invoke, long complete, String value) {
        history.ok(history.invoke(client, Command.get(key), invoke), complete, value);
        return this;
    }

    /** An operation that definitely did not take effect. */
    TestHistory fail(int client, Command command, long invoke, long complete) {
        history.fail(history.invoke(client, command, invoke), complete);
        return this;
    }

    /** An operation whose client gave up waiting. */
    TestHistory unknown(int client, Command command, long invoke) {
        history.unknown(history.invoke(client, command, invoke));
        return this;
    }

    History history() {
        return history;
    }

    List<Operation> operations() {
        return history.operations();
    }

    CheckResult check() {
        return new LinearizabilityChecker().check(history);
    }
}
