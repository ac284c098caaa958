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
}
