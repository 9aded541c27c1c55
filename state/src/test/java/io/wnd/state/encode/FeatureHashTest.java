package io.wnd.state.encode;

import io.wnd.state.testdata.Xxh64Reference;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class FeatureHashTest {

    @Test
    void shouldAgreeWithThePublishedXxh64TestVectors() {
        // Published values of XXH64 with seed 0 (xxHash's sanity checks and Wikipedia's test vectors).
        assertThat(FeatureHash.xxh64(new byte[0], 0, 0, 0L)).isEqualTo(0xEF46DB3751D8E999L);
        byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
        assertThat(FeatureHash.xxh64(abc, 0, 3, 0L)).isEqualTo(0x44BC2CF5AD770999L);
        assertThat(Xxh64Reference.hash(new byte[0], 0L)).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(Xxh64Reference.hash(abc, 0L)).isEqualTo(0x44BC2CF5AD770999L);
    }

    @Test
    void shouldAgreeWithTheReferenceImplementationOnEveryLengthAndSeed() {
        SplittableRandom random = new SplittableRandom(1);
        for (int len = 0; len < 100; len++) {
            byte[] b = new byte[len];
            for (int i = 0; i < len; i++) {
                b[i] = (byte) random.nextInt();
            }
            long seed = random.nextLong();
            assertThat(FeatureHash.xxh64(b, 0, len, seed)).as("length %d", len).isEqualTo(Xxh64Reference.hash(b, seed));
        }
    }

    @Test
    void shouldDeriveTheFeatureSeedFromTheUtf8Name() {
        assertThat(FeatureHash.featureSeed("C1"))
                .isEqualTo(Xxh64Reference.hash("C1".getBytes(StandardCharsets.UTF_8), 0L));
    }

    @Test
    void shouldHashStringsAndAvroUtf8Alike() {
        long seed = FeatureHash.featureSeed("occupation");

        long fromString = FeatureHash.categoricalId("Tech-support", seed);

        assertThat(FeatureHash.categoricalId(new Utf8("Tech-support"), seed)).isEqualTo(fromString);
        assertThat(fromString).isEqualTo(Xxh64Reference.hash("Tech-support".getBytes(StandardCharsets.UTF_8), seed));
    }

    @Test
    void shouldHashNonAsciiTextAsUtf8() {
        long seed = FeatureHash.featureSeed("native_country");

        assertThat(FeatureHash.categoricalId("Curaçao", seed))
                .isEqualTo(Xxh64Reference.hash(new byte[]{'C', 'u', 'r', 'a', (byte) 0xC3, (byte) 0xA7, 'a', 'o'}, seed));
    }

    @Test
    void shouldHashTheMembersIdsLittleEndianForACross() {
        long[] ids = {7L, -2L, 0x0102030405060708L};
        long seed = FeatureHash.featureSeed("a_x_b");
        byte[] expectedInput = new byte[16];
        System.arraycopy(Xxh64Reference.le(0x0102030405060708L), 0, expectedInput, 0, 8);
        System.arraycopy(Xxh64Reference.le(7L), 0, expectedInput, 8, 8);

        long id = FeatureHash.crossId(ids, new int[]{2, 0}, seed, new byte[16]);

        assertThat(expectedInput[0]).isEqualTo((byte) 0x08);
        assertThat(id).isEqualTo(Xxh64Reference.hash(expectedInput, seed));
    }
}
