package io.wnd.trainer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.wnd.state.metrics.StreamMetrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The trainer's metrics vocabulary (STYLE 12), on a Micrometer registry scraped as Prometheus:
 *
 * <ul>
 *   <li>{@code wnd_trainer_examples_total}: examples trained (its rate is examples/s);</li>
 *   <li>{@code wnd_trainer_progressive_auc}, {@code _logloss}, {@code _calibration}: progressive validation over
 *       the window of the last published version (the examples trained since its parent), the figures its
 *       manifest stores; NaN before the first version;</li>
 *   <li>{@code wnd_trainer_versions_published_total}, {@code wnd_trainer_model_version} (the last version
 *       published or restored);</li>
 *   <li>{@code wnd_trainer_publish_bytes} and {@code wnd_trainer_publish_seconds}: histograms of a version's
 *       size and of the time its transaction took.</li>
 * </ul>
 *
 * Thread-safe: the training thread records, an HTTP thread scrapes.
 */
public final class TrainerMetrics {

    private final MeterRegistry registry;
    private final Counter examples;
    private final Counter versions;
    private final DistributionSummary publishBytes;
    private final Timer publishTime;
    private volatile double auc = Double.NaN;
    private volatile double logLoss = Double.NaN;
    private volatile double calibration = Double.NaN;
    private volatile long version;
    private volatile long lastPublishMillis;

    /**
     * @param registry where the meters go
     */
    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.examples = Counter.builder("wnd.trainer.examples").description("examples trained").register(registry);
        this.versions = Counter.builder("wnd.trainer.versions.published").description("versions published")
                .register(registry);
        this.publishBytes = DistributionSummary.builder("wnd.trainer.publish.bytes").baseUnit("bytes")
                .description("bytes of one published version").publishPercentileHistogram()
                .minimumExpectedValue(1_000.0).maximumExpectedValue(1e10).register(registry);
        this.publishTime = Timer.builder("wnd.trainer.publish").description("time to publish one version")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(5)).register(registry);
        Gauge.builder("wnd.trainer.progressive.auc", this, m -> m.auc)
                .description("progressive AUC over the last published version's window").register(registry);
        Gauge.builder("wnd.trainer.progressive.logloss", this, m -> m.logLoss)
                .description("progressive log loss over the last published version's window").register(registry);
        Gauge.builder("wnd.trainer.progressive.calibration", this, m -> m.calibration)
                .description("mean prediction / observed click rate over the last published version's window")
                .register(registry);
        Gauge.builder("wnd.trainer.model.version", this, m -> m.version)
                .description("the last version published or restored (0: none)").register(registry);
    }

    /**
     * The registry.
     *
     * @return the registry given to the constructor
     */
    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Counts trained examples.
     *
     * @param n how many
     */
    public void trained(int n) {
        examples.increment(n);
    }

    /**
     * Records the version a trainer restored.
     *
     * @param restored the version (0: none)
     */
    public void restored(long restored) {
        this.version = restored;
    }

    /**
     * Records a published version.
     *
     * @param published  its number
     * @param window     its progressive metrics
     * @param bytes      its size
     * @param millis     how long publishing took
     * @param wallMillis when it was published (epoch milliseconds)
     */
    public void published(long published, StreamMetrics.Snapshot window, long bytes, long millis, long wallMillis) {
        versions.increment();
        publishBytes.record(bytes);
        publishTime.record(millis, TimeUnit.MILLISECONDS);
        auc = window.auc();
        logLoss = window.logLoss();
        calibration = window.calibration();
        version = published;
        lastPublishMillis = wallMillis;
    }

    /**
     * The examples trained so far.
     *
     * @return the count
     */
    public double examplesTrained() {
        return examples.count();
    }

    /**
     * The last version published or restored.
     *
     * @return the version (0: none)
     */
    public long version() {
        return version;
    }

    /**
     * When the last version was published.
     *
     * @return epoch milliseconds, 0 if none yet
     */
    public long lastPublishMillis() {
        return lastPublishMillis;
    }
}
