package io.keelraft.storage;

import static io.keelraft.storage.Waits.await;

import io.keelraft.core.spi.DurabilityListener;
import io.keelraft.core.StorageException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what a log reports; tests wait on it with Awaitility. */
final class RecordingListener implements DurabilityListener {

    record Durable(long index, long term, String thread) {
    }

    final List<Durable> durable = new CopyOnWriteArrayList<>();
    final List<StorageException> failures = new CopyOnWriteArrayList<>();

    @Override
    public void durable(long index, long term) {
        durable.add(new Durable(index, term, Thread.currentThread().getName()));
    }

    @Override
    public void failed(StorageException cause) {
        failures.add(cause);
    }

    Durable last() {
        return durable.isEmpty() ? null : durable.get(durable.size() - 1);
    }

    /** Waits until the log reported ({@code index}, {@code term}) durable. */
    void awaitDurable(long index, long term) {
        await().until(() -> {
            Durable last = last();
            return last != null && last.index() == index && last.term() == term;
        });
    }

    void awaitFailures(int count) {
        await().until(() -> failures.size() >= count);
    }
}
