package io.keelraft.core.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

class RateLimitedLogTest {

    /** What reached the logger: level and format, DEBUG included. */
    private final List<String> lines = new ArrayList<>();
    private final List<Object[]> arguments = new ArrayList<>();
    private final Logger logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(),
            new Class<?>[] {Logger.class}, (proxy, method, args) -> {
                if (method.getName().startsWith("is")) {
                    return true;
                }
                if (method.getName().equals("getName")) {
                    return "test";
                }
                if (args != null && args[0] instanceof String format) {
                    lines.add(method.getName() + " " + format);
                    arguments.add(args.length > 1 && args[1] instanceof Object[] all ? all
                            : java.util.Arrays.copyOfRange(args, 1, args.length));
                }
                return null;
            });
    private final AtomicLong now = new AtomicLong();
    private final RateLimitedLog log = new RateLimitedLog(logger, Duration.ofSeconds(10), now::get);

    @Test
    void repeatsWithinTheIntervalGoToDebugAndAreCountedInTheNextLine() {
        assertThat(log.info("n2", "failed {}", 1)).isTrue();
        for (int i = 0; i < 1000; i++) {
            now.addAndGet(1_000_000); // 1 ms apart
            assertThat(log.info("n2", "failed {}", i)).isFalse();
        }
        now.set(Duration.ofSeconds(10).toNanos());
        assertThat(log.info("n2", "failed {}", 2)).isTrue();
        assertThat(lines.stream().filter(l -> l.startsWith("info"))).containsExactly("info failed {}",
                "info failed {} (1000 more like it in the last 9999 ms, logged at DEBUG only)");
        assertThat(lines.stream().filter(l -> l.startsWith("debug"))).hasSize(1000);
    }

    @Test
    void keysHaveTheirOwnWindowsAndResetStartsAfresh() {
        assertThat(log.warn("n2", "x")).isTrue();
        assertThat(log.warn("n3", "x")).isTrue();
        assertThat(log.warn("n2", "x")).isFalse();
        log.reset("n2");
        assertThat(log.warn("n2", "x")).isTrue();
        assertThat(lines).containsExactly("warn x", "warn x", "debug x", "warn x");
    }

    @Test
    void warnAboutShowsAnIoExceptionByItsMessageAndABugWithItsStackTrace() {
        java.io.IOException reset = new java.io.IOException("Connection reset by peer");
        assertThat(log.warnAbout("dropped", reset, "closing {}", "a")).isTrue();
        assertThat(log.warnAbout("dropped", reset, "closing {}", "b")).isFalse();
        assertThat(lines.get(0)).isEqualTo("warn closing {}: {}");
        assertThat(arguments.get(0)).containsExactly("a", reset.toString());

        IllegalStateException bug = new IllegalStateException("a bug");
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        assertThat(log.warnAbout("dropped", bug, "closing {}", "c")).isTrue();
        assertThat(lines.get(2)).startsWith("warn closing {}: {} (1 more like it");
        assertThat(arguments.get(2)).containsExactly("c", bug.toString(), bug);
    }
}
