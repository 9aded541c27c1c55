package io.wnd.state.testdata;

/**
 * A second, deliberately plain implementation of xxHash64 written from the algorithm's specification
 * (github.com/Cyan4973/xxHash, doc/xxhash_spec.md), to check the hashes the encoder documents independently of
 * lz4-java.
 */
public final class Xxh64Reference {

    private static final long P1 = 0x9E3779B185EBCA87L;
    private static final long P2 = 0xC2B2AE3D27D4EB4FL;
    private static final long P3 = 0x165667B19E3779F9L;
    private static final long P4 = 0x85EBCA77C2B2AE63L;
    private static final long P5 = 0x27D4EB2F165667C5L;

    private Xxh64Reference() {
    }

    /**
     * xxHash64 of all of {@code b}.
     *
     * @param b    the bytes
     * @param seed the seed
     * @return the hash
     */
    public static long hash(byte[] b, long seed) {
        int len = b.length;
        int p = 0;
        long h;
        if (len >= 32) {
            long v1 = seed + P1 + P2;
            long v2 = seed + P2;
            long v3 = seed;
            long v4 = seed - P1;
            while (p + 32 <= len) {
                v1 = round(v1, le64(b, p));
                v2 = round(v2, le64(b, p + 8));
                v3 = round(v3, le64(b, p + 16));
                v4 = round(v4, le64(b, p + 24));
                p += 32;
            }
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = merge(h, v1);
            h = merge(h, v2);
            h = merge(h, v3);
            h = merge(h, v4);
        } else {
            h = seed + P5;
        }
        h += len;
        while (p + 8 <= len) {
            h ^= round(0, le64(b, p));
            h = Long.rotateLeft(h, 27) * P1 + P4;
            p += 8;
        }
        if (p + 4 <= len) {
            long k = (b[p] & 0xFFL) | (b[p + 1] & 0xFFL) << 8 | (b[p + 2] & 0xFFL) << 16 | (b[p + 3] & 0xFFL) << 24;
            h ^= k * P1;
            h = Long.rotateLeft(h, 23) * P2 + P3;
            p += 4;
        }
        while (p < len) {
            h ^= (b[p] & 0xFFL) * P5;
            h = Long.rotateLeft(h, 11) * P1;
            p++;
        }
        h ^= h >>> 33;
        h *= P2;
        h ^= h >>> 29;
        h *= P3;
        h ^= h >>> 32;
        return h;
    }

    /**
     * The little-endian bytes of a long.
     *
     * @param v the value
     * @return 8 bytes, least significant first
     */
    public static byte[] le(long v) {
        byte[] out = new byte[8];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (v >>> (8 * i));
        }
        return out;
    }

    private static long round(long acc, long input) {
        acc += input * P2;
        acc = Long.rotateLeft(acc, 31);
        return acc * P1;
    }

    private static long merge(long h, long v) {
        h ^= round(0, v);
        return h * P1 + P4;
    }

    private static long le64(byte[] b, int p) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[p + i] & 0xFFL);
        }
        return v;
    }
}
