package io.wnd.trainer;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's HTTP endpoint on the JDK's {@code com.sun.net.httpserver} (like the scorer's):
 * {@code GET /metrics} → Prometheus text of the {@link TrainerMetrics}; {@code GET /health} → 200
 * {@code {"status":"UP",...}} while the trainer runs, 503 {@code DOWN} otherwise.
 */
public final class TrainerHttp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerHttp.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private final PrometheusMeterRegistry prometheus;
    private final TrainerMetrics metrics;
    private final BooleanSupplier running;

    /**
     * Binds and starts serving.
     *
     * @param bind       the address to bind (e.g. {@code 127.0.0.1})
     * @param port       the port (0: any free one)
     * @param prometheus the registry {@code metrics} records into
     * @param metrics    the trainer's metrics
     * @param running    whether the trainer runs (for /health)
     * @throws IOException if the address cannot be bound
     */
    public TrainerHttp(String bind, int port, PrometheusMeterRegistry prometheus, TrainerMetrics metrics,
                       BooleanSupplier running) throws IOException {
        this.prometheus = prometheus;
        this.metrics = metrics;
        this.running = running;
        this.server = HttpServer.create(new InetSocketAddress(bind, port), 16);
        this.executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "wnd-trainer-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("trainer HTTP on http://{}:{}/ (/metrics, /health)", bind, port());
    }

    /**
     * The port bound.
     *
     * @return the port
     */
    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!ex.getRequestMethod().equals("GET")) {
                send(ex, 405, "{\"error\":\"only GET\"}", "application/json");
            } else if (path.equals("/metrics")) {
                send(ex, 200, prometheus.scrape(), "text/plain; version=0.0.4; charset=utf-8");
            } else if (path.equals("/health")) {
                boolean up = running.getAsBoolean();
                String body = String.format(Locale.ROOT,
                        "{\"status\":\"%s\",\"version\":%d,\"examples_trained\":%d,\"last_publish_ms\":%d}",
                        up ? "UP" : "DOWN", metrics.version(), (long) metrics.examplesTrained(),
                        metrics.lastPublishMillis());
                send(ex, up ? 200 : 503, body, "application/json");
            } else {
                send(ex, 404, "{\"error\":\"not found: " + path.replace("\"", "") + " (try /metrics or /health)\"}",
                        "application/json");
            }
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString(), e);
        }
    }

    private static void send(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
