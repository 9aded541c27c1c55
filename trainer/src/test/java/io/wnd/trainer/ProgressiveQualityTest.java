package io.wnd.trainer;

import io.wnd.state.encode.Encoder;
import io.wnd.state.metrics.StreamMetrics;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.ModelType;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One chronological pass over the 10,000 real Kaggle rows with the default Criteo spec (DESIGN §8). */
class ProgressiveQualityTest {

    private static final Logger LOG = LoggerFactory.getLogger(ProgressiveQualityTest.class);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2024-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void shouldLearnInOnePassAndBeatTheConstantRateInLogLoss() {
        CriteoFiles.assumePresent(CriteoFiles.KAGGLE);
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        List<Example> rows = CriteoFiles.readAll(CriteoFiles.KAGGLE, new Encoder(spec));
        assertThat(rows).hasSize(10_000);

        StreamMetrics.Snapshot s = OfflineTraining.fit(new WideDeepTrainer(spec, CLOCK), rows, 1).get(0);

        LOG.info("wide_and_deep progressive on {} Kaggle rows: AUC {}, log loss {}", s.count(), s.auc(), s.logLoss());
        assertThat(s.count()).isEqualTo(10_000);
        // measured 0.7246 (batch 256 after a warm-up of doubling steps from 8); the issue asks at least 0.72
        assertThat(s.auc()).isGreaterThanOrEqualTo(0.72);
        assertThat(s.logLoss()).isLessThan(constantRateLogLoss(rows));
    }

    @Test
    void shouldLearnWithEveryModelType() {
        CriteoFiles.assumePresent(CriteoFiles.KAGGLE);
        FeatureSpec spec = FeatureSpec.builtin("criteo");
        List<Example> rows = CriteoFiles.readAll(CriteoFiles.KAGGLE, new Encoder(spec));
        double constant = constantRateLogLoss(rows);
        for (ModelType type : ModelType.values()) {
            StreamMetrics.Snapshot s =
                    OfflineTraining.fit(new WideDeepTrainer(spec.withModelType(type), CLOCK), rows, 1).get(0);
            LOG.info("{} progressive: AUC {}, log loss {} (constant rate {})", type.jsonName(), s.auc(),
                    s.logLoss(), constant);
            // a single pass over 10k rows: every type must do clearly better than chance
            assertThat(s.auc()).as(type.jsonName()).isGreaterThan(0.6);
        }
    }

    /**
     * The log loss of the best constant predictor in hindsight, the observed click rate r:
     * -(r ln r + (1 - r) ln(1 - r)), computed here from the labels alone.
     */
    static double constantRateLogLoss(List<Example> rows) {
        long positives = rows.stream().filter(e -> e.label() == 1).count();
        double r = (double) positives / rows.size();
        return -(r * Math.log(r) + (1 - r) * Math.log(1 - r));
    }
}
