package io.keelraft.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CommandParserTest {

    private final CommandParser parser = new CommandParser(KvLimits.of(16));

    private Request parse(String... words) {
        byte[][] argv = new byte[words.length][];
        for (int i = 0; i < words.length; i++) {
            argv[i] = words[i].getBytes(StandardCharsets.UTF_8);
        }
        return parser.parse(argv);
    }

    private String error(String... words) {
        Request r = parse(words);
        assertThat(r).as(String.join(" ", words)).isInstanceOf(Request.Immediate.class);
        return ((Reply.Error) ((Request.Immediate) r).reply()).message();
    }

    private KvOp write(String... words) {
        Request r = parse(words);
        assertThat(r).as(String.join(" ", words)).isInstanceOf(Request.Write.class);
        return ((Request.Write) r).op();
    }

    @Test
    void unknownCommandsAndWrongArityAreRefusedAsRedisDoes() {
        assertThat(error("FOO", "bar")).isEqualTo("ERR unknown command 'FOO'");
        assertThat(error("get")).isEqualTo("ERR wrong number of arguments for 'get' command");
        assertThat(error("GET", "a", "b")).isEqualTo("ERR wrong number of arguments for 'get' command");
        assertThat(error("set", "k")).isEqualTo("ERR wrong number of arguments for 'set' command");
        assertThat(error("MSET", "a", "1", "b")).isEqualTo("ERR wrong number of arguments for 'mset' command");
        assertThat(error("CAS", "k", "v")).isEqualTo("ERR wrong number of arguments for 'cas' command");
        assertThat(error("DEL")).isEqualTo("ERR wrong number of arguments for 'del' command");
        assertThat(error("RAFT.INFO", "x")).isEqualTo("ERR wrong number of arguments for 'raft.info' command");
    }

    @Test
    void namesAndOptionsAreCaseInsensitive() {
        assertThat(write("set", "k", "v", "nx").op()).isEqualTo(Op.SET_NX);
        assertThat(write("SeT", "k", "v", "XX").op()).isEqualTo(Op.SET_XX);
        assertThat(write("SET", "k", "v").op()).isEqualTo(Op.SET);
        assertThat(parse("get", "k")).isEqualTo(new Request.Read(new KvOp(Op.GET, "k".getBytes(StandardCharsets.UTF_8))));
        assertThat(parse("ping")).isInstanceOf(Request.Local.class);
    }

    @Test
    void setOptionsAreChecked() {
        assertThat(error("SET", "k", "v", "NX", "XX")).isEqualTo("ERR syntax error");
        assertThat(error("SET", "k", "v", "bogus")).isEqualTo("ERR syntax error");
        assertThat(error("SET", "k", "v", "EX", "10")).contains("'EX' is not supported");
    }

    @Test
    void countersTakeIntegersOnly() {
        KvOp incr = write("INCR", "n");
        assertThat(ByteBuffer.wrap(incr.args()[1]).getLong()).isEqualTo(1);
        assertThat(ByteBuffer.wrap(write("DECRBY", "n", "5").args()[1]).getLong()).isEqualTo(-5);
        assertThat(error("INCRBY", "n", "x")).isEqualTo(KvStateMachine.NOT_AN_INTEGER);
        assertThat(error("INCRBY", "n", "99999999999999999999")).isEqualTo(KvStateMachine.NOT_AN_INTEGER);
        assertThat(error("DECRBY", "n", Long.toString(Long.MIN_VALUE))).isEqualTo("ERR decrement would overflow");
    }

    @Test
    void oversizedKeysAndValuesNeverReachTheLog() {
        String big = "x".repeat(17);
        assertThat(error("SET", "k", big)).isEqualTo("ERR value exceeds max size 16");
        assertThat(error("SET", big, "v")).isEqualTo("ERR key exceeds max size 16");
        assertThat(error("MSET", "a", "1", "b", big)).isEqualTo("ERR value exceeds max size 16");
        assertThat(error("CAS", "k", "v", big)).isEqualTo("ERR value exceeds max size 16");
        assertThat(error("GET", big)).isEqualTo("ERR key exceeds max size 16");
        assertThat(write("SET", "k", "x".repeat(16)).args()[1]).hasSize(16);
    }

    @Test
    void theDefaultValueLimitIsOneMebibyte() {
        assertThat(KvLimits.defaults().maxValueBytes()).isEqualTo(1048576);
    }
}
