package io.keelraft.examples.kv;

import io.keelraft.core.NodeStatus;
import io.keelraft.core.RaftNode;
import io.keelraft.core.ClusterConfiguration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Commands one server answers by itself: the connection handshake commands redis-cli and redis-benchmark send
 * (HELLO, CLIENT, CONFIG GET, COMMAND), PING/ECHO/SELECT/INFO, and the admin command RAFT.INFO. Membership,
 * leadership transfer and snapshots come with the capabilities they need.
 */
final class LocalCommands {

    /** What one connection told the server about itself. */
    static final class Client {
        final long id;
        String name;

        Client(long id) {
            this.id = id;
        }
    }

    private static final String REDIS_VERSION = "7.0.0";

    private final RaftNode node;
    private final Map<String, String> members;
    /** Null when not counted (tests). */
    private final ClientSlots clients;

    LocalCommands(RaftNode node, Map<String, String> members) {
        this(node, members, null);
    }

    LocalCommands(RaftNode node, Map<String, String> members, ClientSlots clients) {
        this.node = node;
        this.members = members;
        this.clients = clients;
    }

    /** The reply to {@code request}; most are ready at once, RAFT.INFO and INFO once the raft loop answered. */
    CompletableFuture<Reply> answer(Request.Local request, Client client) {
        byte[][] args = request.args();
        switch (request.name()) {
            case "PING":
                if (args.length > 1) {
                    return done(Reply.error("ERR wrong number of arguments for 'ping' command"));
                }
                return done(args.length == 0 ? new Reply.Simple("PONG") : new Reply.Bulk(args[0]));
            case "ECHO":
                return done(new Reply.Bulk(args[0]));
            case "SELECT":
                return done("0".equals(text(args[0])) ? Reply.OK : Reply.error("ERR DB index is out of range"));
            case "QUIT":
                return done(Reply.OK);
            case "HELLO":
                return done(hello(args, client));
            case "CLIENT":
                return done(client(args, client));
            case "CONFIG":
                return done(config(args));
            case "COMMAND":
                return done(command(args));
            case "INFO":
                return node.status().thenApply(s -> new Reply.Bulk(("# Server\r\nredis_version:" + REDIS_VERSION
                        + "\r\nredis_mode:standalone\r\nserver_name:keel-kv\r\n\r\n" + clientsSection()
                        + "# Raft\r\n"
                        + String.join("\r\n", raftInfo(s)) + "\r\n").getBytes(StandardCharsets.UTF_8)));
            case "RAFT.INFO":
                return node.status().thenApply(s -> new Reply.Multi(raftInfo(s).stream()
                        .map(Reply::bulk).collect(Collectors.toList())));
            case "RAFT.ADD":
                // RAFT.ADD id host:port — on the leader: adds the server as a learner, promotes it to voter once
                // it has caught up (thesis §4.2.1); answers once the new configuration is committed.
                return node.addVoter(text(args[0]), text(args[1])).thenApply(c -> Reply.OK);
            case "RAFT.REMOVE":
                // RAFT.REMOVE id — on the leader (which may remove itself: it steps down once that is committed).
                return node.removeServer(text(args[0])).thenApply(c -> Reply.OK);
            case "RAFT.TRANSFER":
                // RAFT.TRANSFER id — on the leader: hands leadership to a caught-up voter (thesis §3.10).
                return node.transferLeadership(text(args[0])).thenApply(v -> Reply.OK);
            case "RAFT.SNAPSHOT":
                // Takes a snapshot of this server now (thesis chapter 5) and compacts its log behind it; answers
                // once the snapshot is durable, with what it covers.
                return node.snapshot().thenApply(meta -> Reply.bulk("snapshot index " + meta.index() + " term "
                        + meta.term()));
            default:
                return done(Reply.error("ERR unknown command '" + request.name() + "'"));
        }
    }

