// com.alibaba.nacos:nacos-client, the official Java SDK, used the way its README says
// (NacosFactory + Properties with serverAddr). Speaks the same stdout protocol as bench/drivers/*.mjs:
// an optional READY line, then exactly one `RESULT <json>` line; everything else goes to stderr.
import com.alibaba.nacos.api.NacosFactory;
import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.config.ConfigService;
import com.alibaba.nacos.api.config.listener.AbstractListener;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.alibaba.nacos.api.naming.pojo.Instance;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

public class Driver {
    static final String GROUP = "DEFAULT_GROUP";
    static final Map<String, String> args = new HashMap<>();
    static ConfigService config;
    static NamingService naming;

    public static void main(String[] argv) {
        // Must precede the first SDK class initialisation: that is when its loggers are created.
        // (`java -Dorg.slf4j.simpleLogger.defaultLogLevel=info ...` still works for debugging.)
        defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        defaultProperty("org.slf4j.simpleLogger.logFile", "System.err");
        defaultProperty("org.slf4j.simpleLogger.showDateTime", "true");
        // It warns that its own logback/log4j2 adapters don't fit slf4j-simple; that is intended here.
        defaultProperty("org.slf4j.simpleLogger.log.com.alibaba.nacos.client.logging.NacosLogging", "error");
        // The SDK rate-limits getConfig to 5/s per dataId on the client (Limiter, property `limitTime`) and
        // answers over-limit calls from its local snapshot file, so the benchmark would measure disk reads.
        // Lift the limit so every call goes to the server, as with the other contenders.
        defaultProperty("limitTime", "1000000");
        for (String a : argv) {
            int eq = a.indexOf('=');
            args.put(a.substring(0, eq), a.substring(eq + 1));
        }
        int code = 0;
        try {
            run(args.get("scenario"));
        } catch (Throwable e) {
            e.printStackTrace();
            code = 1;
        }
        try {
            if (config != null) config.shutDown();
            if (naming != null) naming.shutDown();
        } catch (Throwable e) {
            e.printStackTrace();
        }
        // The SDK leaves non-daemon threads behind; exit explicitly so they can't keep us alive.
        System.exit(code);
    }

