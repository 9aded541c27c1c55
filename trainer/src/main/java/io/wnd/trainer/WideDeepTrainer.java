package io.wnd.trainer;

import io.wnd.state.encode.Encoded;
import io.wnd.state.model.DenseTower;
import io.wnd.state.model.ForwardPass;
import io.wnd.state.model.WideDeepModel;
import io.wnd.state.spec.AdagradSettings;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.FtrlSettings;
import io.wnd.state.table.InMemorySparseTable;
import io.wnd.state.table.LongIndex;
import io.wnd.state.table.LongLongIndex;
import io.wnd.state.table.SharedKeyIndex;
import io.wnd.state.table.SparseTable;
import io.wnd.state.version.SparseDelta;
import io.wnd.state.version.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * Trains a {@link WideDeepModel} in mini-batches on log loss of {@code p = sigmoid(wide + deep + bias)}
 * (DESIGN §4). Deterministic: the same spec (seed included), clock readings and examples give the same weights.
 *
 * <ul>
 *   <li><b>Wide</b>: FTRL-Proximal per coordinate (McMahan et al. 2013, "Ad Click Prediction: a View from the
 *       Trenches"), with the spec's alpha, beta, l1 and l2. Each coordinate's {@code (z, n)} lives in the
 *       trainer's own table ({@link FtrlTable}); the model's wide table is a view of it, each weight
 *       {@code w = 0 if |z| <= l1, else -(z - sgn(z) l1) / ((beta + sqrt(n)) / alpha + l2)} computed when read,
 *       and only the non-zero weights are rows of it.</li>
 *   <li><b>Embeddings</b>: one row per (field, id), no collisions, Adagrad per row with the spec's learning rate
 *       and initial accumulator. An id gets a row once it has been seen {@code admission_threshold} times; a row
 *       not seen for {@code idle_expiry_seconds} (by the clock given to the constructor) is removed by
 *       {@link #expireIdle()}. Row limits come from the spec.</li>
 *   <li><b>Dense tower</b>: a DL4J {@code MultiLayerNetwork} (nd4j) started from the model's
 *       {@link DenseTower} weights and trained with Adam on the batch mean; its parameters are copied back into
 *       the tower after each step, so {@link ForwardPass} serves exactly the trained network.</li>
 *   <li><b>Global bias</b>: FTRL without L1/L2 (a bias should not be pulled to 0), whose n sums the
 *       per-example squared gradients: the bias is in every example, and with the batch's summed gradient it
 *       would move at most about alpha per batch, dozens of batches before it reaches the base rate.</li>
 * </ul>
 *
 * <p><b>Cost of a step.</b> Only the rows a batch touched are read and written: each distinct (field, id) of a
 * batch is looked up once in each table, so a step costs the same for a table of a thousand ids as for a million
 * (DL4J's own embedding layers would update the whole table). The sparse gradients are per-example sums (each
 * coordinate's adaptive rate normalises them, as in per-example online learning); the dense gradient is the
 * batch mean (Adam).
 *
 * <p><b>Order of a step</b>: the batch is scored with the current model (these are the progressive-validation
 * predictions {@link #train} returns); while it is, ids without embedding rows are counted towards admission and
 * those that reach the threshold get rows (used from the next batch on: they are not part of this step); then
 * every part is updated from the same gradients.
 *
 * <p>Not thread-safe: one thread trains; the model must not be read while a step runs.
 */
public final class WideDeepTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(WideDeepTrainer.class);

    // Seconds are stored in two floats (high and low 16 bits), each exact, because one float holds integers
    // exactly only up to 2^24 (194 days of seconds).
    private static final double TIME_SPLIT = 65536.0;

    private final FeatureSpec spec;
    private final WideDeepModel model;
    private final Clock clock;
    private final boolean useWide;
    private final boolean useDeep;
    private final int nSparse;
    private final int nWide;
    private final int dim;
    private final int nDense;
    private final int inputSize;

    private final double alpha;
    private final double beta;
    private final double l1;
    private final double l2;
    private final double learningRate;
    private final float initialAccumulator;
    private final int admissionThreshold;
    private final long idleExpirySeconds;
    /** Nanoseconds spent in each {@link StepPhase}, by ordinal: two clock reads a phase a step, under 0.1 %. */
    private final long[] phaseNanos = new long[StepPhase.values().length];
    /** The time the last {@link #embeddingForward} spent counting ids towards admission. */
    private long admissionNanos;

    /**
     * Sums of the index words touched before a batch's lookups. Why touch first: with tables of millions of rows
     * nearly every lookup misses the CPU caches, and a probe loop (load, compare, branch) lets the CPU wait for one
     * miss at a time; a loop of independent loads lets it fetch many at once, after which the probes hit the cache.
     * The sum is kept in a field so that the loads are not optimised away.
     */
    private long prefetched;
    /**
     * The model's embedding table: the embedding rows, each with its optimizer state beside it in one record (the table's extra floats: dim + 2
     * a row): [row x dim, Adagrad accumulator x dim, last seen (hi, lo)]. A step's update then finds a row and its
     * state in one 4 KB page; kept apart, they cost two address translations per id (docs/trainer-tables.md).
     */
    private final InMemorySparseTable embeddingRows;
    /** FTRL state per wide coordinate: (z, n), inline in its hash table; the model's wide table is its view. */
    private final FtrlTable ftrl;
    /**
     * For a wide and deep model, per categorical field, the one index of its FTRL state (column 0) and its embedding
     * entries (column 1: row or admission mark), so that a step finds an id's both in one slot, one 4 KB page: the
     * embedding lookup reads the FTRL word too, and the wide lookup of the categorical fields is not made again
     * (docs/trainer-tables.md). {@code null} for a wide or a deep model.
     */
    private final SharedKeyIndex[] shared;
    /** Per field of {@link #shared}: its {@link SharedKeyIndex#moves} when the last embedding lookups began. */
    private final long[] sharedMoves;
    /** The embedding rows changed since the last drain (the FTRL table tracks the wide weights that changed). */
    private final ChangedRows embChanges = new ChangedRows();
    /**
     * An id seen but not admitted yet carries a mark in the embedding table's index (see
     * {@link InMemorySparseTable#setMark}): the sign bit, its sighting count in bits 40-62 and its last sighting, in
     * seconds, in bits 0-39 (two's complement). The lookup that looks for an id's row finds its count too: no second
     * table, no second cache miss per id.
     */
    private static final int MARK_COUNT_SHIFT = 40;
    private static final long MARK_SECONDS_MASK = (1L << MARK_COUNT_SHIFT) - 1;
    private static final int MARK_COUNT_MASK = (1 << 23) - 1;
    private final Dl4jTower dl4j;

    private double biasZ;
    private double biasN;

    // per-batch scratch, grown as needed
    private final KeySlots wideSlots;
    private final KeySlots embSlots;
    private int[] wideOcc = new int[0];
    private int[] embOcc = new int[0];
    private float[] wideW = new float[0];
    private float[] wideZ = new float[0];
    private float[] wideN = new float[0];
    /** Per wide slot: the weight after this step's update (wideW holds the one before). */
    private float[] wideNewW = new float[0];
    private double[] wideGrad = new double[0];
    /** Per wide slot: its slot in {@link #ftrl} (see {@link FtrlTable#find}), or -1 (a new coordinate). */
    private int[] wideFtrlRow = new int[0];
    /** Per wide slot of a categorical field (with {@link #shared}): the embedding slot of the same key. */
    private int[] wideEmbSlot = new int[0];
    /** Per embedding slot without a row: its mark (see {@link #MARK_COUNT_SHIFT}), or 0. */
    private long[] embMark = new long[0];
    /** Per embedding slot: its row in the embedding table, or -1. */
    private int[] embModelRow = new int[0];
    /** Per embedding slot (with {@link #shared}): its key's slot there, or -1; and its FTRL word, or 0. */
    private int[] embSharedSlot = new int[0];
    private long[] embFtrlWord = new long[0];
    private float[] embRows = new float[0];
    private float[] embGrad = new float[0];
    private boolean[] embPresent = new boolean[0];
    private int[] embSeen = new int[0];
    private float[] input = new float[0];
    private double[] logits = new double[0];
    private float[] dLogit = new float[0];

    /**
     * Slots per chunk of the table work of a step: a chunk's cache lines are touched, then worked on while still in
     * the CPU's nearest caches (a batch's few thousand keys' lines, all touched first, would not fit there).
     */
    private static final int CHUNK = 512;
    private final float[] embRow;

    /** The size of the next step while warming up; {@code >= batchSize} once warmed up. */
    private int warmupSize;
    private final int batchSize;

    /** When {@link #expireIdle} last swept the wide coordinates (at first: when this trainer started). */
    private long lastWideSweep;
    private long splitSeconds = Long.MIN_VALUE;
    private float splitHi = Float.NaN;
    private float splitLo = Float.NaN;

    private long examples;
    private long steps;
    private long refusedRows;

    /**
     * A trainer of a new model ({@link WideDeepModel#create}: empty tables, seeded tower).
     *
     * @param spec  the feature spec (model type, optimizers, limits, seed)
     * @param clock the clock that stamps when an id was last seen (for idle expiry)
     */
    public WideDeepTrainer(FeatureSpec spec, Clock clock) {
        this(WideDeepModel.create(spec), clock);
    }

    /**
     * A trainer that continues training a model. The optimizers' state (FTRL z and n, Adagrad accumulators, Adam
     * moments, admission counts) starts fresh; the wide weights are carried over into FTRL's z so that training
     * starts from them.
     *
     * <p>The tower is trained in place. The embedding rows are copied into the trainer's table, which keeps each
     * row's optimizer state beside it, and the wide weights into the trainer's FTRL state, whose view is the wide
     * table of {@link #model()}: the given model's own sparse tables are not trained (read the trained model from
     * {@link #model()}).
     *
     * @param model the model to train
     * @param clock the clock that stamps when an id was last seen (for idle expiry)
     */
    public WideDeepTrainer(WideDeepModel model, Clock clock) {
        this(model, clock, true);
    }

    /**
     * {@link #WideDeepTrainer(WideDeepModel, Clock)}, where a test can have the FTRL state and the embedding entries
     * of a wide and deep model in indexes of their own instead of {@link #shared} ones: it trains the same.
     */
    WideDeepTrainer(WideDeepModel model, Clock clock, boolean shareIndexes) {
        this.spec = model.spec();
        this.clock = clock;
        this.useWide = spec.modelType().usesWide();
        this.useDeep = spec.modelType().usesDeep();
        this.nSparse = spec.sparseCount();
        this.nWide = spec.wideFieldCount();
        this.dim = spec.embeddingDim();
        this.nDense = spec.denseColumns().size();
        this.inputSize = spec.deepInputSize();
        FtrlSettings f = spec.ftrl();
        this.alpha = f.alpha();
        this.beta = f.beta();
        this.l1 = f.l1();
        this.l2 = f.l2();
        AdagradSettings a = spec.adagrad();
        this.learningRate = a.learningRate();
        this.initialAccumulator = (float) a.initialAccumulator();
        this.admissionThreshold = spec.admissionThreshold();
        this.idleExpirySeconds = spec.idleExpirySeconds();
        LongIndex[] ftrlIndexes = new LongIndex[0];
        LongIndex[] embIndexes = new LongIndex[nSparse];
        if (shareIndexes && useWide && useDeep) {
            shared = new SharedKeyIndex[nSparse];
            ftrlIndexes = new LongIndex[nSparse];
            for (int c = 0; c < nSparse; c++) {
                shared[c] = new SharedKeyIndex();
                ftrlIndexes[c] = shared[c].column(0);
                embIndexes[c] = shared[c].column(1);
            }
        } else {
            shared = null;
            for (int c = 0; c < nSparse; c++) {
                embIndexes[c] = new LongLongIndex();
            }
        }
        this.sharedMoves = new long[nSparse];
        this.embeddingRows = new InMemorySparseTable(embIndexes, dim,
                Math.max(spec.maxEmbeddingRows(), model.embeddings().size()), dim + 2);
        this.ftrl = new FtrlTable(nWide, spec.maxWideRows(), f, ftrlIndexes);
        this.model = new WideDeepModel(spec, ftrl.weights(), embeddingRows, model.tower());
        this.embRow = new float[dim];
        int expected = spec.batchSize();
        this.batchSize = expected;
        this.warmupSize = spec.warmupBatchSize();
        this.wideSlots = new KeySlots(expected * nWide);
        this.embSlots = new KeySlots(expected * nSparse);
        this.dl4j = useDeep ? new Dl4jTower(model.tower(), spec.adam(), spec.seed()) : null;
        adoptExistingState(model.wide(), model.embeddings());
        this.lastWideSweep = nowSeconds();
        LOG.info("trainer for spec '{}' ({}): {} wide fields, {} embedding fields of dim {}, tower {}",
                spec.name(), spec.modelType().jsonName(), nWide, nSparse, dim,
                Arrays.toString(model.tower().sizes()));
    }

    /**
     * Makes the optimizers' fresh state agree with a model that already has weights: a wide weight w is FTRL's
     * weight for n = 0 and {@code z = -w (beta / alpha + l2) - sgn(w) l1}; embedding rows get the initial
     * accumulator and "seen now"; the bias gets z likewise.
     */
    private void adoptExistingState(SparseTable wide, SparseTable embeddings) {
        long now = nowSeconds();
        double scale = beta / alpha + l2;
        wide.forEach((field, id, values, offset) -> {
            float w = values[offset];
            if (w != 0f) {
                ftrl.adopt(field, id, (float) (-w * scale - Math.signum(w) * l1), 0f);
            }
        });
        embeddings.forEach((field, id, values, offset) -> {
            System.arraycopy(values, offset, embRow, 0, dim);
            int row = embeddingRows.putRow(field, id, embRow);
            embChanges.keyed(row, field, id);
            startState(row, now);
        });
        biasZ = -model.tower().bias() * (beta / alpha);
        biasN = 0;
    }

    /**
     * The model being trained (live: it changes with every step).
     *
     * @return the model
     */
    public WideDeepModel model() {
        return model;
    }

    /**
     * Scores a batch with the current model without training on it: the wide part and bias in Java, the deep
     * part with the DL4J network in inference mode.
     *
     * @param batch the examples (labels are ignored)
     * @return one probability per example, in batch order
     */
    public double[] score(List<Example> batch) {
        int b = batch.size();
        forward(batch, false, 0);
        double[] p = new double[b];
        for (int i = 0; i < b; i++) {
            p[i] = ForwardPass.sigmoid(logits[i]);
        }
        return p;
    }

    /**
     * One mini-batch step: scores the batch with the current model (admitting the ids that reach the admission
     * threshold, for the next steps), then updates the wide weights, the embedding rows the batch touched, the
     * dense tower and the bias.
     *
     * <p><b>Warm-up.</b> A new trainer's model predicts p = 0.5 for everything; a full first batch would be scored
     * (and its progressive metrics counted) before any step moved it, and the next full batch after only one
     * step. So while warming up, a batch is split into consecutive smaller steps: the first of the spec's
     * {@code warmup_batch_size} examples, each next one twice as large, until steps reach {@code batch_size}
     * (with the defaults 8, 16, ..., 128: 248 examples in 5 small steps, once per trainer). Each example is still
     * scored before it is trained on; an example is only ever scored by a model that has not seen it.
     *
     * @param batch the examples (any size; the spec's batch size is what callers normally use)
     * @return the probabilities the model gave the examples before the step that trained on them (progressive
     *         validation), in batch order
     */
    public double[] train(List<Example> batch) {
        int b = batch.size();
        if (b == 0) {
            return new double[0];
        }
        if (warmupSize >= batchSize || warmupSize >= b) {
            if (warmupSize < batchSize) {
                warmupSize = Math.min(batchSize, warmupSize * 2);
            }
            return step(batch);
        }
        double[] p = new double[b];
        int done = 0;
        while (done < b) {
            int size = warmupSize < batchSize ? Math.min(warmupSize, b - done) : b - done;
            if (warmupSize < batchSize) {
                warmupSize = Math.min(batchSize, warmupSize * 2);
            }
            double[] part = step(batch.subList(done, done + size));
            System.arraycopy(part, 0, p, done, size);
            done += size;
        }
        return p;
    }

    private double[] step(List<Example> batch) {
        int b = batch.size();
        long now = nowSeconds();
        forward(batch, true, now);
        double[] p = new double[b];
        double biasGrad = 0;
        double biasSq = 0;
        for (int i = 0; i < b; i++) {
            p[i] = ForwardPass.sigmoid(logits[i]);
            double g = p[i] - batch.get(i).label();
            dLogit[i] = (float) g;
            biasGrad += g;
            biasSq += g * g;
        }
        if (useWide) {
            long t0 = System.nanoTime();
            updateWide(b);
            phaseNanos[StepPhase.WIDE_UPDATE.ordinal()] += System.nanoTime() - t0;
        }
        if (useDeep) {
            long t0 = System.nanoTime();
            float[] inputGrad = dl4j.backward(dLogit, b);
            long t1 = System.nanoTime();
            updateEmbeddings(b, inputGrad, now);
            long t2 = System.nanoTime();
            phaseNanos[StepPhase.DEEP_BACKWARD.ordinal()] += t1 - t0;
            phaseNanos[StepPhase.EMBEDDING_UPDATE.ordinal()] += t2 - t1;
        }
        updateBias(biasGrad, biasSq);
        examples += b;
        steps++;
        return p;
    }

    /**
     * Fills {@link #logits} with wide + deep + bias, exactly as {@link ForwardPass} sums them; when training, also
     * counts the sightings of the ids without embedding rows and admits those that reach the threshold.
     */
    private void forward(List<Example> batch, boolean training, long now) {
        int b = batch.size();
        ensureBatch(b);
        float bias = model.tower().bias();
        float[] deep = null;
        if (useDeep) {
            long t0 = System.nanoTime();
            embeddingForward(batch, training, now);
            long t1 = System.nanoTime();
            deep = training ? dl4j.forward(input, b) : dl4j.output(input, b);
            long t2 = System.nanoTime();
            phaseNanos[StepPhase.EMBEDDING_FORWARD.ordinal()] += t1 - t0 - admissionNanos;
            phaseNanos[StepPhase.EMBEDDING_ADMISSION.ordinal()] += admissionNanos;
            phaseNanos[StepPhase.DEEP_FORWARD.ordinal()] += t2 - t1;
        }
        // the wide part last: the FTRL state it loads is what updateWide writes next, while it is still in the CPU's
        // caches (after the DL4J forward pass it would not be). With a shared index, the categorical fields' state
        // was loaded by the embedding lookups: one page translation per id there saves the second one here, which
        // costs more than the caches lose by the time of the update (docs/trainer-tables.md)
        float[] wideSum = null;
        if (useWide) {
            long t0 = System.nanoTime();
            wideSum = wideForward(batch);
            phaseNanos[StepPhase.WIDE_FORWARD.ordinal()] += System.nanoTime() - t0;
        }
        for (int i = 0; i < b; i++) {
            float w = useWide ? wideSum[i] : 0f;
            // ForwardPass adds the bias to the MLP output in float, then the wide sum in double
            logits[i] = useDeep ? (double) w + (deep[i] + bias) : (double) w + bias;
        }
    }

    private float[] wideForward(List<Example> batch) {
        int b = batch.size();
        wideSlots.clear();
        // 1: the batch's distinct coordinates (a small, cached hash)
        for (int i = 0; i < b; i++) {
            long[] ids = batch.get(i).features().wideIds();
            int base = i * nWide;
            for (int f = 0; f < nWide; f++) {
                int s = wideSlots.slot(f, ids[f]);
                if (s < 0) {
                    s = -s - 1;
                    growWideSlots(s + 1);
                    // a categorical field's wide id is its embedding id (FeatureSpec)
                    wideEmbSlot[s] = shared != null && f < nSparse ? embOcc[i * nSparse + f] : -1;
                }
                wideOcc[base + f] = s;
            }
        }
        // 2: their optimizer state, looked up after one pass that only touches the index (see prefetch); with a
        // shared index, the categorical fields' state was read by the embedding lookups
        int n = wideSlots.size();
        long touched = 0;
        for (int c = 0; c < n; c += CHUNK) {
            int end = Math.min(n, c + CHUNK);
            for (int s = c; s < end; s++) {
                if (wideEmbSlot[s] < 0) {
                    touched += ftrl.touch(wideSlots.field(s), wideSlots.id(s));
                }
            }
            for (int s = c; s < end; s++) {
                if (wideEmbSlot[s] < 0) {
                    wideFtrlRow[s] = ftrl.find(wideSlots.field(s), wideSlots.id(s));
                    loadWide(s);
                } else {
                    loadShared(s);
                }
            }
        }
        prefetched += touched;
        // 3: the sums
        float[] sums = new float[b];
        for (int i = 0; i < b; i++) {
            float sum = 0f;
            int base = i * nWide;
            for (int f = 0; f < nWide; f++) {
                int s = wideOcc[base + f];
                if (wideW[s] != 0f) {
                    sum += wideW[s];
                }
            }
            sums[i] = sum;
        }
        return sums;
    }

    private void loadWide(int s) {
        // one lookup per coordinate and step: the row number is kept for the write in updateWide
        int slot = wideFtrlRow[s];
        if (slot >= 0) {
            int field = wideSlots.field(s);
            wideZ[s] = ftrl.z(field, slot);
            wideN[s] = ftrl.n(field, slot);
        } else {
            wideZ[s] = 0f;
            wideN[s] = 0f;
        }
        wideW[s] = ftrl.weight(wideZ[s], wideN[s]);
        wideGrad[s] = 0;
    }

    /** {@link #loadWide} for a categorical coordinate whose state the embedding lookups read from {@link #shared}. */
    private void loadShared(int s) {
        int e = wideEmbSlot[s];
        int field = wideSlots.field(s);
        long word = embFtrlWord[e];
        if (word == 0) {
            wideFtrlRow[s] = -1;
        } else if (shared[field].moves() == sharedMoves[field]) {
            wideFtrlRow[s] = embSharedSlot[e];
        } else {
            // an admission grew the index after the lookup: the state is the same, its slot is not (rare)
            wideFtrlRow[s] = ftrl.find(field, wideSlots.id(s));
        }
        wideZ[s] = FtrlTable.z(word);
        wideN[s] = FtrlTable.n(word);
        wideW[s] = ftrl.weight(wideZ[s], wideN[s]);
        wideGrad[s] = 0;
    }

    private void embeddingForward(List<Example> batch, boolean training, long now) {
        int b = batch.size();
        embSlots.clear();
        // 1: the batch's distinct (field, id)s and how often each occurs
        for (int i = 0; i < b; i++) {
            long[] ids = batch.get(i).features().ids();
            int base = i * nSparse;
            for (int f = 0; f < nSparse; f++) {
                int s = embSlots.slot(f, ids[f]);
                if (s < 0) {
                    s = -s - 1;
                    growEmbSlots(s + 1);
                    embSeen[s] = 0;
                }
                embSeen[s]++;
                embOcc[base + f] = s;
            }
        }
        // 2: their rows, a chunk at a time: one pass that only touches the index words (see prefetch), one that
        // finds the rows and touches them, one that reads them. When training, the ids without rows are counted
        // towards admission then, while their index words are in the caches (see countTowardsAdmission)
        int n = embSlots.size();
        long touched = 0;
        admissionNanos = 0;
        if (shared != null) {
            for (int f = 0; f < nSparse; f++) {
                sharedMoves[f] = shared[f].moves();
            }
        }
        for (int c = 0; c < n; c += CHUNK) {
            int end = Math.min(n, c + CHUNK);
            for (int s = c; s < end; s++) {
                touched += embeddingRows.touch(embSlots.field(s), embSlots.id(s));
            }
            for (int s = c; s < end; s++) {
                long entry = shared != null ? lookUpShared(s) : embeddingRows.entry(embSlots.field(s), embSlots.id(s));
                int row = InMemorySparseTable.rowOf(entry);
                embModelRow[s] = row;
                embMark[s] = entry < 0 ? entry : 0;
                if (row >= 0) {
                    touched += embeddingRows.touchRow(row);
                }
            }
            for (int s = c; s < end; s++) {
                int row = embModelRow[s];
                embPresent[s] = row >= 0;
                if (row >= 0) {
                    embeddingRows.readRow(row, embRows, s * dim);
                }
            }
            if (training) {
                long a0 = System.nanoTime();
                for (int s = c; s < end; s++) {
                    if (!embPresent[s]) {
                        countTowardsAdmission(s, now);
                    }
                }
                admissionNanos += System.nanoTime() - a0;
            }
        }
        prefetched += touched;
        Arrays.fill(embGrad, 0, n * dim, 0f);
        // 3: the deep input
        for (int i = 0; i < b; i++) {
            Encoded e = batch.get(i).features();
            int base = i * nSparse;
            int x = i * inputSize;
            for (int f = 0; f < nSparse; f++) {
                int s = embOcc[base + f];
                if (embPresent[s]) {
                    System.arraycopy(embRows, s * dim, input, x + f * dim, dim);
                } else {
                    Arrays.fill(input, x + f * dim, x + (f + 1) * dim, 0f);
                }
            }
            System.arraycopy(e.numeric(), 0, input, x + nSparse * dim, nDense);
        }
    }

    /**
     * Looks an embedding slot's key up in {@link #shared}: keeps its slot and FTRL word for {@link #loadShared}.
     *
     * @return its embedding entry (see {@link InMemorySparseTable#entry})
     */
    private long lookUpShared(int s) {
        SharedKeyIndex ix = shared[embSlots.field(s)];
        int slot = ix.find(embSlots.id(s));
        embSharedSlot[s] = slot;
        if (slot < 0) {
            embFtrlWord[s] = 0;
            return 0;
        }
        embFtrlWord[s] = ix.valueAt(slot, 0);
        return ix.valueAt(slot, 1);
    }

    private void updateWide(int b) {
        for (int i = 0; i < b; i++) {
            double g = dLogit[i];
            int base = i * nWide;
            for (int f = 0; f < nWide; f++) {
                wideGrad[wideOcc[base + f]] += g;
            }
        }
        int slots = wideSlots.size();
        // 1: every coordinate's new (z, n) and weight, from the state loaded in wideForward (no table access)
        for (int s = 0; s < slots; s++) {
            double g = wideGrad[s];
            double n = wideN[s];
            double sigma = (Math.sqrt(n + g * g) - Math.sqrt(n)) / alpha;
            float z = (float) (wideZ[s] + g - sigma * wideW[s]);
            float nn = FtrlTable.storable((float) (n + g * g));
            wideZ[s] = z;
            wideN[s] = nn;
            wideNewW[s] = ftrl.weight(z, nn);
        }
        // 2: the writes, a chunk of coordinates at a time: first touch what the chunk's writes visit (see prefetch;
        // most of what wideForward loaded is still in the caches, the touches fetch what is not), then write while
        // it is in the caches. First the state of coordinates that have some (a slot found in wideForward is
        // valid until a new coordinate is added to its field)...
        long touched = 0;
        for (int c = 0; c < slots; c += CHUNK) {
            int end = Math.min(slots, c + CHUNK);
            for (int s = c; s < end; s++) {
                if (wideFtrlRow[s] >= 0) {
                    touched += ftrl.touchSlot(wideSlots.field(s), wideFtrlRow[s]);
                }
            }
            for (int s = c; s < end; s++) {
                if (wideFtrlRow[s] >= 0) {
                    ftrl.update(wideSlots.field(s), wideFtrlRow[s], wideZ[s], wideN[s], wideW[s], wideNewW[s]);
                }
            }
        }
        // ...then the new coordinates; a full FTRL table refuses them without probing (FtrlTable.add): nothing to
        // touch for them
        if (!ftrl.full()) {
            for (int c = 0; c < slots; c += CHUNK) {
                int end = Math.min(slots, c + CHUNK);
                for (int s = c; s < end; s++) {
                    if (wideFtrlRow[s] < 0) {
                        touched += ftrl.touch(wideSlots.field(s), wideSlots.id(s));
                    }
                }
                addWide(c, end);
            }
        } else {
            addWide(0, slots);
        }
        prefetched += touched;
    }

    /** The new coordinates among wide slots {@code [from, to)}: their state, unless the FTRL table is full. */
    private void addWide(int from, int to) {
        for (int s = from; s < to; s++) {
            if (wideFtrlRow[s] < 0
                    && !ftrl.add(wideSlots.field(s), wideSlots.id(s), wideZ[s], wideN[s], wideNewW[s])) {
                refused("wide coordinate");
            }
        }
    }

    private void updateBias(double g, double sumSquares) {
        double w = model.tower().bias();
        double sigma = (Math.sqrt(biasN + sumSquares) - Math.sqrt(biasN)) / alpha;
        biasZ += g - sigma * w;
        biasN += sumSquares;
        model.tower().setBias((float) (-biasZ / ((beta + Math.sqrt(biasN)) / alpha)));
    }

    private void updateEmbeddings(int b, float[] inputGrad, long now) {
        for (int i = 0; i < b; i++) {
            int base = i * nSparse;
            int x = i * inputSize;
            for (int f = 0; f < nSparse; f++) {
                int s = embOcc[base + f];
                if (embPresent[s]) {
                    int src = x + f * dim;
                    int dst = s * dim;
                    for (int d = 0; d < dim; d++) {
                        embGrad[dst + d] += inputGrad[src + d];
                    }
                }
            }
        }
        int slots = embSlots.size();
        // a chunk at a time, touch the rows the writes visit (see prefetch: the lookups of embeddingForward have been
        // pushed out of the caches since by the rest of the step), then write
        long touched = 0;
        for (int c = 0; c < slots; c += CHUNK) {
            int end = Math.min(slots, c + CHUNK);
            for (int s = c; s < end; s++) {
                if (embPresent[s]) {
                    int row = embModelRow[s];
                    float[] record = embeddingRows.rowPage(row);
                    int at = embeddingRows.rowOffset(row);
                    // a record spans two or three cache lines (in one 4 KB page but 2 % of the time)
                    touched += Float.floatToRawIntBits(record[at]) + Float.floatToRawIntBits(record[at + 2 * dim + 1]);
                }
            }
            for (int s = c; s < end; s++) {
                if (embPresent[s]) {
                    adagradStep(s, now);
                }
            }
        }
        prefetched += touched;
    }

    private void adagradStep(int s, long now) {
        // the row read in embeddingForward is still this key's: nothing is removed during a step
        int row = embModelRow[s];
        float[] record = embeddingRows.rowPage(row);
        int at = embeddingRows.rowOffset(row);
        int acc = at + dim;
        int off = s * dim;
        for (int d = 0; d < dim; d++) {
            float g = embGrad[off + d];
            float sum = record[acc + d] + g * g;
            record[acc + d] = sum;
            record[at + d] = (float) (embRows[off + d] - learningRate * g / Math.sqrt(sum));
        }
        putTime(record, acc + dim, now);
        embChanges.changed(row);
    }

    /** A new embedding row's optimizer state: the initial accumulator, seen now. */
    private void startState(int row, long now) {
        float[] record = embeddingRows.rowPage(row);
        int acc = embeddingRows.rowOffset(row) + dim;
        Arrays.fill(record, acc, acc + dim, initialAccumulator);
        putTime(record, acc + dim, now);
    }

    /**
     * Counts the sightings of an embedding slot's id, which has no row, in this batch towards its admission: the
     * id gets a row if it has now been seen {@code admission_threshold} times, and a mark with its count otherwise.
     * Nothing of this depends on the step's gradients, so it is done in the forward pass, right after the id's
     * lookup, where its index word is still in the caches; the new row is used from the next step on.
     */
    private void countTowardsAdmission(int s, long now) {
        int field = embSlots.field(s);
        long id = embSlots.id(s);
        int seen = embSeen[s] + (embMark[s] != 0 ? markCount(embMark[s]) : 0);
        if (seen >= admissionThreshold) {
            model.initialEmbedding(field, id, embRow);
            // replaces the id's mark, if it has one
            int row = embeddingRows.putRow(field, id, embRow);
            if (row >= 0) {
                startState(row, now);
                embChanges.added(row, field, id);
                return;
            }
            refused("embedding row");
        }
        // counts above the threshold only happen while the table is full; cap them. With as many ids waiting as the
        // table's row limit, a new one is not counted (setMark refuses), as a full table refuses rows.
        embeddingRows.setMark(field, id, mark(Math.min(seen, admissionThreshold), now));
    }

    private static long mark(int count, long seconds) {
        return Long.MIN_VALUE | ((long) Math.min(count, MARK_COUNT_MASK) << MARK_COUNT_SHIFT)
                | (seconds & MARK_SECONDS_MASK);
    }

    private static int markCount(long mark) {
        return (int) (mark >>> MARK_COUNT_SHIFT) & MARK_COUNT_MASK;
    }

    private static long markSeconds(long mark) {
        return (mark << (64 - MARK_COUNT_SHIFT)) >> (64 - MARK_COUNT_SHIFT);
    }

    /**
     * Removes the embedding rows, and forgets the admission counts of ids, not seen for
     * {@code idle_expiry_seconds} by the clock; and once every {@code idle_expiry_seconds}, removes the wide
     * coordinates (FTRL state and weight) not touched since the previous time, i.e. idle for between 1 and 2 times
     * {@code idle_expiry_seconds} (see {@link FtrlTable#sweep}): without it a continuous trainer would fill the
     * FTRL table and refuse every new coordinate from then on. It visits every row, so callers run it now and then
     * (e.g. once per version), not per batch; the removed rows appear as deletions in the next
     * {@link #drainChanges()}. Does nothing when {@code idle_expiry_seconds} is 0 (never expire).
     *
     * @return the number of embedding rows removed
     */
    public int expireIdle() {
        if (idleExpirySeconds == 0) {
            return 0;
        }
        long now = nowSeconds();
        if (now - lastWideSweep >= idleExpirySeconds) {
            lastWideSweep = now;
            int wide = ftrl.sweep();
            if (wide > 0) {
                LOG.info("expired {} wide coordinates not touched for at least {} s", wide, idleExpirySeconds);
            }
        }
        long cutoff = now - idleExpirySeconds;
        KeySlots expired = new KeySlots(1024);
        embeddingRows.forEachRow((field, id, row) -> {
            if (getTime(embeddingRows.rowPage(row), embeddingRows.rowOffset(row) + 2 * dim) < cutoff) {
                expired.slot(field, id);
            }
        });
        for (int s = 0; s < expired.size(); s++) {
            int field = expired.field(s);
            long id = expired.id(s);
            embChanges.removed(embeddingRows.removeRow(field, id), field, id);
        }
        KeySlots forgotten = new KeySlots(1024);
        embeddingRows.forEachMark((field, id, mark) -> {
            if (markSeconds(mark) < cutoff) {
                forgotten.slot(field, id);
            }
        });
        for (int s = 0; s < forgotten.size(); s++) {
            embeddingRows.removeMark(forgotten.field(s), forgotten.id(s));
        }
        if (expired.size() > 0 || forgotten.size() > 0) {
            LOG.info("expired {} embedding rows and {} pending ids idle for more than {} s",
                    expired.size(), forgotten.size(), idleExpirySeconds);
        }
        return expired.size();
    }

    /**
     * The sparse rows changed since the previous call (or since this trainer started): each row's current value,
     * or a deletion where the row no longer exists. Costs the number of changed rows, plus a scan of one bit per
     * embedding row (a millisecond for ten million rows) and of the blocks of the FTRL table where a weight changed
     * (1 KB a block of 64 coordinates' slots; all of them when the weights of most blocks changed).
     *
     * @return the wide and embedding deltas
     */
    public Changes drainChanges() {
        return drainChanges(null);
    }

    /**
     * {@link #drainChanges()} into deltas the caller reuses (emptied first), typically the ones the previous call
     * returned, once it is done with them: draining then allocates nothing once the deltas have held the largest
     * drain (a drain of millions of rows would otherwise allocate tens of MB each time).
     *
     * @param into the deltas to fill: a wide one of dim 1, an embedding one of the embedding dim; null for new ones
     * @return {@code into} (or the new deltas), holding the changes
     */
    public Changes drainChanges(Changes into) {
        if (into == null) {
            into = new Changes(new SparseDelta(Table.WIDE, 1), new SparseDelta(Table.EMBEDDING, dim));
        } else if (into.wide().table() != Table.WIDE || into.wide().dim() != 1
                || into.embeddings().table() != Table.EMBEDDING || into.embeddings().dim() != dim) {
            throw new IllegalArgumentException("need a wide delta of dim 1 and an embedding delta of dim " + dim
                    + ", got " + into.wide().table() + "/" + into.wide().dim() + " and " + into.embeddings().table()
                    + "/" + into.embeddings().dim());
        }
        into.wide().clear();
        ftrl.drainInto(into.wide());
        into.embeddings().clear();
        embChanges.drainInto(embeddingRows, embRow, into.embeddings());
        return into;
    }

    /**
     * The number of examples trained on.
     *
     * @return the sum of the sizes of the batches passed to {@link #train}
     */
    public long examplesSeen() {
        return examples;
    }

    /**
     * The time spent so far in a part of the steps, by {@link #train} and {@link #score} alike (a phase that a model
     * type does not have stays 0).
     *
     * @param phase the part
     * @return nanoseconds, since this trainer was made
     */
    public long phaseNanos(StepPhase phase) {
        return phaseNanos[phase.ordinal()];
    }

    /**
     * The number of mini-batch steps taken.
     *
     * @return the number of steps: one per non-empty batch passed to {@link #train}, more while warming up
     */
    public long steps() {
        return steps;
    }

    /**
     * The number of wide coordinates with FTRL state (touched at least once, not only the non-zero weights).
     *
     * @return the row count of the FTRL table
     */
    public long wideCoordinates() {
        return ftrl.size();
    }

    /**
     * The number of ids seen but not admitted yet.
     *
     * @return the row count of the admission-count table
     */
    public long pendingIds() {
        return embeddingRows.marks();
    }

    /**
     * How many times a new row was refused because a table was at its row limit.
     *
     * @return the count since this trainer started
     */
    public long refusedRows() {
        return refusedRows;
    }

    private void refused(String what) {
        if (refusedRows++ == 0) {
            LOG.warn("a {} was refused: a table reached its row limit (limits.max_wide_rows {}, "
                    + "limits.max_embedding_rows {}); further refusals are only counted",
                    what, spec.maxWideRows(), spec.maxEmbeddingRows());
        }
    }

    private long nowSeconds() {
        return Math.floorDiv(clock.millis(), 1000L);
    }

    /** Stores seconds as two floats; the split of the latest time is kept (a step stamps every row it touches). */
    private void putTime(float[] row, int offset, long seconds) {
        if (seconds != splitSeconds) {
            splitHi = (float) Math.floor(seconds / TIME_SPLIT);
            splitLo = (float) (seconds - Math.floor(seconds / TIME_SPLIT) * TIME_SPLIT);
            splitSeconds = seconds;
        }
        row[offset] = splitHi;
        row[offset + 1] = splitLo;
    }

    private static long getTime(float[] row, int offset) {
        return (long) row[offset] * (long) TIME_SPLIT + (long) row[offset + 1];
    }

    private void ensureBatch(int b) {
        // exact sizes: the arrays go to nd4j whole (only the last batch of a stream is usually smaller)
        if (logits.length != b) {
            logits = new double[b];
            dLogit = new float[b];
            wideOcc = new int[b * nWide];
            embOcc = new int[b * nSparse];
            input = new float[b * inputSize];
        }
    }

    private void growWideSlots(int needed) {
        if (wideW.length < needed) {
            int n = Math.max(needed, wideW.length * 2);
            wideW = Arrays.copyOf(wideW, n);
            wideZ = Arrays.copyOf(wideZ, n);
            wideN = Arrays.copyOf(wideN, n);
            wideNewW = Arrays.copyOf(wideNewW, n);
            wideGrad = Arrays.copyOf(wideGrad, n);
            wideFtrlRow = Arrays.copyOf(wideFtrlRow, n);
            wideEmbSlot = Arrays.copyOf(wideEmbSlot, n);
        }
    }

    private void growEmbSlots(int needed) {
        if (embPresent.length < needed) {
            int n = Math.max(needed, embPresent.length * 2);
            embPresent = Arrays.copyOf(embPresent, n);
            embSeen = Arrays.copyOf(embSeen, n);
            embModelRow = Arrays.copyOf(embModelRow, n);
            embSharedSlot = Arrays.copyOf(embSharedSlot, n);
            embFtrlWord = Arrays.copyOf(embFtrlWord, n);
            embMark = Arrays.copyOf(embMark, n);
            embRows = Arrays.copyOf(embRows, n * dim);
            embGrad = Arrays.copyOf(embGrad, n * dim);
        }
    }
}
