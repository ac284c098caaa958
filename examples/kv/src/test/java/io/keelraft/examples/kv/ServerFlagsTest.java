package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerFlagsTest {

    private static final String MEMBERS = "n1=127.0.0.1:7101,n2=127.0.0.2:7102,n3=127.0.0.3:7103";

    private static ServerFlags parse(String... args) {
        return ServerFlags.parse(args);
    }

    private static void refused(String expected, String... args) {
        assertThatThrownBy(() -> parse(args)).isInstanceOf(ServerFlags.UsageException.class)
                .hasMessageContaining(expected);
    }

    @Test
    void theDocumentedCommandLineParses() {
        ServerFlags f = parse("--id", "n1", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:6401", "--data", "d",
                "--members", MEMBERS);
        assertThat(f.id()).isEqualTo("n1");
        assertThat(f.raft()).isEqualTo(new ServerFlags.HostPort("127.0.0.1", 7101));
        assertThat(f.resp()).isEqualTo(new ServerFlags.HostPort("127.0.0.1", 6401));
        assertThat(f.data()).isEqualTo(Path.of("d"));
        assertThat(f.members()).containsExactly(Map.entry("n1", "127.0.0.1:7101"), Map.entry("n2", "127.0.0.2:7102"),
                Map.entry("n3", "127.0.0.3:7103"));
        assertThat(f.clusterId()).isNull();
        assertThat(f.maxValueBytes()).isEqualTo(1048576);
        assertThat(parse("--id=n1", "--raft=127.0.0.1:7101", "--resp=127.0.0.1:0", "--data=d", "--members=" + MEMBERS,
                "--cluster-id", "c").clusterId()).isEqualTo("c");
        assertThat(f.forceNewConfiguration()).isNull();
        assertThat(parse("--id", "n1", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:6401", "--data", "d",
                "--members", MEMBERS, "--force-new-configuration", "n1=127.0.0.1:7101").forceNewConfiguration())
                .containsExactly(Map.entry("n1", "127.0.0.1:7101"));
    }

    @Test
    void badCommandLinesAreNamed() {
        String[] ok = {"--id", "n1", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:6401", "--data", "d",
            "--members", MEMBERS};
        refused("unknown flag --bogus", "--bogus", "1");
        refused("--id is required", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:6401", "--data", "d",
                "--members", MEMBERS);
        refused("--data needs a value", "--id", "n1", "--data");
        refused("--id given twice", "--id", "n1", "--id", "n2");
        refused("expected HOST:PORT", "--id", "n1", "--raft", "7101", "--resp", "127.0.0.1:6401", "--data", "d",
                "--members", MEMBERS);
        refused("port must be in 0..65535", "--id", "n1", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:70000",
                "--data", "d", "--members", MEMBERS);
        refused("--id n9 is not one of --members", "--id", "n9", "--raft", "127.0.0.1:7101", "--resp",
                "127.0.0.1:6401", "--data", "d", "--members", MEMBERS);
        refused("differs from n1=127.0.0.1:7101", "--id", "n1", "--raft", "127.0.0.1:7999", "--resp",
                "127.0.0.1:6401", "--data", "d", "--members", MEMBERS);
        refused("names n1 twice", "--id", "n1", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:6401", "--data",
                "d", "--members", MEMBERS + ",n1=127.0.0.1:7104");
        refused("unexpected argument 'stray'", "stray");
        assertThat(parse(ok).id()).isEqualTo("n1");
    }

    @Test
    void joinNeedsNoOwnEntryInMembers() {
        ServerFlags f = parse("--id", "n4", "--raft", "127.0.0.1:7104", "--resp", "127.0.0.1:6404", "--data", "d",
                "--join", "--members", MEMBERS);
        assertThat(f.join()).isTrue();
        assertThat(f.members()).containsEntry("n4", "127.0.0.1:7104").containsEntry("n1", "127.0.0.1:7101");
        assertThat(parse("--id", "n1", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:6401", "--data", "d",
                "--members", MEMBERS).join()).isFalse();
        // Listed with another address: refused as without --join.
        refused("differs from n1=127.0.0.1:7101", "--join", "--id", "n1", "--raft", "127.0.0.1:7999", "--resp",
                "127.0.0.1:6401", "--data", "d", "--members", MEMBERS);
        refused("--join given twice", "--join", "--join");
        refused("--join takes no value", "--join=yes");
    }

    @Test
    void clientLimitsDefaultToRedisAndAreChecked() {
        String[] base = {"--id", "n1", "--raft", "127.0.0.1:7101", "--resp", "127.0.0.1:6401", "--data", "d",
            "--members", MEMBERS};
        ServerFlags defaults = parse(base);
        assertThat(defaults.maxClients()).isEqualTo(10_000);
        assertThat(defaults.clientIdleTimeout()).isEqualTo(java.time.Duration.ZERO);
        ServerFlags set = parse(concat(base, "--max-clients", "50", "--client-idle-timeout", "300"));
        assertThat(set.maxClients()).isEqualTo(50);
        assertThat(set.clientIdleTimeout()).isEqualTo(java.time.Duration.ofMinutes(5));
        refused("--max-clients 0: expected a number of connections in 1..1000000", concat(base, "--max-clients", "0"));
        refused("--max-clients many: expected", concat(base, "--max-clients", "many"));
        refused("--client-idle-timeout -1: expected a number of seconds", concat(base, "--client-idle-timeout", "-1"));
    }

    private static String[] concat(String[] a, String... b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b))
                .toArray(String[]::new);
    }

    @Test
    void helpIsRecognisedAndDocumentsEveryFlag() {
        assertThat(ServerFlags.wantsHelp(new String[] {"--id", "x", "--help"})).isTrue();
        for (String flag : new String[] {"--id", "--raft", "--resp", "--data", "--members", "--cluster-id",
            "--max-value-bytes", "--max-clients", "--client-idle-timeout", "--join", "--help"}) {
            assertThat(ServerFlags.USAGE).contains(flag);
        }
    }
}