    /** RAFT.INFO's fields, one {@code name:value} each. */
    List<String> raftInfo(NodeStatus s) {
        List<String> lines = new ArrayList<>();
        lines.add("id:" + s.id());
        lines.add("role:" + s.role().name().toLowerCase(Locale.ROOT));
        lines.add("term:" + s.term());
        lines.add("leader:" + (s.leaderId() == null ? "" : s.leaderId()));
        lines.add("commitIndex:" + s.commitIndex());
        lines.add("lastApplied:" + s.lastApplied());
        lines.add("lastIndex:" + s.lastIndex());
        // Recorded in the data directory; empty until the first entry of a new cluster commits (ServerIdentity).
        lines.add("clusterId:" + (s.clusterId() == null ? "" : s.clusterId()));
        lines.add("storage:" + (s.storageProblem() == null ? "ok" : "failing: " + s.storageProblem()));
        // The configuration in force on this server (the latest in its log, thesis §4.1), not the command line.
        ClusterConfiguration c = s.configuration();
        lines.add("members:" + c.members().stream().sorted().map(id -> id + "=" + address(c, id))
                .collect(Collectors.joining(",")));
        lines.add("roles:" + c.members().stream().sorted().map(id -> id + "=" + memberRole(c, id))
                .collect(Collectors.joining(",")));
        lines.add("configuration:" + (c.members().isEmpty() ? "none (waiting to be added)"
                : c.isJoint() ? "joint" : "stable"));
        if (!s.matchIndexes().isEmpty()) {
            lines.add("matchIndex:" + s.matchIndexes().entrySet().stream()
                    .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(",")));
        }
        if (clients != null) {
            lines.add("connected_clients:" + clients.connected());
            lines.add("rejected_clients:" + clients.rejected());
            lines.add("max_clients:" + clients.max());
        }
        return lines;
    }

    /** INFO's {@code # Clients} section, with Redis' field names (rejected_connections is in Redis' Stats). */
    private String clientsSection() {
        if (clients == null) {
            return "";
        }
        return "# Clients\r\nconnected_clients:" + clients.connected() + "\r\nmaxclients:" + clients.max()
                + "\r\nrejected_connections:" + clients.rejected() + "\r\n\r\n";
    }

    /** Where {@code id} listens: from the configuration, else from the command line, else {@code ?}. */
    private String address(ClusterConfiguration c, String id) {
        String a = c.addresses().get(id);
        if (a == null) {
            a = members.get(id);
        }
        return a == null ? "?" : a;
    }

    /**
     * {@code voter}, {@code learner}, or {@code outgoing} for a voter of the old configuration only, during a joint
     * change (thesis §4.3); a voter of the new one only is a {@code voter}.
     */
    static String memberRole(ClusterConfiguration c, String id) {
        if (c.voters().contains(id)) {
            return "voter";
        }
        if (c.outgoingVoters().contains(id)) {
            return "outgoing";
        }
        return "learner";
    }

    private Reply hello(byte[][] args, Client client) {
        if (args.length > 0) {
            String version = text(args[0]);
            if (!version.equals("2")) {
                return Reply.error("NOPROTO sorry, this protocol version is not supported (only RESP2)");
            }
            for (int i = 1; i < args.length; i++) {
                String option = text(args[i]).toUpperCase(Locale.ROOT);
                if (option.equals("SETNAME") && i + 1 < args.length) {
                    client.name = text(args[++i]);
                } else if (option.equals("AUTH") && i + 2 < args.length) {
                    i += 2; // no users here: any credentials are fine
                } else {
                    return Reply.error("ERR Syntax error in HELLO option '" + CommandParser.printable(option) + "'");
                }
            }
        }
        return new Reply.Multi(List.of(Reply.bulk("server"), Reply.bulk("redis"), Reply.bulk("version"),
                Reply.bulk(REDIS_VERSION), Reply.bulk("proto"), new Reply.Int(2), Reply.bulk("id"),
                new Reply.Int(client.id), Reply.bulk("mode"), Reply.bulk("standalone"), Reply.bulk("role"),
                Reply.bulk(node.role().name().equals("LEADER") ? "master" : "replica"), Reply.bulk("modules"),
                new Reply.Multi(List.of())));
    }

    private Reply client(byte[][] args, Client client) {
        String sub = text(args[0]).toUpperCase(Locale.ROOT);
        switch (sub) {
            case "SETNAME":
                if (args.length != 2) {
                    return Reply.error("ERR wrong number of arguments for 'client|setname' command");
                }
                client.name = text(args[1]);
                return Reply.OK;
            case "GETNAME":
                return client.name == null ? Reply.NIL : Reply.bulk(client.name);
            case "ID":
                return new Reply.Int(client.id);
            case "SETINFO":
            case "REPLY":
            case "NO-EVICT":
            case "NO-TOUCH":
                return Reply.OK;
            case "INFO":
            case "LIST":
                return Reply.bulk("id=" + client.id + " name=" + (client.name == null ? "" : client.name) + " db=0\n");
            default:
                return Reply.error("ERR unknown subcommand '" + CommandParser.printable(sub) + "'. Try CLIENT HELP.");
        }
    }

    /**
     * Nothing here is configurable over the protocol: CONFIG GET answers with an empty array, except for the two
     * parameters redis-benchmark reads at start ({@code save}, {@code appendonly}; it warns unless both come back),
     * which get the values closest to the truth: no RDB snapshots, and no append-only file in Redis's sense.
     */
    private static Reply config(byte[][] args) {
        String sub = text(args[0]).toUpperCase(Locale.ROOT);
        if (sub.equals("GET")) {
            if (args.length < 2) {
                return Reply.error("ERR wrong number of arguments for 'config|get' command");
            }
            List<Reply> pairs = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                String name = text(args[i]).toLowerCase(Locale.ROOT);
                if (name.equals("save")) {
                    pairs.addAll(List.of(Reply.bulk("save"), Reply.bulk("")));
                } else if (name.equals("appendonly")) {
                    pairs.addAll(List.of(Reply.bulk("appendonly"), Reply.bulk("no")));
                }
            }
            return new Reply.Multi(pairs);
        }
        if (sub.equals("SET") || sub.equals("RESETSTAT") || sub.equals("REWRITE")) {
            return Reply.error("ERR CONFIG " + sub + " is not supported by keel-kv");
        }
        return Reply.error("ERR unknown subcommand '" + CommandParser.printable(sub) + "'. Try CONFIG HELP.");
    }

    private static Reply command(byte[][] args) {
        if (args.length > 0 && text(args[0]).equalsIgnoreCase("COUNT")) {
            return new Reply.Int(CommandParser.ARITY.size());
        }
        return new Reply.Multi(List.of()); // COMMAND, COMMAND DOCS, COMMAND INFO: no command table to offer
    }

    private static CompletableFuture<Reply> done(Reply reply) {
        return CompletableFuture.completedFuture(reply);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
