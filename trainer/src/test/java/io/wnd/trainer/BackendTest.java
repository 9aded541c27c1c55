package io.wnd.trainer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BackendTest {

    private static final String LOWER = Backend.MAX_PHYSICAL_BYTES.toLowerCase(java.util.Locale.ROOT);
    private final String before = System.getProperty(Backend.MAX_PHYSICAL_BYTES);
    private final String beforeLower = System.getProperty(LOWER);

    @AfterEach
    void restore() {
        restore(Backend.MAX_PHYSICAL_BYTES, before);
        restore(LOWER, beforeLower);
    }

    @Test
    void shouldTurnOffJavaCppsResidentMemoryLimitUnlessTheUserSetIt() {
        System.clearProperty(Backend.MAX_PHYSICAL_BYTES);
        System.clearProperty(LOWER);
        assertThat(Backend.skipResidentMemoryChecks()).isTrue();
        assertThat(System.getProperty(Backend.MAX_PHYSICAL_BYTES)).isEqualTo("0");

        System.setProperty(Backend.MAX_PHYSICAL_BYTES, "8g");
        assertThat(Backend.skipResidentMemoryChecks()).isFalse();
        assertThat(System.getProperty(Backend.MAX_PHYSICAL_BYTES)).isEqualTo("8g");

        System.clearProperty(Backend.MAX_PHYSICAL_BYTES);
        System.setProperty(LOWER, "4g");
        assertThat(Backend.skipResidentMemoryChecks()).as("JavaCPP reads the lower-case name too").isFalse();
        assertThat(System.getProperty(Backend.MAX_PHYSICAL_BYTES)).isNull();
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
