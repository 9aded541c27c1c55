package io.wnd.state.encode;

import io.wnd.state.spec.CategoricalColumn;
import io.wnd.state.spec.FeatureSpec;
import io.wnd.state.spec.NumericColumn;
import io.wnd.state.spec.Transform;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes Avro feature records into {@link Encoded} inputs as a {@link FeatureSpec} says. Any
 * {@link IndexedRecord} works (a generated {@code SpecificRecord} such as {@code CriteoFeatures} or
 * {@code CensusFeatures}, or a {@code GenericRecord}): fields are found by name in the record's schema once per
 * schema, then read by position.
 *
 * <p>What a value becomes (hashes in {@link FeatureHash}):
 * <ul>
 *   <li>categorical: {@link FeatureHash#categoricalId}; null → {@link FeatureHash#MISSING_ID};</li>
 *   <li>bucketize: the bucket index ({@link Transform#BUCKETIZE}); null → the column's default if it has one,
 *       else {@link FeatureHash#MISSING_ID};</li>
 *   <li>log1p: {@code log(1 + max(x, 0))}; standardize: {@code (x - mean) / std}; identity: x; a null (or NaN)
 *       value → the transformed default if the column has one, else 0.0;</li>
 *   <li>crosses: {@link FeatureHash#crossId} over the members' ids.</li>
 * </ul>
 *
 * <p>The encoding is a pure function of the spec and the record's field values. {@link #encode} allocates
 * nothing except the UTF-8 bytes of string values that are {@link String}s (not Avro {@code Utf8}), and, once per
 * new schema, the field positions.
 *
 * <p>Not thread-safe (it holds a scratch buffer and the per-schema cache): use one encoder per thread; building
 * one is cheap.
 */
public final class Encoder {

    private static final Logger LOG = LoggerFactory.getLogger(Encoder.class);

    private final FeatureSpec spec;
    private final int nCategorical;
    private final int nSparse;
    private final int nCross;
    private final int nDense;
    private final long[] sparseSeeds;
    private final double[][] bucketBoundaries;
    private final double[] bucketDefault;
    private final boolean[] bucketHasDefault;
    private final Transform[] denseTransform;
    private final double[] denseMean;
    private final double[] denseStd;
    private final float[] denseMissing;
    private final long[] crossSeeds;
    private final int[][] crossMembers;
    private final byte[] crossScratch;

    private final Map<Schema, int[]> positionsBySchema = new IdentityHashMap<>();
    private Schema lastSchema;
    private int[] lastPositions;

    /**
     * Builds an encoder for a spec.
     *
     * @param spec the feature spec
     */
    public Encoder(FeatureSpec spec) {
        this.spec = spec;
        List<NumericColumn> buckets = spec.bucketizedColumns();
        List<NumericColumn> dense = spec.denseColumns();
        nCategorical = spec.categorical().size();
        nSparse = spec.sparseCount();
        nCross = spec.crosses().size();
        nDense = dense.size();

        sparseSeeds = spec.sparseNames().stream().mapToLong(FeatureHash::featureSeed).toArray();
        bucketBoundaries = new double[buckets.size()][];
        bucketDefault = new double[buckets.size()];
        bucketHasDefault = new boolean[buckets.size()];
        for (int i = 0; i < buckets.size(); i++) {
            NumericColumn b = buckets.get(i);
            bucketBoundaries[i] = b.boundaries().stream().mapToDouble(Double::doubleValue).toArray();
            bucketHasDefault[i] = b.defaultValue() != null;
            bucketDefault[i] = bucketHasDefault[i] ? b.defaultValue() : 0.0;
        }
        denseTransform = new Transform[nDense];
        denseMean = new double[nDense];
        denseStd = new double[nDense];
        denseMissing = new float[nDense];
        for (int i = 0; i < nDense; i++) {
            NumericColumn d = dense.get(i);
            denseTransform[i] = d.transform();
            denseMean[i] = d.mean() == null ? 0.0 : d.mean();
            denseStd[i] = d.std() == null ? 1.0 : d.std();
            denseMissing[i] = d.defaultValue() == null ? 0f : (float) transform(i, d.defaultValue());
        }
        crossSeeds = spec.crosses().stream().mapToLong(x -> FeatureHash.featureSeed(x.name())).toArray();
        crossMembers = new int[nCross][];
        int widest = 0;
        for (int c = 0; c < nCross; c++) {
            crossMembers[c] = spec.crossMembers(c);
            widest = Math.max(widest, crossMembers[c].length);
        }
        crossScratch = new byte[8 * widest];
    }

    /**
     * The spec this encoder follows.
     *
     * @return the spec
     */
    public FeatureSpec spec() {
        return spec;
    }

    /**
     * A holder shaped for this encoder's spec.
     *
     * @return a new, zeroed holder
     */
    public Encoded newEncoded() {
        return new Encoded(spec);
    }

    /**
     * Encodes one record into a reusable holder.
     *
     * @param features the feature record (e.g. a {@code CriteoFeatures})
     * @param reuse    the holder to overwrite, shaped for this spec (see {@link #newEncoded()})
     * @return {@code reuse}
     * @throws IllegalArgumentException if the record's schema lacks a field the spec reads, or a field's type
     *                                  cannot feed its column, or the holder has another shape
     */
    public Encoded encode(IndexedRecord features, Encoded reuse) {
        long[] ids = reuse.ids();
        long[] wide = reuse.wideIds();
        float[] num = reuse.numeric();
        if (ids.length != nSparse || wide.length != nSparse + nCross || num.length != nDense) {
            throw new IllegalArgumentException("the Encoded holder is not shaped for feature spec '"
                    + spec.name() + "'");
        }
        int[] pos = positions(features.getSchema());

        for (int i = 0; i < nCategorical; i++) {
            Object v = features.get(pos[i]);
            ids[i] = v == null ? FeatureHash.MISSING_ID : FeatureHash.categoricalId(v, sparseSeeds[i]);
        }
        for (int b = 0; b < bucketBoundaries.length; b++) {
            Object v = features.get(pos[nCategorical + b]);
            double x = v == null ? Double.NaN : ((Number) v).doubleValue();
            if (Double.isNaN(x) && bucketHasDefault[b]) {
                x = bucketDefault[b];
            }
            ids[nCategorical + b] = Double.isNaN(x) ? FeatureHash.MISSING_ID : bucketIndex(bucketBoundaries[b], x);
        }
        for (int d = 0; d < nDense; d++) {
            Object v = features.get(pos[nSparse + d]);
            double x = v == null ? Double.NaN : ((Number) v).doubleValue();
            num[d] = Double.isNaN(x) ? denseMissing[d] : (float) transform(d, x);
        }
        System.arraycopy(ids, 0, wide, 0, nSparse);
        for (int c = 0; c < nCross; c++) {
            wide[nSparse + c] = FeatureHash.crossId(ids, crossMembers[c], crossSeeds[c], crossScratch);
        }
        return reuse;
    }

    /**
     * The bucket that holds x: the number of boundaries that are &le; x (TensorFlow's {@code bucketized_column}).
     *
     * @param boundaries strictly ascending boundaries
     * @param x          the value
     * @return the bucket index in {@code [0, boundaries.length]}
     */
    public static int bucketIndex(double[] boundaries, double x) {
        int lo = 0;
        int hi = boundaries.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (boundaries[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private double transform(int d, double x) {
        switch (denseTransform[d]) {
            case LOG1P:
                return Math.log1p(Math.max(x, 0.0));
            case STANDARDIZE:
                return (x - denseMean[d]) / denseStd[d];
            default:
                return x;
        }
    }

    /** Field positions in spec order (categorical, bucketized, dense), resolved once per schema instance. */
    private int[] positions(Schema schema) {
        if (schema == lastSchema) {
            return lastPositions;
        }
        int[] pos = positionsBySchema.get(schema);
        if (pos == null) {
            pos = resolve(schema);
            positionsBySchema.put(schema, pos);
            LOG.debug("feature spec '{}': resolved the fields of record type {}", spec.name(), schema.getFullName());
        }
        lastSchema = schema;
        lastPositions = pos;
        return pos;
    }

    private int[] resolve(Schema schema) {
        List<String> fields = new ArrayList<>();
        List<Boolean> numericKind = new ArrayList<>();
        List<String> columns = new ArrayList<>();
        for (CategoricalColumn c : spec.categorical()) {
            fields.add(c.field());
            numericKind.add(false);
            columns.add(c.name());
        }
        for (NumericColumn n : spec.bucketizedColumns()) {
            fields.add(n.field());
            numericKind.add(true);
            columns.add(n.name());
        }
        for (NumericColumn n : spec.denseColumns()) {
            fields.add(n.field());
            numericKind.add(true);
            columns.add(n.name());
        }
        int[] pos = new int[fields.size()];
        for (int i = 0; i < pos.length; i++) {
            Schema.Field f = schema.getField(fields.get(i));
            String where = "feature spec '" + spec.name() + "' column '" + columns.get(i) + "' reads field '"
                    + fields.get(i) + "'";
            if (f == null) {
                throw new IllegalArgumentException(where + ", but record type " + schema.getFullName()
                        + " has no such field");
            }
            Schema.Type type = valueType(f.schema());
            boolean ok = numericKind.get(i) ? isNumber(type) : isCategorical(type);
            if (!ok) {
                throw new IllegalArgumentException(where + " of record type " + schema.getFullName()
                        + ", whose type " + f.schema() + " cannot be " + (numericKind.get(i)
                        ? "a number (int, long, float or double)" : "a category (string, enum, int, long or boolean)"));
            }
            pos[i] = f.pos();
        }
        return pos;
    }

    /** The non-null branch of a nullable union, or the type itself; a wider union yields UNION (refused). */
    private static Schema.Type valueType(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s.getType();
        }
        Schema.Type found = null;
        for (Schema branch : s.getTypes()) {
            if (branch.getType() == Schema.Type.NULL) {
                continue;
            }
            if (found != null) {
                return Schema.Type.UNION;
            }
            found = branch.getType();
        }
        return found == null ? Schema.Type.NULL : found;
    }

    private static boolean isNumber(Schema.Type t) {
        return t == Schema.Type.INT || t == Schema.Type.LONG || t == Schema.Type.FLOAT || t == Schema.Type.DOUBLE;
    }

    private static boolean isCategorical(Schema.Type t) {
        return t == Schema.Type.STRING || t == Schema.Type.ENUM || t == Schema.Type.INT || t == Schema.Type.LONG
                || t == Schema.Type.BOOLEAN;
    }
}
