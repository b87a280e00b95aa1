// The client side of the real-broker harness (scripts/real-broker), compiled at run time against
// the kafka-clients jar of the release under test so no client code of another project is used.
// Only APIs that every release since 2.0 has (AdminClient.createTopics, KafkaConsumer.endOffsets)
// so one source serves the whole matrix.
//
//   create BOOTSTRAP TOPIC PARTITIONS [key=value ...]   create a topic (replication 1), wait for it
//   produce BOOTSTRAP BYTES_PER_PARTITION TOPIC...      fill every partition of each topic with
//                                                       1 KiB uncompressed records, acks=all
//   offsets BOOTSTRAP TOPIC...                          print "topic partition endOffset" lines
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class RbClient {
    public static void main(String[] a) throws Exception {
        switch (a[0]) {
            case "create": create(a[1], a[2], Integer.parseInt(a[3]), a); break;
            case "produce": produce(a[1], Long.parseLong(a[2]), tail(a, 3)); break;
            case "offsets": offsets(a[1], tail(a, 2)); break;
            default: throw new IllegalArgumentException("unknown command " + a[0]);
        }
    }

    static List<String> tail(String[] a, int from) {
        List<String> l = new ArrayList<>();
        for (int i = from; i < a.length; i++) l.add(a[i]);
        return l;
    }

    static void create(String bootstrap, String topic, int partitions, String[] a) throws Exception {
        Map<String, String> configs = new HashMap<>();
        for (int i = 4; i < a.length; i++) {
            int eq = a[i].indexOf('=');
            configs.put(a[i].substring(0, eq), a[i].substring(eq + 1));
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (AdminClient admin = AdminClient.create(p)) {
            NewTopic t = new NewTopic(topic, partitions, (short) 1).configs(configs);
            admin.createTopics(Collections.singleton(t)).all().get(60, TimeUnit.SECONDS);
        }
        // Leaders are elected asynchronously; produce only once every partition answers.
        consumer(bootstrap, c -> { endOffsets(c, topic, 60_000); return null; });
    }

    static void produce(String bootstrap, long bytesPerPartition, List<String> topics) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("linger.ms", "5");
        p.put("batch.size", "65536");
        p.put("compression.type", "none");
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        byte[] value = new byte[1024];
        new java.util.Random(42).nextBytes(value);
        long perRecord = value.length + 70; // record + its share of batch overhead, roughly
        long records = bytesPerPartition / perRecord;
        try (KafkaProducer<byte[], byte[]> prod = new KafkaProducer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (String t : topics)
                for (PartitionInfo pi : prod.partitionsFor(t)) tps.add(new TopicPartition(t, pi.partition()));
            for (long r = 0; r < records; r++)
                for (TopicPartition tp : tps) prod.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value));
            prod.flush();
        }
    }

    static void offsets(String bootstrap, List<String> topics) throws Exception {
        consumer(bootstrap, c -> {
            for (String t : topics) {
                Map<TopicPartition, Long> m = endOffsets(c, t, 60_000);
                for (Map.Entry<TopicPartition, Long> e : m.entrySet())
                    System.out.println("OFFSET " + t + " " + e.getKey().partition() + " " + e.getValue());
            }
            return null;
        });
    }

    static Map<TopicPartition, Long> endOffsets(KafkaConsumer<byte[], byte[]> c, String topic, long timeoutMs)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try {
                List<TopicPartition> tps = new ArrayList<>();
                for (PartitionInfo pi : c.partitionsFor(topic)) tps.add(new TopicPartition(topic, pi.partition()));
                return c.endOffsets(tps);
            } catch (RuntimeException e) {
                if (System.currentTimeMillis() > deadline) throw e;
                Thread.sleep(500);
            }
        }
    }

    interface WithConsumer { Object run(KafkaConsumer<byte[], byte[]> c) throws Exception; }

    static void consumer(String bootstrap, WithConsumer f) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            f.run(c);
        }
    }
}
