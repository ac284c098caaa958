package io.keelraft.examples.kv;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Turns one RESP command (its arguments as bytes) into a {@link Request}, checking the name, the arity the way
 * Redis reports it, option syntax, numbers and sizes. Nothing invalid reaches the log.
 */
final class CommandParser {

    /** Redis-style arity: n exactly n arguments including the name; -n at least n. */
    static final Map<String, Integer> ARITY = Map.ofEntries(
            Map.entry("GET", 2), Map.entry("SET", -3), Map.entry("DEL", -2), Map.entry("EXISTS", -2),
            Map.entry("INCR", 2), Map.entry("INCRBY", 3), Map.entry("DECR", 2), Map.entry("DECRBY", 3),
            Map.entry("MGET", -2), Map.entry("MSET", -3), Map.entry("CAS", 4), Map.entry("DBSIZE", 1),
            Map.entry("PING", -1), Map.entry("ECHO", 2), Map.entry("QUIT", -1), Map.entry("SELECT", 2),
            Map.entry("CONFIG", -2), Map.entry("COMMAND", -1), Map.entry("HELLO", -1), Map.entry("CLIENT", -2),
            Map.entry("INFO", -1), Map.entry("RAFT.INFO", 1), Map.entry("RAFT.ADD", 3), Map.entry("RAFT.REMOVE", 2),
            Map.entry("RAFT.TRANSFER", 2), Map.entry("RAFT.SNAPSHOT", 1));

    private static final IntPredicate ALL_KEYS = i -> true;
    private static final IntPredicate FIRST_IS_KEY = i -> i == 0;

    private final KvLimits limits;

    CommandParser(KvLimits limits) {
        this.limits = limits;
    }

    /** The request for {@code argv} (name first), never null; {@code argv} must not be empty. */
    Request parse(byte[][] argv) {
        String given = new String(argv[0], StandardCharsets.UTF_8);
        String name = given.toUpperCase(Locale.ROOT);
        Integer arity = ARITY.get(name);
        if (arity == null) {
            return error("ERR unknown command '" + printable(given) + "'");
        }
        if (arity >= 0 ? argv.length != arity : argv.length < -arity) {
            return error("ERR wrong number of arguments for '" + name.toLowerCase(Locale.ROOT) + "' command");
        }
        byte[][] args = Arrays.copyOfRange(argv, 1, argv.length);
        switch (name) {
            case "GET":
                return checked(new Request.Read(new KvOp(Op.GET, args)), args, ALL_KEYS);
            case "MGET":
                return checked(new Request.Read(new KvOp(Op.MGET, args)), args, ALL_KEYS);
            case "EXISTS":
                return checked(new Request.Read(new KvOp(Op.EXISTS, args)), args, ALL_KEYS);
            case "DBSIZE":
                return new Request.Read(new KvOp(Op.DBSIZE));
            case "SET":
                return set(args);
            case "DEL":
                return checked(new Request.Write(new KvOp(Op.DEL, args)), args, ALL_KEYS);
            case "INCR":
                return incrBy(args[0], 1);
            case "DECR":
                return incrBy(args[0], -1);
            case "INCRBY":
            case "DECRBY": {
                Long delta = KvStateMachine.parseLong(args[1]);
                if (delta == null) {
                    return error(KvStateMachine.NOT_AN_INTEGER);
                }
                if (name.equals("DECRBY")) {
                    if (delta == Long.MIN_VALUE) {
                        return error("ERR decrement would overflow");
                    }
                    delta = -delta;
                }
                return incrBy(args[0], delta);
            }
            case "MSET":
                if (args.length % 2 != 0) {
                    return error("ERR wrong number of arguments for 'mset' command");
                }
                return checked(new Request.Write(new KvOp(Op.MSET, args)), args, i -> i % 2 == 0);
            case "CAS":
                return checked(new Request.Write(new KvOp(Op.CAS, args)), args, FIRST_IS_KEY);
            default:
                return new Request.Local(name, args);
        }
    }

    private Request set(byte[][] args) {
        Op op = Op.SET;
        for (int i = 2; i < args.length; i++) {
            String option = new String(args[i], StandardCharsets.UTF_8).toUpperCase(Locale.ROOT);
            switch (option) {
                case "NX":
                case "XX":
                    if (op != Op.SET) {
                        return error("ERR syntax error");
                    }
                    op = option.equals("NX") ? Op.SET_NX : Op.SET_XX;
                    break;
                case "EX":
                case "PX":
                case "EXAT":
                case "PXAT":
                case "KEEPTTL":
                case "GET":
                    return error("ERR SET option '" + option + "' is not supported by keel-kv");
                default:
                    return error("ERR syntax error");
            }
        }
        byte[][] keyValue = {args[0], args[1]};
        return checked(new Request.Write(new KvOp(op, keyValue)), keyValue, FIRST_IS_KEY);
    }

    private Request incrBy(byte[] key, long delta) {
        byte[][] args = {key, ByteBuffer.allocate(8).putLong(delta).array()};
        return checked(new Request.Write(new KvOp(Op.INCRBY, args)), new byte[][] {key}, ALL_KEYS);
    }

    /** The request, unless an argument is too large; {@code isKey} tells keys (by position) from values. */
    private Request checked(Request ok, byte[][] args, IntPredicate isKey) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].length > limits.maxValueBytes()) {
                return error("ERR " + (isKey.test(i) ? "key" : "value") + " exceeds max size " + limits.maxValueBytes());
            }
        }
        return ok;
    }

    private static Request error(String message) {
        return new Request.Immediate(Reply.error(message));
    }

    /** The command name as given, cut short and without control characters, for an error message. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 128; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f ? ' ' : c);
        }
        return b.toString();
    }
}
