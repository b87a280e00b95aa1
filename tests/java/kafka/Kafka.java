package kafka;

/**
 * Stands in for the broker's main class: kafka-preflight tells a broker by the class the JVM
 * launches (kafka.Kafka) and reads the release from the jar it was loaded from.
 *
 * With key=value arguments it runs FakeIndexes (tests/java/FakeIndexes.java, on the same class
 * path) so a JVM that maps index-like files is a "broker" too; otherwise it prints READY and
 * waits to be killed.
 */
public final class Kafka {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].contains("=")) {
            // FakeIndexes is in the unnamed package, which a named package can reach only
            // by reflection.
            Class.forName("FakeIndexes").getMethod("main", String[].class).invoke(null, (Object) args);
            return;
        }
        System.out.println("READY");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
