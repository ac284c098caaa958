package io.keelraft.core;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The servers of a Raft group: voters decide elections and commitment, learners only receive the log.
 * During a joint-consensus change (thesis §4.3) {@code outgoingVoters} holds the old voter set and every
 * decision needs a majority of both sets; otherwise it is empty.
 *
 * <p>Configurations travel in {@link io.keelraft.core.protocol.EntryType#CONFIGURATION} log entries, and the latest one in a server's
 * log is the one it uses, committed or not (thesis §4.1).
 */
public record ClusterConfiguration(Set<String> voters, Set<String> learners, Set<String> outgoingVoters,
                                   Map<String, String> addresses) {

    /** Version 1: voters, learners, outgoing voters. Version 2 adds the addresses. */
    private static final int FORMAT_VERSION = 2;

    /**
     * @param addresses where each server listens ({@code host:port}), so that every member of a changed
     *                  configuration can reach a server it was not started with; may be empty (in-memory
     *                  transports and simulations address servers by id), and may name only some servers
     */
    public ClusterConfiguration {
        voters = Collections.unmodifiableSet(new TreeSet<>(voters));
        learners = Collections.unmodifiableSet(new TreeSet<>(learners));
        outgoingVoters = Collections.unmodifiableSet(new TreeSet<>(outgoingVoters));
        addresses = Collections.unmodifiableMap(new TreeMap<>(addresses));
        for (String learner : learners) {
            if (voters.contains(learner)) {
                throw new IllegalArgumentException("server " + learner + " cannot be both voter and learner");
            }
        }
    }

    /** A configuration without addresses. */
    public ClusterConfiguration(Set<String> voters, Set<String> learners, Set<String> outgoingVoters) {
        this(voters, learners, outgoingVoters, Map.of());
    }

    /** A plain configuration of voters only, with their addresses ({@code id -> host:port}). */
    public static ClusterConfiguration ofVoters(Map<String, String> votersWithAddresses) {
        return ofVoters(votersWithAddresses.keySet()).withAddresses(votersWithAddresses);
    }

    /** This configuration with {@code more} addresses added (replacing those of the same ids). */
    public ClusterConfiguration withAddresses(Map<String, String> more) {
        Map<String, String> all = new TreeMap<>(addresses);
        all.putAll(more);
        return new ClusterConfiguration(voters, learners, outgoingVoters, all);
    }

    /** A plain configuration of voters only. */
    public static ClusterConfiguration ofVoters(Set<String> voters) {
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("a configuration needs at least one voter");
        }
        return new ClusterConfiguration(voters, Set.of(), Set.of());
    }

    /** True during joint consensus. */
    public boolean isJoint() {
        return !outgoingVoters.isEmpty();
    }

    /** True when {@code id} votes in this configuration (in either half of a joint one). */
    public boolean isVoter(String id) {
        return voters.contains(id) || outgoingVoters.contains(id);
    }

    /** Every server that should receive the log: voters, outgoing voters and learners. */
    public Set<String> members() {
        Set<String> all = new LinkedHashSet<>(voters);
        all.addAll(outgoingVoters);
        all.addAll(learners);
        return all;
    }

    /** Encodes this configuration as the payload of a {@link io.keelraft.core.protocol.EntryType#CONFIGURATION} entry. */
    public byte[] encode() {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT_VERSION);
            writeSet(out, voters);
            writeSet(out, learners);
            writeSet(out, outgoingVoters);
            out.writeInt(addresses.size());
            for (Map.Entry<String, String> e : addresses.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeUTF(e.getValue());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Decodes a payload written by {@link #encode()}.
     *
     * @throws IllegalArgumentException when the bytes are not a configuration of a known format
     */
    public static ClusterConfiguration decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int version = in.readUnsignedByte();
            if (version != 1 && version != FORMAT_VERSION) {
                throw new IllegalArgumentException("unknown configuration format version " + version);
            }
            Set<String> voters = readSet(in);
            Set<String> learners = readSet(in);
            Set<String> outgoing = readSet(in);
            Map<String, String> addresses = new TreeMap<>();
            if (version >= 2) {
                int n = in.readInt();
                if (n < 0 || n > 10_000) {
                    throw new IOException("implausible address count " + n);
                }
                for (int i = 0; i < n; i++) {
                    addresses.put(in.readUTF(), in.readUTF());
                }
            }
            ClusterConfiguration c = new ClusterConfiguration(voters, learners, outgoing, addresses);
            if (in.available() != 0) {
                throw new IllegalArgumentException("trailing bytes after configuration");
            }
            return c;
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated or malformed configuration payload", e);
        }
    }

    private static void writeSet(DataOutputStream out, Set<String> set) throws IOException {
        out.writeInt(set.size());
        for (String s : set) {
            out.writeUTF(s);
        }
    }

    private static Set<String> readSet(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 10_000) {
            throw new IOException("implausible server count " + n);
        }
        Set<String> set = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            set.add(in.readUTF());
        }
        return set;
    }
}
