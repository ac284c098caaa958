package io.keelraft.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A group's serial "thread" on a shared pool: one task at a time, in submission order, and a clean close. */
class SerialExecutorTest {

    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void shutDown() throws InterruptedException {
        pool.shutdownNow();
        assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void tasksRunOneAtATimeInTheOrderEachProducerSubmittedThem() throws Exception {
        SerialExecutor serial = new SerialExecutor(pool, "test");
        int producers = 4;
        int perProducer = 20_000;
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<List<Integer>> seen = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            seen.add(new ArrayList<>()); // written only by the serial executor's tasks, one at a time
        }
        CountDownLatch done = new CountDownLatch(producers * perProducer);
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            int producer = p;
            threads[p] = new Thread(() -> {
                for (int i = 0; i < perProducer; i++) {
                    int n = i;
                    serial.execute(() -> {
                        if (running.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        seen.get(producer).add(n);
                        running.decrementAndGet();
                        done.countDown();
                    });
                }
            }, "producer-" + p);
            threads[p].start();
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        for (Thread t : threads) {
            t.join();
        }
        assertThat(overlaps.get()).as("tasks that ran while another was running").isZero();
        serial.closeAndDrain(TimeUnit.SECONDS.toNanos(10)); // publishes the lists to this thread
        for (List<Integer> order : seen) {
            assertThat(order).hasSize(perProducer).isSorted();
        }
    }

    @Test
    void closingRunsWhatWasQueuedThenRefusesMore() {
        SerialExecutor serial = new SerialExecutor(pool, "test");
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger ran = new AtomicInteger();
        serial.execute(() -> {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.incrementAndGet();
        });
        for (int i = 0; i < 100; i++) {
            serial.execute(ran::incrementAndGet);
        }
        gate.countDown();
        serial.closeAndDrain(TimeUnit.SECONDS.toNanos(10));
        assertThat(ran.get()).isEqualTo(101);
        assertThatThrownBy(() -> serial.execute(ran::incrementAndGet))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("test is closed");
    }
}
