import java.util.TreeSet;

// Prints the broker config names of the Kafka on the class path, one a line.
public class ConfigNames {
    public static void main(String[] a) throws Exception {
        Object def;
        try {
            def = Class.forName("org.apache.kafka.server.config.AbstractKafkaConfig").getField("CONFIG_DEF").get(null);
        } catch (ClassNotFoundException | NoSuchFieldException e) {
            Class<?> c = Class.forName("kafka.server.KafkaConfig$");
            Object module = c.getField("MODULE$").get(null);
            def = c.getMethod("configDef").invoke(module);
        }
        @SuppressWarnings("unchecked")
        java.util.Set<String> names = (java.util.Set<String>) def.getClass().getMethod("names").invoke(def);
        for (String n : new TreeSet<>(names)) System.out.println(n);
    }
}
