package io.keelraft.bench.e2e;

import io.keelraft.client.RaftClient;
import io.keelraft.examples.kv.KvClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.SynchronizedHistogram;

/**
 * The closed-loop client of peer-bench's workload (§3–§5) through Keel's own client: ONE {@link RaftClient} built
 * from the three servers' Raft addresses (window {@code max(1024, 2C)}, so it never holds a request back, and a
 * 10 s request timeout), sending the KV example's {@code SET key value} ({@link KvClient#set(byte[], byte[])}: the
 * same state-machine command the RESP path replicates), one log entry per request. Exactly C requests in flight:
 * each completion issues the next at once (on the client's I/O thread; submitting never blocks), after a failure
 * after 10 ms. A request is a 16-byte key {@code key-%012d} drawn uniformly from [0, 100000) and 100 fresh random
 * bytes. Requests issued in the measurement window that succeed before it ends are counted with their latency
 * (microseconds, 3 significant digits); those that fail or take over 10 s count as errors.
 */
final class ClientLoad extends WindowedLoad {

    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long PAUSE_AFTER_FAILURE_MILLIS = 10;

    private final RaftClient client;
    private final KvClient kv;
    /** Only for the 10 ms pause after a failure; completions run on the client's I/O thread. */
    private final ScheduledExecutorService pauses = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "keel-bench-pause");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean stopped;
    /** Closed loops still running: each stops at its first issue after {@link #stopAndDrain()}. */
    private final AtomicInteger running = new AtomicInteger();
    private final Object idle = new Object();

    /** A client of the servers at {@code raftAddresses} sized for {@code concurrency} requests in flight. */
    ClientLoad(Collection<String> raftAddresses, int concurrency) {
        this.client = RaftClient.builder().servers(new ArrayList<>(raftAddresses))
                .maxInFlight(Math.max(1024, 2 * concurrency)).requestTimeout(Duration.ofSeconds(10))
                .name("keel-bench").build();
        this.kv = KvClient.over(client);
    }

    /** Sends one SET and waits for its answer: true when it succeeded within the 10 s request timeout. */
    boolean probe() throws InterruptedException {
        try {
            kv.set(key(), value()).get(TIMEOUT_NANOS + TimeUnit.SECONDS.toNanos(5), TimeUnit.NANOSECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    @Override
    public void start(int concurrency) {
        running.addAndGet(concurrency);
        for (int i = 0; i < concurrency; i++) {
            issue();
        }
    }

    /** Stops issuing; waits for what is in flight (the client answers or times out every request within 10 s). */
    @Override
    public void stopAndDrain() throws InterruptedException {
        stopped = true;
        long deadline = System.nanoTime() + TIMEOUT_NANOS + TimeUnit.SECONDS.toNanos(2);
        synchronized (idle) {
            long left;
            while ((left = deadline - System.nanoTime()) > 0 && running.get() > 0) {
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
        }
    }


    private void issue() {
        if (stopped) {
            if (running.decrementAndGet() == 0) {
                synchronized (idle) {
                    idle.notifyAll();
                }
            }
            return;
        }
        long issued = System.nanoTime();
        kv.set(key(), value()).whenComplete((ok, failure) -> completed(issued, failure));
    }

    private void completed(long issued, Throwable failure) {
        long done = System.nanoTime();
        if (failure == null && done - issued <= TIMEOUT_NANOS) {
            succeeded(issued, done);
            issue();
            return;
        }
        failed(issued);
        pauses.schedule(this::issue, PAUSE_AFTER_FAILURE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** {@code key-%012d} of an index uniform in [0, 100000): 16 ASCII bytes. */
    private static byte[] key() {
        int n = ThreadLocalRandom.current().nextInt(100_000);
        byte[] key = {'k', 'e', 'y', '-', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
        for (int i = key.length - 1; n > 0; i--, n /= 10) {
            key[i] = (byte) ('0' + n % 10);
        }
        return key;
    }

    /** 100 fresh random bytes. */
    private static byte[] value() {
        byte[] value = new byte[100];
        ThreadLocalRandom.current().nextBytes(value);
        return value;
    }

    @Override
    public void close() {
        stopped = true;
        client.close();
        pauses.shutdownNow();
    }
}
