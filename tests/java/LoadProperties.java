// Prints what java.util.Properties.load(InputStream) (the call Kafka's Utils.loadProps makes)
// reads from each file given, so tests/java_properties_load.rs can compare kafka-preflight's
// reader with the JDK's on the same bytes. Per file: "FILE <n>", then one line per pair,
// "<key code points>=<value code points>" in hex (a lone surrogate printed as fffd, as Rust
// decodes it), or "ERROR" when load throws.
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Properties;

public class LoadProperties {
    static String hex(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> {
            int shown = Character.isSurrogate((char) cp) && cp <= 0xFFFF ? 0xFFFD : cp;
            b.append(Integer.toHexString(shown)).append(',');
        });
        return b.toString();
    }

    public static void main(String[] files) throws Exception {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < files.length; i++) {
            out.append("FILE ").append(i).append('\n');
            Properties p = new Properties();
            try (InputStream in = Files.newInputStream(Paths.get(files[i]))) {
                p.load(in);
            } catch (IllegalArgumentException e) {
                out.append("ERROR\n");
                continue;
            }
            for (String k : p.stringPropertyNames()) {
                out.append(hex(k)).append('=').append(hex(p.getProperty(k))).append('\n');
            }
        }
        System.out.print(out);
    }
}
