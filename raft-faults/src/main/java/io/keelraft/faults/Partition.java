package io.keelraft.faults;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A network partition as the directed links it cuts: for each {@link Link}, raft packets from {@code from} to
 * {@code to} are dropped. Built by the factories below from the node ids and a random source, so a seed gives the
 * same partition again.
 *
 * @param name  what kind of partition, with its sides, for the fault log
 * @param links the cut links
 */
public record Partition(String name, Set<Link> links) {

    /** Packets from {@code from} to {@code to} are dropped. */
    public record Link(String from, String to) {
        @Override
        public String toString() {
            return from + "->" + to;
        }
    }

    public Partition {
        links = Collections.unmodifiableSet(new LinkedHashSet<>(links));
    }

    /** Two sides, a majority and a minority, that cannot talk to each other at all. */
    public static Partition majorityMinority(List<String> ids, Random random) {
        List<String> shuffled = shuffled(ids, random);
        int minority = 1 + random.nextInt((ids.size() - 1) / 2);
        List<String> small = shuffled.subList(0, minority);
        List<String> large = shuffled.subList(minority, shuffled.size());
        return new Partition("majority " + large + " | minority " + small, cut(small, large));
    }

    /**
     * Two halves that cannot talk to each other, and one bridge node that sees both (so the node that can reach a
     * majority is only the bridge).
     */
    public static Partition bridge(List<String> ids, Random random) {
        List<String> shuffled = shuffled(ids, random);
        String bridge = shuffled.get(0);
        List<String> rest = shuffled.subList(1, shuffled.size());
        int half = rest.size() / 2;
        List<String> left = rest.subList(0, half);
        List<String> right = rest.subList(half, rest.size());
        return new Partition("bridge " + bridge + " between " + left + " and " + right, cut(left, right));
    }

    /** Packets from {@code node} to every other node are dropped; the others' packets still reach it. */
    public static Partition oneWayFrom(String node, List<String> ids) {
        Set<Link> links = new LinkedHashSet<>();
        for (String other : ids) {
            if (!other.equals(node)) {
                links.add(new Link(node, other));
            }
        }
        return new Partition("one-way: " + node + " cannot send to the others", links);
    }

    /** Packets from {@code from} to {@code to} are dropped; every other link, the way back included, works. */
    public static Partition oneWay(String from, String to) {
        return new Partition("one-way: " + from + " cannot send to " + to, Set.of(new Link(from, to)));
    }

    /** {@code node} cannot talk to any other node, in either direction. */
    public static Partition isolate(String node, List<String> ids) {
        List<String> others = new ArrayList<>(ids);
        others.remove(node);
        return new Partition("isolate " + node, cut(List.of(node), others));
    }

    /** Both directions between every node of {@code a} and every node of {@code b}. */
    private static Set<Link> cut(List<String> a, List<String> b) {
        Set<Link> links = new LinkedHashSet<>();
        for (String x : a) {
            for (String y : b) {
                links.add(new Link(x, y));
                links.add(new Link(y, x));
            }
        }
        return links;
    }

    private static List<String> shuffled(List<String> ids, Random random) {
        List<String> copy = new ArrayList<>(ids);
        Collections.shuffle(copy, random);
        return copy;
    }

    @Override
    public String toString() {
        return name + " " + links;
    }
}
