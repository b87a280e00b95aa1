// Maps files named like Kafka's indexes the way Kafka does (RandomAccessFile.setLength, then
// FileChannel.map READ_WRITE, channel closed, buffer kept), so kafka-preflight's live commands
// can be tested against a real JVM's /proc/PID/maps.
//
// Arguments are key=value:
//   dir=PATH        base dir (required); log dirs are PATH/logs and "PATH/logs two"
//   partitions=N    partitions t-0..t-N-1 in PATH/logs, each with .index and .timeindex (3)
//   size=BYTES      size of each mapping (65536)
//   remaps=K        map t-0's .index K more times, keeping every buffer: the stale mappings a
//                   resize leaves until the GC collects them (0)
//   delete=BOOL     delete t-1's .timeindex after mapping it: a "(deleted)" mapping (false)
//   delayMs=MS      pause before each mapping, to give a watcher a growth curve (0)
//   releaseAfterMs=MS  after READY, drop the stale buffers and System.gc() after MS (off)
//   exitAfterMs=MS  exit 0 this long after READY (never)
//   log=FILE        append progress lines, and a Map failed stack trace, to FILE
//   mapUntilFail=BOOL  after the above, keep mapping new files of `size` until map() fails,
//                   then log it like Kafka and exit 1 (run under `ulimit -v` to get there)
//   maxFiles=N      upper bound for mapUntilFail (4000)
import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class FakeIndexes {
    static final List<MappedByteBuffer> KEEP = new ArrayList<>();
    static final List<MappedByteBuffer> STALE = new ArrayList<>();
    static PrintWriter log;
    static long delayMs;

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String s : argv) {
            int eq = s.indexOf('=');
            if (eq < 0) throw new IllegalArgumentException("expected key=value: " + s);
            a.put(s.substring(0, eq), s.substring(eq + 1));
        }
        Path dir = Paths.get(a.get("dir"));
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "3"));
        long size = Long.parseLong(a.getOrDefault("size", "65536"));
        int remaps = Integer.parseInt(a.getOrDefault("remaps", "0"));
        boolean delete = Boolean.parseBoolean(a.getOrDefault("delete", "false"));
        delayMs = Long.parseLong(a.getOrDefault("delayMs", "0"));
        long releaseAfterMs = Long.parseLong(a.getOrDefault("releaseAfterMs", "-1"));
        long exitAfterMs = Long.parseLong(a.getOrDefault("exitAfterMs", "-1"));
        boolean mapUntilFail = Boolean.parseBoolean(a.getOrDefault("mapUntilFail", "false"));
        int maxFiles = Integer.parseInt(a.getOrDefault("maxFiles", "4000"));
        if (a.containsKey("log")) log = new PrintWriter(new FileWriter(a.get("log"), true), true);

        String base = "00000000000000000000";
        Path logs = dir.resolve("logs");
        for (int i = 0; i < partitions; i++) {
            KEEP.add(map(logs.resolve("t-" + i).resolve(base + ".index"), size));
            KEEP.add(map(logs.resolve("t-" + i).resolve(base + ".timeindex"), size));
        }
        KEEP.add(map(dir.resolve("logs two").resolve("u-0").resolve(base + ".index"), size));
        for (int k = 0; k < remaps; k++) {
            STALE.add(map(logs.resolve("t-0").resolve(base + ".index"), size));
        }
        if (delete && partitions > 1) {
            Files.delete(logs.resolve("t-1").resolve(base + ".timeindex"));
        }
        say("mapped " + (KEEP.size() + STALE.size()) + " index files");

        if (mapUntilFail) {
            Path big = logs.resolve("big-0");
            for (int i = 0; i < maxFiles; i++) {
                Path p = big.resolve(String.format("%020d.index", (long) i * 1000));
                try {
                    KEEP.add(map(p, size));
                } catch (IOException e) {
                    // Kafka logs the failure of log loading with the whole chain.
                    String msg = "ERROR Error while loading log dir " + logs + " (kafka.log.LogManager)";
                    System.err.println(msg);
                    e.printStackTrace();
                    if (log != null) {
                        log.println(msg);
                        e.printStackTrace(log);
                        log.flush();
                    }
                    System.exit(1);
                }
            }
            say("mapUntilFail: mapped " + maxFiles + " files without a failure");
        }

        System.out.println("READY");
        System.out.flush();
        if (releaseAfterMs >= 0) {
            Thread.sleep(releaseAfterMs);
            STALE.clear();
            System.gc();
            say("released stale mappings");
        }
        if (exitAfterMs >= 0) {
            Thread.sleep(exitAfterMs);
            say("done");
            System.exit(0);
        }
        Thread.sleep(Long.MAX_VALUE);
    }

    static MappedByteBuffer map(Path p, long size) throws Exception {
        if (delayMs > 0) Thread.sleep(delayMs);
        Files.createDirectories(p.getParent());
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(size);
            return raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
    }

    static void say(String s) {
        System.err.println(s);
        if (log != null) log.println("INFO " + s);
    }
}
