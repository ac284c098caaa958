package io.keelraft.transport.netty;

import io.netty.util.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keel's transport is built on Netty 4.2's APIs (the {@code IoHandler} event loops, {@code netty-codec-base}). An
 * application whose dependency tree resolves an older Netty (4.1 is still common) would otherwise start and then
 * fail deep inside Netty with a {@link NoClassDefFoundError} or {@link NoSuchMethodError} on the first connection;
 * this check fails the start instead, naming the versions found. It uses only {@link Version}, which every Netty 4
 * has, so it runs before any 4.2 class is needed.
 */
final class NettyVersionCheck {

    /** The Netty modules this transport uses. */
    static final List<String> MODULES = List.of("netty-common", "netty-buffer", "netty-transport", "netty-codec-base",
            "netty-handler", "netty-transport-classes-epoll");

    private static volatile boolean passed;

    private NettyVersionCheck() {
    }

    /** Checks the Netty on the classpath once per class loader. */
    static void check() {
        if (passed) {
            return;
        }
        Map<String, String> found = new TreeMap<>();
        Version.identify().forEach((module, version) -> found.put(module, version.artifactVersion()));
        String problem = problem(found);
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        passed = true;
    }

    /**
     * What is wrong with the Netty modules {@code found} (module to version), or null when none that Keel uses is
     * listed at a version older than 4.2.
     */
    static String problem(Map<String, String> found) {
        List<String> wrong = new ArrayList<>();
        for (String module : MODULES) {
            String version = found.get(module);
            // A module not listed is no evidence: a jar that merged every Netty jar (shaded, "fat") may keep only one
            // of their version files. A module listed at an older version is.
            if (version != null && !atLeast42(version)) {
                wrong.add(module + " " + version);
            }
        }
        if (wrong.isEmpty()) {
            return null;
        }
        return "Keel's transport needs Netty 4.2 or later; the classpath has " + String.join(", ", wrong)
                + " (all Netty modules found: " + found + "). Import io.netty:netty-bom 4.2.x, or io.keelraft:keel-bom,"
                + " in dependencyManagement so that every Netty module resolves to one 4.2 version";
    }

    private static boolean atLeast42(String version) {
        String[] parts = version.split("[.-]");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return major > 4 || (major == 4 && minor >= 2);
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
