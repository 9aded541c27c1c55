package io.wnd.scorer;

import io.wnd.schemas.topics.Topics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.store.ModelStore;
import io.wnd.state.store.ModelView;
import io.wnd.state.version.VersionReader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The served model: a {@link ModelStore} that a background thread keeps up to date from the models topic
 * with a {@link VersionReader} (catch up, then poll). Readers {@link #acquire()} the version in service,
 * an immutable view; a new version is applied by the reader thread and swapped in atomically by the store,
 * so a swap never stalls scoring. With {@code pin} the thread stops after the first version it applies.
 *
 * <p>Tests may use it without Kafka: build it over a store and commit versions to the store directly.
 */
public final class ModelProvider implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelProvider.class);
  private static final int CATCH_UP_TRIES = 3;

  private final ModelStore store;
  private final FeatureSpec spec;
  private final CountDownLatch caughtUp = new CountDownLatch(1);
  private volatile Thread thread;
  private volatile VersionReader reader;
  private volatile boolean stopping;
  private volatile Throwable failure;
  private volatile boolean pinnedHere;
  private volatile io.wnd.state.version.QualityGate gate = io.wnd.state.version.QualityGate.disabled();

  /**
   * @param store the store versions go into (this provider closes it)
   * @param spec the feature spec the versions must fit
   */
  public ModelProvider(ModelStore store, FeatureSpec spec) {
    this.store = store;
    this.spec = spec;
  }

  /**
   * Opens a store shaped for a spec.
   *
   * @param config the scorer's configuration
   * @return a provider over a new, empty store (no thread started)
   * @throws java.io.IOException if the store cannot be opened
   */
  public static ModelProvider open(ScorerConfig config) throws java.io.IOException {
    FeatureSpec spec = config.spec();
    ModelStore store = new ModelStore(config.modelDir().resolve(config.modelName()), spec.wideFieldCount(),
        spec.sparseCount(), config.getInt(ScorerConfig.MODEL_CACHE_ROWS_CONFIG));
    return new ModelProvider(store, spec);
  }

  /** @return the feature spec */
  public FeatureSpec spec() {
    return spec;
  }

  /** @return the store */
  public ModelStore store() {
    return store;
  }

  /** @return the version in service, acquired (close it after use), or null before the first version */
  public ModelView acquire() {
    return store.acquire();
  }

  /** @return the version number in service, 0 for none */
  public long version() {
    return store.version();
  }

  /** @return seconds since the version in service was created, NaN for none */
  public double ageSeconds() {
    try (ModelView v = store.acquire()) {
      return v == null ? Double.NaN : (System.currentTimeMillis() - v.version().createdAtMillis()) / 1000.0;
    } catch (RuntimeException e) {
      return Double.NaN;
    }
  }

  /**
   * Sets the quality gate (before {@link #start}).
   *
   * @param gate the gate
   */
  public void qualityGate(io.wnd.state.version.QualityGate gate) {
    this.gate = gate;
  }

  /** @return versions the quality gate held back so far */
  public double gateHeld() {
    VersionReader r = reader;
    return r == null ? 0 : r.gateHeld();
  }

  /** @return the version the models topic's control record pins (null: none, or not read yet) */
  public Long pinned() {
    VersionReader r = reader;
    return r == null ? null : r.pinned();
  }

  /** @return whether the reader has caught up with the topic once (always false without a reader) */
  public boolean caughtUp() {
    return caughtUp.getCount() == 0;
  }

  /** @return why the reader thread stopped, or null while it runs (or never ran) */
  public Throwable failure() {
    return failure;
  }

  /**
   * Waits for the first catch-up.
   *
   * @param timeout the longest wait
   * @return true if caught up
   * @throws InterruptedException if interrupted
   */
  public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Waits until the reader has caught up, or has given up trying (see {@link #failure()}), or the time is over.
   *
   * @param timeout the longest wait
   * @return true if it caught up
   * @throws InterruptedException if interrupted while waiting
   */
  public boolean awaitCatchUpEnded(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (caughtUp.await(100, TimeUnit.MILLISECONDS)) {
        return true;
      }
      Thread t = thread;
      if (failure != null || t == null || !t.isAlive()) {
        return caughtUp.getCount() == 0;
      }
    }
    return false;
  }

  /** @return whether this scorer stopped following the topic because it is pinned locally ({@code --pin}) */
  public boolean pinnedHere() {
    return pinnedHere;
  }

  /**
   * Starts the reader thread.
   *
   * @param clientConfig Kafka client settings (security included)
   * @param topics the topic registry
   * @param model the model's name
   * @param pin stop applying versions after the first one in service
   * @param catchUpTimeout how long one catch-up try may take
   */
  public synchronized void start(Map<String, Object> clientConfig, Topics topics, String model, boolean pin,
      Duration catchUpTimeout) {
    if (thread != null) {
      throw new IllegalStateException("already started");
    }
    Thread t = new Thread(() -> run(clientConfig, topics, model, pin, catchUpTimeout), "wnd-model-reader-" + model);
    t.setDaemon(true);
    thread = t;
    t.start();
  }

  private void run(Map<String, Object> clientConfig, Topics topics, String model, boolean pin, Duration timeout) {
    try (VersionReader reader = new VersionReader(clientConfig, topics, model, store)) {
      reader.qualityGate(gate);
      this.reader = reader;
      if (stopping) {
        return;
      }
      long v = catchUp(reader, timeout);
      caughtUp.countDown();
      if (pin && v > 0) {
        LOG.info("pinned to {} v{}: later versions are not applied", model, v);
        pinnedHere = true;
        return;
      }
      while (!stopping) {
        long before = reader.current();
        reader.poll(Duration.ofMillis(200));
        long after = reader.current();
        if (after != before) {
          LOG.info("model swap: {} v{} -> v{}", model, before, after);
          if (pin) {
            LOG.info("pinned to {} v{}: later versions are not applied", model, after);
            pinnedHere = true;
            return;
          }
        }
      }
    } catch (org.apache.kafka.common.errors.WakeupException e) {
      // close() stops the thread this way
    } catch (org.apache.kafka.common.errors.InterruptException e) {
      Thread.currentThread().interrupt();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      if (!stopping) {
        failure = e;
        LOG.error("the model reader of {} stopped: {}; the scorer keeps serving v{} but applies no new version",
            model, e.toString(), store.version(), e);
      }
    }
  }

  private long catchUp(VersionReader reader, Duration timeout) throws InterruptedException {
    for (int attempt = 1; ; attempt++) {
      try {
        return reader.catchUp(timeout);
      } catch (org.apache.kafka.common.KafkaException e) {
        if (attempt >= CATCH_UP_TRIES || stopping) {
          throw e;
        }
        LOG.warn("catching up on the models topic failed, retry {} of {}: {}", attempt, CATCH_UP_TRIES - 1,
            e.getMessage());
        Thread.sleep(1_000L * attempt);
      }
    }
  }

  /** Stops the reader thread and closes the store. */
  @Override
  public void close() throws java.io.IOException {
    stopping = true;
    Thread t = thread;
    if (t != null) {
      // wake the consumer rather than interrupt the thread: an interrupted consumer fails to close its fetcher
      VersionReader r = reader;
      if (r != null) {
        r.wakeup();
      }
      try {
        t.join(10_000);
        if (t.isAlive()) {
          t.interrupt(); // e.g. sleeping between catch-up tries
          t.join(10_000);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    store.close();
  }
}
