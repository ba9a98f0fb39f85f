package io.evloop.testkit;

import io.evloop.dag.Coroutine;
import io.evloop.dag.Dag;
import io.evloop.redis.RedisCommands;
import io.evloop.redis.Reply;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * The demo's and the benchmarks' workload, shaped like the recommendation service the seed
 * note describes: a "viewer" IO node fans out to about {@code ioCallsPerRequest} Redis calls
 * (the user's feature hash, their candidate item list, one counter per item), then CPU nodes
 * filter the items, score them with a small model ("vm") and sort the top ten.
 */
public final class RecommendationWorkload {

    /** What the viewer node fetched for one user. */
    public record ViewerData(Map<String, String> features, List<String> items, List<Long> counters) {
    }

    private static final int FEATURES = 8;
    private static final int ITEM_SPACE = 10_000;

    private final int users;
    private final int itemsPerUser;

    /**
     * @param users             how many users the data set holds
     * @param ioCallsPerRequest Redis calls per request: one HGETALL, one LRANGE and one GET per item
     */
    public RecommendationWorkload(int users, int ioCallsPerRequest) {
        if (users < 1 || ioCallsPerRequest < 3) {
            throw new IllegalArgumentException("need >= 1 user and >= 3 IO calls per request");
        }
        this.users = users;
        this.itemsPerUser = ioCallsPerRequest - 2;
    }

    public int users() {
        return users;
    }

    /** The user a request number maps to. */
    public String userFor(int request) {
        return Integer.toString(request % users);
    }

    /** Writes the data set (deterministic, seeded) through {@code redis}, pipelined. */
    public void load(RedisCommands redis) {
        Random random = new Random(7);
        List<CompletableFuture<?>> writes = new ArrayList<>();
        for (int item = 0; item < ITEM_SPACE; item++) {
            writes.add(redis.set("ctr:" + item, Integer.toString(random.nextInt(1000))));
        }
        for (int user = 0; user < users; user++) {
            Map<String, String> features = new HashMap<>();
            for (int f = 0; f < FEATURES; f++) {
                features.put("f" + f, Double.toString(random.nextDouble() * 2 - 1));
            }
            writes.add(redis.hset("user:" + user, features));
            String key = "items:" + user;
            writes.add(redis.del(key));
            String[] push = new String[itemsPerUser + 2];
            push[0] = "RPUSH";
            push[1] = key;
            for (int i = 0; i < itemsPerUser; i++) {
                push[i + 2] = Integer.toString(random.nextInt(ITEM_SPACE));
            }
            writes.add(redis.send(push));
            if (writes.size() > 20_000) {
                CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
                writes.clear();
            }
        }
        CompletableFuture.allOf(writes.toArray(new CompletableFuture<?>[0])).join();
    }

    /** viewer (IO) → filter, vm (CPU) → sort (CPU); the request is the user id. */
    public Dag dag() {
        return cpuNodes(Dag.builder().io("viewer", List.of(), (in, redis) -> viewer(redis, (String) in.request())));
    }

    /**
     * The same DAG with the viewer written as a coroutine IO node: sequential code that awaits
     * each reply, with the same values (so the same results) as {@link #dag()}.
     *
     * @throws UnsupportedOperationException before Java 21 (see {@link Dag#coroutineIoAvailable()})
     */
    public Dag coroutineDag() {
        return cpuNodes(Dag.builder().coroutineIo("viewer", List.of(),
                (in, redis, co) -> viewerAsCoroutine(redis, (String) in.request(), co)));
    }

    private static Dag cpuNodes(Dag.Builder withViewer) {
        return withViewer
                .cpu("filter", List.of("viewer"), in -> filter(in.get("viewer")))
                .cpu("vm", List.of("viewer"), in -> score(in.get("viewer")))
                .cpu("sort", List.of("filter", "vm"), in -> topTen(in.get("filter"), in.get("vm")))
                .build();
    }

    private static CompletableFuture<ViewerData> viewer(RedisCommands redis, String user) {
        CompletableFuture<Map<String, String>> features = redis.hgetall("user:" + user);
        CompletableFuture<List<String>> items = redis.lrange("items:" + user, 0, -1);
        return items.thenCompose(list -> {
            List<CompletableFuture<Reply>> gets = new ArrayList<>(list.size());
            for (String item : list) {
                gets.add(redis.send("GET", "ctr:" + item));
            }
            return CompletableFuture.allOf(gets.toArray(new CompletableFuture<?>[0])).thenCombine(features, (done, f) -> {
                List<Long> counters = new ArrayList<>(gets.size());
                for (CompletableFuture<Reply> g : gets) {
                    counters.add(Long.parseLong(g.join().asString()));
                }
                return new ViewerData(f, list, counters);
            });
        });
    }

    /**
     * The viewer as plain code. The feature hash is asked for first and awaited last, so that it
     * is in flight while the item list is read; the counters are all sent before the first is
     * awaited, so that the node waits about one round trip for them, not one per item.
     */
    private static ViewerData viewerAsCoroutine(RedisCommands redis, String user, Coroutine co) {
        CompletableFuture<Map<String, String>> features = redis.hgetall("user:" + user);
        List<String> items = co.await(redis.lrange("items:" + user, 0, -1));
        List<CompletableFuture<Reply>> gets = new ArrayList<>(items.size());
        for (String item : items) {
            gets.add(redis.send("GET", "ctr:" + item));
        }
        List<Long> counters = new ArrayList<>(gets.size());
        for (CompletableFuture<Reply> get : gets) {
            counters.add(Long.parseLong(co.await(get).asString()));
        }
        return new ViewerData(co.await(features), items, counters);
    }

    private static List<String> filter(ViewerData data) {
        List<String> kept = new ArrayList<>();
        for (int i = 0; i < data.items().size(); i++) {
            if (data.counters().get(i) % 10 != 0) {
                kept.add(data.items().get(i));
            }
        }
        return kept;
    }

    /** A toy model: the dot product of user features and a pseudo-embedding of each item. */
    private static Map<String, Double> score(ViewerData data) {
        double[] user = new double[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            user[f] = Double.parseDouble(data.features().get("f" + f));
        }
        Map<String, Double> scores = new HashMap<>();
        for (int i = 0; i < data.items().size(); i++) {
            String item = data.items().get(i);
            long seed = Long.parseLong(item) * 0x9E3779B97F4A7C15L;
            double s = 0;
            for (int round = 0; round < 16; round++) { // a little real CPU work per item
                for (int f = 0; f < FEATURES; f++) {
                    seed = seed * 6364136223846793005L + 1442695040888963407L;
                    s += user[f] * ((seed >>> 11) * 0x1.0p-53 - 0.5);
                }
            }
            scores.put(item, s + Math.log1p(data.counters().get(i)));
        }
        return scores;
    }

    private static List<String> topTen(List<String> kept, Map<String, Double> scores) {
        List<String> sorted = new ArrayList<>(new java.util.LinkedHashSet<>(kept));
        sorted.sort(Comparator.comparingDouble((String item) -> -scores.get(item)).thenComparing(item -> item));
        return List.copyOf(sorted.subList(0, Math.min(10, sorted.size())));
    }
}
