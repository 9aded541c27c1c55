package io.wnd.state.encode;

import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.apache.avro.util.Utf8;

import java.nio.charset.StandardCharsets;

/**
 * The fixed 64-bit hashes that turn feature values into ids. They are part of the model format (a stored model's
 * rows are keyed by these ids), so they are defined here exactly and must never change:
 *
 * <ul>
 *   <li>{@code XXH64(bytes, seed)} is xxHash64 (Yann Collet's XXH64, as in lz4-java's
 *       {@code XXHashFactory.safeInstance().hash64()}), whose result is read as a signed Java {@code long}.</li>
 *   <li><b>Feature seed</b> of a column or cross named {@code n}: {@code XXH64(UTF-8(n), 0)}. It is the column's
 *       <em>name</em> in the spec, not its Avro field, so two columns reading one field get different ids.</li>
 *   <li><b>Categorical id</b>: {@code XXH64(UTF-8(text), seed(name))} where {@code text} is the value itself for
 *       strings, and its Java {@code toString()} otherwise (the symbol of an enum, the decimal form of an
 *       integer).</li>
 *   <li><b>Bucket id</b> of a bucketized column: the bucket index 0..n itself (not hashed).</li>
 *   <li><b>Cross id</b>: {@code XXH64(LE64(id1) || LE64(id2) || … , seed(crossName))}, i.e. xxHash64 over the
 *       members' ids in the cross's order, each written as 8 little-endian bytes.</li>
 *   <li><b>Missing</b>: a null field has the id {@link #MISSING_ID} in every sparse feature (unless a bucketized
 *       column gives a default). Crosses hash it like any other member id.</li>
 * </ul>
 *
 * <p>Ids are not salted against each other across features: every table is keyed by (feature index, id), so the
 * same id in two features names two different rows. Within one feature, two values collide only when their 64-bit
 * hashes are equal (probability about 2^-64 per pair), and a value whose hash happens to equal
 * {@link #MISSING_ID} shares the missing row; both are accepted by design.
 *
 * <p>All methods are pure and thread-safe.
 */
public final class FeatureHash {

    /** The id of a missing value, in every sparse feature. */
    public static final long MISSING_ID = Long.MIN_VALUE;

    // lz4-java's pure-Java hasher: stateless and thread-safe, and its output does not depend on the platform.
    private static final XXHash64 XXH64 = XXHashFactory.safeInstance().hash64();

    private FeatureHash() {
    }

    /**
     * The seed that salts the ids of one column or cross.
     *
     * @param featureName the column's or cross's name in the spec
     * @return {@code XXH64(UTF-8(featureName), 0)}
     */
    public static long featureSeed(String featureName) {
        byte[] b = featureName.getBytes(StandardCharsets.UTF_8);
        return XXH64.hash(b, 0, b.length, 0L);
    }

    /**
     * xxHash64 of a byte range.
     *
     * @param bytes  the buffer
     * @param offset where the range starts
     * @param length how many bytes
     * @param seed   the seed
     * @return the hash as a signed long
     */
    public static long xxh64(byte[] bytes, int offset, int length, long seed) {
        return XXH64.hash(bytes, offset, length, seed);
    }

    /**
     * The id of a categorical value.
     *
     * @param value the value (a {@link String}, an Avro {@link Utf8}, or anything whose {@code toString()} is
     *              its text)
     * @param seed  the column's {@link #featureSeed(String)}
     * @return {@code XXH64(UTF-8(text), seed)}
     */
    public static long categoricalId(Object value, long seed) {
        if (value instanceof Utf8) {
            // Avro's own string type already holds UTF-8 bytes: hash them without a copy.
            Utf8 u = (Utf8) value;
            return XXH64.hash(u.getBytes(), 0, u.getByteLength(), seed);
        }
        byte[] b = value.toString().getBytes(StandardCharsets.UTF_8);
        return XXH64.hash(b, 0, b.length, seed);
    }

    /**
     * The id of a cross.
     *
     * @param ids     the sparse features' ids
     * @param members the positions in {@code ids} of the cross's members, in the cross's order
     * @param seed    the cross's {@link #featureSeed(String)}
     * @param scratch a buffer of at least {@code 8 * members.length} bytes (overwritten)
     * @return {@code XXH64(LE64(ids[m0]) || LE64(ids[m1]) || …, seed)}
     */
    public static long crossId(long[] ids, int[] members, long seed, byte[] scratch) {
        int p = 0;
        for (int m : members) {
            long v = ids[m];
            for (int k = 0; k < 8; k++) {
                scratch[p++] = (byte) (v >>> (8 * k));
            }
        }
        return XXH64.hash(scratch, 0, p, seed);
    }
}