    static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    static void run(String scenario) throws Exception {
        switch (scenario) {
            case "getconfig" -> {
                ConfigService c = config();
                getConfig(c);
                report(throughput(() -> getConfig(c)));
            }
            case "coldstart" -> {
                getConfig(config());
                report(Map.of("ok", true));
            }
            case "notify" -> notifyScenario();
            case "listinstances" -> {
                NamingService n = naming();
                String service = args.get("serviceName");
                AtomicInteger seen = new AtomicInteger();
                n.getAllInstances(service, GROUP, false);
                // subscribe=false: query the server each time instead of answering from the local cache.
                Map<String, Object> result = throughput(() -> seen.set(n.getAllInstances(service, GROUP, false).size()));
                result.put("instances", seen.get());
                report(result);
            }
            case "subscribe" -> subscribeScenario();
            case "heartbeats" -> heartbeatsScenario();
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
    }

    /** The config exists in every scenario, so null means the SDK swallowed a server error. */
    static String getConfig(ConfigService c) throws Exception {
        String content = c.getConfig(args.get("dataId"), GROUP, 3000);
        if (content == null) throw new IllegalStateException("getConfig returned null: server unreachable or no such config");
        return content;
    }

    static void notifyScenario() throws Exception {
        int changes = Integer.parseInt(args.get("changes"));
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch firstCallback = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        AtomicBoolean ready = new AtomicBoolean();
        config().addListener(args.get("dataId"), GROUP, new AbstractListener() {
            @Override
            public void receiveConfigInfo(String content) {
                double received = now();
                firstCallback.countDown();
                // Before READY nothing has been published yet: this is the existing content, possibly a
                // stale copy from the SDK's local snapshot of an earlier run.
                if (!ready.get()) return;
                Stamp stamp = Stamp.parse(content);
                if (stamp == null || stamp.seq == 0) return;
                latencies.add(received - stamp.t);
                // The SDK re-reads the config when pushed, so changes close together reach us as one
                // callback with the newest content. Seeing the last change means no more will come.
                if (latencies.size() >= changes || stamp.seq >= changes) done.countDown();
            }
        });
        // The SDK calls a new listener once with the existing content (seq=0) after its first sync with
        // the server; only after that is a published change guaranteed to be seen as a change.
        if (!firstCallback.await(10, TimeUnit.SECONDS)) System.err.println("no initial callback; READY anyway");
        ready.set(true);
        System.out.println("READY");
        done.await();
        synchronized (latencies) {
            report(Map.of("latencies", new ArrayList<>(latencies.subList(0, Math.min(changes, latencies.size())))));
        }
    }

    static void subscribeScenario() throws Exception {
        int changes = Integer.parseInt(args.get("changes"));
        List<Double> latencies = new ArrayList<>();
        Set<String> seenSeqs = new HashSet<>();
        CountDownLatch done = new CountDownLatch(1);
        naming().subscribe(args.get("serviceName"), GROUP, event -> {
            if (!(event instanceof NamingEvent e)) return;
            double received = now();
            // Each push carries the whole instance list; only instances new to us count.
            synchronized (latencies) {
                for (Instance i : e.getInstances()) {
                    String seq = i.getMetadata().get("seq"), t = i.getMetadata().get("t");
                    if (seq == null || t == null || !seenSeqs.add(seq)) continue;
                    try {
                        latencies.add(received - Double.parseDouble(t));
                    } catch (NumberFormatException ignored) {
                        // not one of the orchestrator's instances
                    }
                }
                if (latencies.size() >= changes) done.countDown();
            }
        });
        System.out.println("READY");
        done.await();
        synchronized (latencies) {
            report(Map.of("latencies", new ArrayList<>(latencies.subList(0, changes))));
        }
    }

    static void heartbeatsScenario() throws Exception {
        NamingService n = naming();
        String service = args.get("serviceName");
        int count = Integer.parseInt(args.get("instances"));
        long started = System.nanoTime();
        // A gRPC connection holds one ephemeral instance per service, hence one service each.
        for (int i = 0; i < count; i++) {
            n.registerInstance(service + "-" + i, GROUP, "10.77." + (i / 250) + "." + (i % 250 + 1), 8080);
        }
        double registerMs = (System.nanoTime() - started) / 1e6;
        System.out.println("READY");
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime(), wall0 = System.nanoTime();
        Thread.sleep(Long.parseLong(args.get("windowMs")));
        long cpu1 = os.getProcessCpuTime(), wall1 = System.nanoTime();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("cpuPercent", (cpu1 - cpu0) * 100.0 / (wall1 - wall0));
        result.put("registered", count);
        result.put("registerMs", registerMs);
        report(result);
    }

    interface Op {
        void call() throws Exception;
    }

    /**
     * Runs `op` on `concurrency` threads for `durationMs`, after the same load for `warmupMs` (default 1000)
     * whose figures are dropped, as every driver does: steady-state figures, JIT-compiled.
     */
    static Map<String, Object> throughput(Op op) throws Exception {
        int concurrency = Integer.parseInt(args.get("concurrency"));
        long warmupMs = Long.parseLong(args.getOrDefault("warmupMs", "1000"));
        if (warmupMs > 0) measure(op, concurrency, warmupMs * 1_000_000L);
        return measure(op, concurrency, Long.parseLong(args.get("durationMs")) * 1_000_000L);
    }

    static Map<String, Object> measure(Op op, int concurrency, long durationNs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        List<Future<List<Double>>> workers = new ArrayList<>();
        long started = System.nanoTime(), deadline = started + durationNs;
        for (int w = 0; w < concurrency; w++) {
            workers.add(pool.submit(() -> {
                List<Double> mine = new ArrayList<>(); // per thread, so recording doesn't contend
                while (System.nanoTime() < deadline) {
                    long t0 = System.nanoTime();
                    op.call();
                    mine.add((System.nanoTime() - t0) / 1e6);
                }
                return mine;
            }));
        }
        List<Double> all = new ArrayList<>();
        for (Future<List<Double>> f : workers) all.addAll(f.get()); // rethrows a worker's failure
        double seconds = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        Collections.sort(all);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("opsPerSec", all.size() / seconds);
        result.put("p50", quantile(all, 0.5));
        result.put("p99", quantile(all, 0.99));
        result.put("ops", all.size());
        return result;
    }

    static Double quantile(List<Double> sorted, double q) {
        return sorted.isEmpty() ? null : sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * sorted.size())));
    }

    /** Epoch milliseconds with sub-millisecond precision, comparable with the orchestrator's clock. */
    static double now() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1000.0 + i.getNano() / 1e6;
    }

    /** Published content `seq=<n>;t=<epoch ms of sending>`. */
    record Stamp(long seq, double t) {
        static Stamp parse(String content) {
            Map<String, String> parts = new HashMap<>();
            for (String p : content == null ? new String[0] : content.split(";")) {
                int eq = p.indexOf('=');
                if (eq > 0) parts.put(p.substring(0, eq).trim(), p.substring(eq + 1).trim());
            }
            try {
                return new Stamp(Long.parseLong(parts.get("seq")), Double.parseDouble(parts.get("t")));
            } catch (RuntimeException e) {
                return null;
            }
        }
    }

    static Properties props() {
        Properties p = new Properties();
        p.setProperty(PropertyKeyConst.SERVER_ADDR, args.get("server"));
        return p;
    }

    static ConfigService config() throws Exception {
        return config = NacosFactory.createConfigService(props());
    }

    static NamingService naming() throws Exception {
        return naming = NacosFactory.createNamingService(props());
    }

    static void report(Map<String, Object> result) {
        System.out.println("RESULT " + json(result));
        System.out.flush();
    }

    /** Just enough JSON for our results: maps, lists, numbers, booleans, null. */
    static String json(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder s = new StringBuilder("{");
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (s.length() > 1) s.append(',');
                s.append('"').append(e.getKey()).append("\":").append(json(e.getValue()));
            }
            return s.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder s = new StringBuilder("[");
            for (Object o : l) s.append(s.length() > 1 ? "," : "").append(json(o));
            return s.append(']').toString();
        }
        if (v instanceof Double d && (d.isNaN() || d.isInfinite())) return "null";
        return String.valueOf(v); // Double.toString's 1.0E-4 form is valid JSON
    }
}
