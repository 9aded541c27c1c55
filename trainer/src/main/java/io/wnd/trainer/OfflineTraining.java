package io.wnd.trainer;

import io.wnd.state.metrics.StreamMetrics;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The seed's batch workflow over examples already in memory or streamed from files: {@link #fit} (mini-batches
 * of the spec's size, in the order given, with progressive validation) and {@link #evaluate}.
 */
public final class OfflineTraining {

    private static final Logger LOG = LoggerFactory.getLogger(OfflineTraining.class);

    private OfflineTraining() {
    }

    /** What {@link #fit} tells as it goes; every method has a default that does nothing. */
    public interface Progress {
        /**
         * After each mini-batch.
         *
         * @param epoch    the pass, from 1
         * @param examples the examples of this pass trained on so far
         */
        default void batch(int epoch, long examples) {
        }

        /**
         * After each pass (also one cut short by a stop).
         *
         * @param epoch   the pass, from 1
         * @param metrics its figures
         */
        default void epoch(int epoch, StreamMetrics.Snapshot metrics) {
        }
    }

    /**
     * Trains over the examples {@code epochs} times, in order, in mini-batches of the spec's batch size (the last
     * one of each pass may be smaller). Each batch is scored before it is trained on.
     *
     * @param trainer  the trainer
     * @param examples the examples; iterated once per epoch
     * @param epochs   the number of passes (&ge; 1)
     * @return per epoch, the progressive-validation figures of that pass
     */
    public static List<StreamMetrics.Snapshot> fit(WideDeepTrainer trainer, Iterable<Example> examples,
                                                   int epochs) {
        return fit(trainer, examples, epochs, () -> false, new Progress() { });
    }

    /**
     * {@link #fit(WideDeepTrainer, Iterable, int)}, stopping early when asked and telling its progress.
     *
     * @param trainer  the trainer
     * @param examples the examples; iterated once per epoch
     * @param epochs   the number of passes (&ge; 1)
     * @param stop     looked at after each mini-batch: once true, the pass ends there (the examples read into an
     *                 unfinished batch are not trained on) and no other pass starts
     * @param progress told after each batch and each pass
     * @return per epoch begun, the figures of that pass (the last one cut short when stopped)
     */
    public static List<StreamMetrics.Snapshot> fit(WideDeepTrainer trainer, Iterable<Example> examples,
                                                   int epochs, BooleanSupplier stop, Progress progress) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        int batchSize = trainer.model().spec().batchSize();
        List<StreamMetrics.Snapshot> perEpoch = new ArrayList<>(epochs);
        List<Example> batch = new ArrayList<>(batchSize);
        for (int epoch = 1; epoch <= epochs && !stop.getAsBoolean(); epoch++) {
            StreamMetrics metrics = new StreamMetrics();
            long trained = 0;
            for (Example e : examples) {
                batch.add(e);
                if (batch.size() == batchSize) {
                    trained += step(trainer, batch, metrics);
                    progress.batch(epoch, trained);
                    if (stop.getAsBoolean()) {
                        break;
                    }
                }
            }
            if (!batch.isEmpty() && !stop.getAsBoolean()) {
                trained += step(trainer, batch, metrics);
                progress.batch(epoch, trained);
            }
            batch.clear();
            StreamMetrics.Snapshot s = metrics.snapshot();
            LOG.info("epoch {} of {}: {} examples, {} AUC {}, log loss {}, calibration {}", epoch, epochs,
                    s.count(), epoch == 1 ? "progressive" : "training-set", String.format("%.4f", s.auc()),
                    String.format("%.4f", s.logLoss()), String.format("%.3f", s.calibration()));
            perEpoch.add(s);
            progress.epoch(epoch, s);
        }
        return perEpoch;
    }

    private static int step(WideDeepTrainer trainer, List<Example> batch, StreamMetrics metrics) {
        double[] p = trainer.train(batch);
        for (int i = 0; i < p.length; i++) {
            metrics.add(p[i], batch.get(i).label());
        }
        batch.clear();
        return p.length;
    }

    /**
     * Evaluates a model with the plain-Java {@link ForwardPass} (the scorer's computation).
     *
     * @param model    the model
     * @param examples the examples
     * @return AUC, log loss, accuracy at 0.5, calibration and rows
     */
    public static Evaluation evaluate(WideDeepModel model, Iterable<Example> examples) {
        ForwardPass pass = new ForwardPass(model);
        StreamMetrics metrics = new StreamMetrics();
        long correct = 0;
        for (Example e : examples) {
            double p = pass.probability(e.features());
            metrics.add(p, e.label());
            if ((p >= 0.5 ? 1 : 0) == e.label()) {
                correct++;
            }
        }
        StreamMetrics.Snapshot s = metrics.snapshot();
        double accuracy = s.count() == 0 ? Double.NaN : (double) correct / s.count();
        return new Evaluation(s.count(), s.auc(), s.logLoss(), accuracy, s.meanPrediction(), s.observedRate(),
                s.calibration());
    }
}
