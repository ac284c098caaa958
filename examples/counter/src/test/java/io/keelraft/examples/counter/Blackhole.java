package io.keelraft.examples.counter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Blackhole partitions between servers on loopback aliases, with iptables rules in a chain of this JVM's own
 * ({@code KEEL-LV-<pid>}) that INPUT jumps to. INPUT, not OUTPUT: a packet dropped on OUTPUT fails the sender's
 * write with EPERM, so TCP notices at once; dropped on INPUT it simply vanishes, as on a real network, and the
 * sender's TCP retransmits with exponential backoff — the stall this exists to reproduce. Each rule names the two
 * servers' addresses and raft ports, so nothing else on the machine is touched. The chain is removed by
 * {@link #close} and, should the JVM end first, by a shutdown hook: no rule outlives the test.
 */
final class Blackhole implements AutoCloseable {

    /** A server's raft address. */
    record Server(String host, int port) {
    }

    private final String chain = "KEEL-LV-" + ProcessHandle.current().pid();
    private final Thread hook = new Thread(this::removeQuietly, "blackhole-cleanup");
    private boolean installed;

    /** Null when iptables can be used here (root, the command runs), else why not. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "iptables partitions need root; running as " + System.getProperty("user.name");
        }
        try {
            return run("iptables", "-w", "-S", "INPUT") == 0 ? null : "iptables -S INPUT failed";
        } catch (UncheckedIOException e) {
            return "no iptables (apt-get install -y iptables): " + e.getCause().getMessage();
        }
    }

    /** Creates the chain and the jump to it. */
    synchronized void install() {
        Runtime.getRuntime().addShutdownHook(hook);
        removeQuietly(); // a chain left by an earlier JVM with the same pid
        check("-N", chain);
        installed = true;
        check("-I", "INPUT", "1", "-j", chain);
    }

    /** Drops every raft packet {@code from} sends to {@code to} (one direction). */
    synchronized void drop(Server from, Server to) {
        check("-A", chain, "-s", from.host() + "/32", "-d", to.host() + "/32", "-p", "tcp", "-m", "multiport",
                "--ports", from.port() + "," + to.port(), "-j", "DROP");
    }

    /** Removes every rule: the network is whole again. */
    synchronized void heal() {
        if (installed) {
            check("-F", chain);
        }
    }

    /** The chain's rules, for assertions that nothing is left. */
    static String ruleset() {
        return output("iptables", "-w", "-S");
    }

    String chain() {
        return chain;
    }

    @Override
    public synchronized void close() {
        removeQuietly();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void removeQuietly() {
        while (run("iptables", "-w", "-D", "INPUT", "-j", chain) == 0) {
            // a jump may have been inserted twice
        }
        run("iptables", "-w", "-F", chain);
        run("iptables", "-w", "-X", chain);
        installed = false;
    }

    private static void check(String... args) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w"));
        command.addAll(List.of(args));
        if (run(command.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", command));
        }
    }

    private static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String output(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
