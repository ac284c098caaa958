package io.keelraft.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitedLoggerTest {

    private final List<String> warnings = new ArrayList<>();
    private final List<Throwable> stackTraces = new ArrayList<>();
    private final List<String> debug = new ArrayList<>();
    private long now = 1_000;

    private final RateLimitedLogger log = new RateLimitedLogger(new RateLimitedLogger.Sink() {
        @Override
        public void warn(String line, Throwable stackTrace) {
            warnings.add(line);
            stackTraces.add(stackTrace);
        }

        @Override
        public void debug(String line) {
            debug.add(line);
        }
    }, Duration.ofSeconds(10), () -> now);

    @Test
    void oneLinePerIntervalCountingTheRest() {
        IOException reset = new IOException("Connection reset by peer");
        assertThat(log.warn(reset, "client {} dropped mid-command", "a")).isTrue();
        for (int i = 0; i < 500; i++) {
            now += 1_000_000; // 1 ms
            assertThat(log.warn(reset, "client {} dropped mid-command", "b" + i)).isFalse();
        }
        now += 10_000_000_000L;
        assertThat(log.warn(reset, "client {} dropped mid-command", "c")).isTrue();

        assertThat(warnings).containsExactly(
                "client a dropped mid-command: java.io.IOException: Connection reset by peer",
                "client c dropped mid-command: java.io.IOException: Connection reset by peer (and 500 more like it"
                        + " since the last such line, logged at DEBUG)");
        assertThat(debug).hasSize(500);
        assertThat(stackTraces).containsOnlyNulls();
    }

    @Test
    void aStackTraceOnlyForWhatIsNotAnIoException() {
        IllegalStateException bug = new IllegalStateException("a bug");
        log.warn(bug, "closing {}", "a");
        now += 20_000_000_000L;
        log.warn(new IOException("Broken pipe"), "closing {}", "b");
        now += 20_000_000_000L;
        log.warn(null, "closing {}", "c");
        assertThat(stackTraces).containsExactly(bug, null, null);
        assertThat(warnings.get(2)).isEqualTo("closing c");
    }
}
