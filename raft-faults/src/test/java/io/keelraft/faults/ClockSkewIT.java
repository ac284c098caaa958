package io.keelraft.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The clock nemesis skews what Raft measures: a JVM started with {@link ClockSkew#env} sees its monotonic clock
 * ({@code System.nanoTime}) run at the rate asked, and its scheduled tasks fire at its own clock's times. Without
 * the monotonic clock, a skew would change nothing the Raft tick or the lease measure.
 */
class ClockSkewIT {

    @BeforeAll
    static void needsFaketime() {
        assumeTrue(ClockSkew.unavailable() == null, "the clock nemesis needs libfaketime (apt-get install -y faketime)");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 2.0})
    void aSkewedJvmMeasuresTimeAtTheSkewedRate(double rate) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), ClockRateProbe.class.getName()))
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().putAll(ClockSkew.env(rate));
        Process p = builder.start();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter out = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8)) {
            out.println("now");
            in.readLine(); // the first answer waits for the JVM to start: not part of the interval
            long real0 = System.nanoTime();
            out.println("now");
            long skewed0 = Long.parseLong(in.readLine());
            real0 = (real0 + System.nanoTime()) / 2; // the child read its clock about half way
            Poll.pause(Duration.ofMillis(1_500)); // a planned interval of real time, not a wait for a state
            long real1 = System.nanoTime();
            out.println("now");
            long skewed1 = Long.parseLong(in.readLine());
            real1 = (real1 + System.nanoTime()) / 2;
            double measured = (double) (skewed1 - skewed0) / (real1 - real0);
            assertThat(measured).as("nanoTime rate under x%s", rate).isBetween(rate * 0.85, rate * 1.15);

            long before = System.nanoTime();
            out.println("wait 1000");
            assertThat(in.readLine()).isEqualTo("done");
            double realMillis = (System.nanoTime() - before) / 1e6;
            assertThat(realMillis).as("a 1000 ms task under x%s", rate).isBetween(1000 / rate * 0.85,
                    1000 / rate * 1.15 + 100);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
