package lpo.es;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.Netty4Plugin;

/**
 * One real Elasticsearch node in this JVM, for tests and benchmarks: loopback only, single-node
 * discovery, data under the given home. Usage: SingleNode HOME HTTP_PORT.
 * Prints "lpo-es started" once it accepts requests; stops on SIGTERM (the shutdown hook closes it).
 */
public final class SingleNode {

    /** Node's constructor that takes classpath plugins is protected: the HTTP module is one. */
    static final class EmbeddedNode extends Node {
        EmbeddedNode(Environment env) {
            super(env, List.of(Netty4Plugin.class), true);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SingleNode HOME HTTP_PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Settings settings = Settings.builder()
                .put("path.home", home.toString())
                .put("path.data", home.resolve("data").toString())
                .put("path.logs", home.resolve("logs").toString())
                .put("cluster.name", "lpo-test")
                .put("node.name", "lpo-test")
                .put("network.host", "127.0.0.1")   // loopback only: development mode, no bootstrap checks
                .put("http.port", args[1])
                .put("transport.port", "0")
                .put("discovery.type", "single-node")
                .put("http.type", "netty4")
                .put("transport.type", "netty4")
                .put("action.auto_create_index", "false")  // a typo in an index name is an error, not an index
                .put("cluster.routing.allocation.disk.threshold_enabled", "false")  // shared build machines fill up
                .build();
        LogConfigurator.registerErrorListener();
        LogConfigurator.configureWithoutConfig(settings);
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), home.resolve("config"),
                () -> "lpo-test");
        Node node = new EmbeddedNode(env);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        node.start();
        System.out.println("lpo-es started");
        System.out.flush();
        Thread.currentThread().join();
    }
}
