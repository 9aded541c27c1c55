package io.wnd.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the CUDA backend of this build can run on a GPU, from its compute capability alone (pure functions; no
 * ND4J). {@code nd4j-cuda-11.6} 1.0.0-M2.1, the last DL4J release, carries machine code for compute capability
 * 3.7, 5.0, 5.2, 6.0, 6.1, 7.0, 7.5, 8.0 and 8.6 and no PTX, so the driver cannot compile kernels for a newer GPU.
 * Machine code for X.y runs on X.z with z &ge; y (same major version): Ada (8.9) runs the 8.6 code, Hopper (9.0,
 * H100/H200) and later run nothing.
 *
 * <p>ND4J picks its backend once per JVM, by the priorities in the environment variables
 * {@code BACKEND_PRIORITY_CPU} (default 0) and {@code BACKEND_PRIORITY_GPU} (default 100), among the backends on
 * the classpath that report themselves available ({@code Nd4jBackend.load}); the CUDA backend reports itself
 * available on any GPU the driver sees, so on an unsupported one it must be ruled out before the JVM starts:
 * the {@code wnd} launcher asks {@code nvidia-smi} and sets {@code BACKEND_PRIORITY_CPU} above the GPU's
 * priority, and says why in {@value #UNSUPPORTED_ENV}.
 */
public final class GpuSupport {

    /** The environment variable in which the launcher names the GPU it ruled out (e.g. {@code "9.0"}). */
    public static final String UNSUPPORTED_ENV = "WND_GPU_UNSUPPORTED";

    /** The compute capabilities with machine code in this build's CUDA backend. */
    public static final List<ComputeCapability> KERNELS = List.of(cc(3, 7), cc(5, 0), cc(5, 2), cc(6, 0), cc(6, 1),
            cc(7, 0), cc(7, 5), cc(8, 0), cc(8, 6));

    private static final Pattern CC = Pattern.compile("\\s*(\\d+)\\.(\\d+)\\s*");

    private GpuSupport() {
    }

    /**
     * A CUDA compute capability.
     *
     * @param major the major version (e.g. 9 for Hopper)
     * @param minor the minor version
     */
    public record ComputeCapability(int major, int minor) {
        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /** What the trainer does about GPUs. */
    public enum Decision {
        /** No GPU is visible: the CPU backend. */
        CPU_NO_GPU,
        /** A GPU is visible but this build's CUDA backend has no kernels for it: the CPU backend. */
        CPU_UNSUPPORTED_GPU,
        /** The GPU can run this build's CUDA backend. */
        GPU
    }

    private static ComputeCapability cc(int major, int minor) {
        return new ComputeCapability(major, minor);
    }

    /**
     * Parses one compute capability as {@code nvidia-smi --query-gpu=compute_cap --format=csv,noheader} prints
     * it ({@code "8.6"}, {@code " 9.0 "}).
     *
     * @param text the text
     * @return the capability, or empty if the text is not {@code MAJOR.MINOR}
     */
    public static Optional<ComputeCapability> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = CC.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(cc(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses {@code nvidia-smi}'s output: one capability per line (one line per GPU); lines that are not a
     * capability (errors, "[N/A]") are skipped.
     *
     * @param output the whole output
     * @return the capabilities, in GPU order
     */
    public static List<ComputeCapability> parseAll(String output) {
        List<ComputeCapability> out = new ArrayList<>();
        if (output != null) {
            for (String line : output.split("\\R")) {
                parse(line).ifPresent(out::add);
            }
        }
        return out;
    }

    /**
     * Whether this build's CUDA kernels run on a GPU: some kernel has the same major version and a minor version
     * no higher than the GPU's.
     *
     * @param gpu the GPU's compute capability
     * @return true if the CUDA backend can run on it
     */
    public static boolean supported(ComputeCapability gpu) {
        for (ComputeCapability k : KERNELS) {
            if (k.major() == gpu.major() && k.minor() <= gpu.minor()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The backend decision for the GPUs of a machine; ND4J uses the first GPU, so the first decides.
     *
     * @param gpus the capabilities of the visible GPUs (empty: none)
     * @return the decision
     */
    public static Decision decide(List<ComputeCapability> gpus) {
        if (gpus.isEmpty()) {
            return Decision.CPU_NO_GPU;
        }
        return supported(gpus.get(0)) ? Decision.GPU : Decision.CPU_UNSUPPORTED_GPU;
    }

    /**
     * For the {@code wnd} launcher: prints the decision for {@code nvidia-smi}'s output as one word, then for an
     * unsupported GPU its compute capability: {@code gpu}, {@code cpu-no-gpu}, or {@code cpu-unsupported-gpu 9.0}.
     *
     * @param args the output of {@code nvidia-smi --query-gpu=compute_cap --format=csv,noheader} (one argument)
     */
    public static void main(String[] args) {
        List<ComputeCapability> gpus = parseAll(String.join("\n", args));
        Decision d = decide(gpus);
        System.out.println(d == Decision.CPU_UNSUPPORTED_GPU ? "cpu-unsupported-gpu " + gpus.get(0)
                : d == Decision.GPU ? "gpu" : "cpu-no-gpu");
    }

    /**
     * The one line that says why a GPU is not used.
     *
     * @param gpu the GPU's compute capability as reported (e.g. {@code "9.0"})
     * @return the sentence
     */
    public static String unsupportedMessage(String gpu) {
        return "the GPU has compute capability " + gpu + ", but this build's CUDA backend (nd4j-cuda-11.6 "
                + "1.0.0-M2.1, the last DL4J release) has kernels for compute capability 3.7-8.6 (8.9 runs them) and "
                + "none for 9.0 or later (Hopper: H100/H200)";
    }
}
