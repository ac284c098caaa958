package io.keelraft.faults;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Run by {@link ClockSkewIT} under libfaketime: for each line {@code now} on stdin it prints its
 * {@code System.nanoTime()}; for {@code wait N} it prints {@code done} once a task scheduled N ms ahead by its own
 * clock ran (the Raft tick is such a task).
 */
public final class ClockRateProbe {

    private ClockRateProbe() {
    }

    public static void main(String[] args) throws Exception {
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.equals("now")) {
                System.out.println(System.nanoTime());
            } else if (line.startsWith("wait ")) {
                scheduler.schedule(() -> { }, Long.parseLong(line.substring(5)), TimeUnit.MILLISECONDS).get();
                System.out.println("done");
            }
            System.out.flush();
        }
        scheduler.shutdown();
    }
}
