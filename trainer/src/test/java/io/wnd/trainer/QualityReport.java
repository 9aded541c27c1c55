package io.wnd.trainer;

import io.wnd.state.encode.Encoder;
import io.wnd.state.metrics.StreamMetrics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.ModelType;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Prints the quality figures of the trainer on the real Criteo rows (not a test): for wide, deep and
 * wide_and_deep, the progressive AUC / log loss of one pass over the 10,000 Kaggle rows and over the 1TB-day-0
 * rows, and the seed's split (train on rows 2000-9999, evaluate on rows 0-1999) after 1 and 3 epochs.
 */
public final class QualityReport {

    private QualityReport() {
    }

    /**
     * Runs the report.
     *
     * @param args none
     */
    public static void main(String[] args) {
        if (!Files.isReadable(CriteoFiles.KAGGLE) || !Files.isReadable(CriteoFiles.TERABYTE)) {
            System.out.println("real Criteo data not found under " + CriteoFiles.KAGGLE.getParent());
            return;
        }
        Clock clock = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);
        FeatureSpec base = FeatureSpec.builtin("criteo");
        Encoder encoder = new Encoder(base);
        List<Example> kaggle = CriteoFiles.readAll(CriteoFiles.KAGGLE, encoder);
        List<Example> terabyte = CriteoFiles.readAll(CriteoFiles.TERABYTE, encoder);
        List<Example> eval = kaggle.subList(0, 2000);
        List<Example> train = kaggle.subList(2000, kaggle.size());
        System.out.printf("constant-rate log loss: kaggle 10k %.4f, 1TB %d rows %.4f, eval rows 0-1999 %.4f%n",
                ProgressiveQualityTest.constantRateLogLoss(kaggle), terabyte.size(),
                ProgressiveQualityTest.constantRateLogLoss(terabyte), ProgressiveQualityTest.constantRateLogLoss(eval));
        for (ModelType type : ModelType.values()) {
            FeatureSpec spec = base.withModelType(type);
            StreamMetrics.Snapshot k = OfflineTraining.fit(new WideDeepTrainer(spec, clock), kaggle, 1).get(0);
            StreamMetrics.Snapshot t = OfflineTraining.fit(new WideDeepTrainer(spec, clock), terabyte, 1).get(0);
            System.out.printf("%-13s progressive kaggle-10k AUC %.4f LL %.4f | 1TB-%d AUC %.4f LL %.4f%n",
                    type.jsonName(), k.auc(), k.logLoss(), t.count(), t.auc(), t.logLoss());
            WideDeepTrainer trainer = new WideDeepTrainer(spec, clock);
            for (int epoch = 1; epoch <= 3; epoch++) {
                OfflineTraining.fit(trainer, train, 1);
                if (epoch == 1 || epoch == 3) {
                    Evaluation e = OfflineTraining.evaluate(trainer.model(), eval);
                    System.out.printf("%-13s seed split, %d epoch(s): eval AUC %.4f LL %.4f accuracy %.4f"
                                    + " calibration %.3f rows %d%n", type.jsonName(), epoch, e.auc(), e.logLoss(),
                            e.accuracy(), e.calibration(), e.rows());
                }
            }
        }
    }
}
