package io.wnd.trainer;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The ND4J backend the trainer's dense tower runs on, and the start-up check of it (DESIGN §4: on a GPU that this
 * build's CUDA backend cannot run on, say so in one line and train on the CPU, or refuse to start when a GPU is
 * required). See {@link GpuSupport} for how the backend is chosen.
 */
public final class Backend {

    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);

    /** JavaCPP's limit on the process's resident memory (see {@link #skipResidentMemoryChecks}). */
    public static final String MAX_PHYSICAL_BYTES = "org.bytedeco.javacpp.maxPhysicalBytes";

    private Backend() {
    }

    /**
     * Turns off JavaCPP's check of the process's resident memory (unless the user set its limit): with a limit,
     * JavaCPP reads {@code /proc/self/statm} at every native allocation, and ND4J allocates a few dozen buffers per
     * training step (10,000 reads a second, 12-22 % of the training thread's time in the kernel, measured on the
     * development machine). The limit on the native memory JavaCPP allocates ({@code maxBytes}, by default the
     * heap's maximum) stays. Only takes effect before JavaCPP is loaded: call it first thing in {@code main}.
     *
     * @return whether the limit was turned off (false: the user set it)
     */
    public static boolean skipResidentMemoryChecks() {
        if (System.getProperty(MAX_PHYSICAL_BYTES) != null
                || System.getProperty(MAX_PHYSICAL_BYTES.toLowerCase(java.util.Locale.ROOT)) != null) {
            return false;
        }
        System.setProperty(MAX_PHYSICAL_BYTES, "0");
        return true;
    }

    /**
     * What ND4J runs on.
     *
     * @param backend          the backend class ({@code CpuBackend}, {@code JCublasBackend})
     * @param cpu              true on the CPU backend
     * @param device           the device (the GPU's name, or the CPU's BLAS and thread count)
     * @param unsupportedGpu   the compute capability of a GPU ruled out at launch (see {@link GpuSupport}), or
     *                         null
     */
    public record Info(String backend, boolean cpu, String device, String unsupportedGpu) {

        /**
         * As a JSON-ready map.
         *
         * @return backend, cpu, device and (if any) unsupported_gpu
         */
        public Map<String, Object> asMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", backend);
            m.put("cpu", cpu);
            m.put("device", device);
            if (unsupportedGpu != null) {
                m.put("unsupported_gpu", unsupportedGpu);
            }
            return m;
        }
    }

    /**
     * Describes the backend (loads ND4J on first use).
     *
     * @return the backend, device and any GPU ruled out at launch
     */
    public static Info describe() {
        String backend = Nd4j.getBackend().getClass().getSimpleName();
        boolean cpu = Nd4j.getEnvironment().isCPU();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String device;
        if (cpu) {
            device = "CPU, BLAS " + env.getOrDefault("blas.vendor", "?") + ", " + env.getOrDefault("omp.threads", "?")
                    + " OpenMP thread(s), " + Runtime.getRuntime().availableProcessors() + " core(s) visible";
        } else {
            Object devices = env.get("cuda.devicesInformation");
            device = "GPU " + (devices == null ? "?" : devices.toString());
        }
        String unsupported = System.getenv(GpuSupport.UNSUPPORTED_ENV);
        return new Info(backend, cpu, device, unsupported == null || unsupported.isBlank() ? null : unsupported);
    }

    /**
     * Checks the backend at start and logs it in one INFO line. On the CPU because the launcher ruled the GPU
     * out, logs that in one WARN line; with {@code requireGpu}, refuses to go on without a usable GPU. On a GPU,
     * runs one small operation so that a GPU the CUDA backend cannot run on fails here, with one line, not in the
     * middle of training.
     *
     * @param requireGpu whether training on the CPU is unacceptable
     * @return the backend
     * @throws IllegalStateException (one-line message) if a GPU is required and none is usable, or the CUDA
     *                               backend cannot run on the GPU
     */
    public static Info checkAtStart(boolean requireGpu) {
        Info info = describe();
        if (info.unsupportedGpu() != null) {
            String why = GpuSupport.unsupportedMessage(info.unsupportedGpu());
            if (requireGpu) {
                throw new IllegalStateException("--require-gpu: " + why);
            }
            LOG.warn("training on the CPU backend: {}", why);
        } else if (requireGpu && info.cpu()) {
            throw new IllegalStateException("--require-gpu: ND4J runs on the CPU backend (" + info.backend()
                    + "): no GPU is visible, or this build has no CUDA backend (build with -Pgpu)");
        }
        if (!info.cpu()) {
            try {
                INDArray a = Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 4);
                float sum = a.mmul(a).sumNumber().floatValue();
                if (sum != 64f) {
                    throw new IllegalStateException("4x4 ones squared summed to " + sum + ", not 64");
                }
            } catch (RuntimeException | LinkageError e) {
                throw new IllegalStateException("the CUDA backend cannot run on this GPU (" + oneLine(e)
                        + "); set BACKEND_PRIORITY_CPU=200 to train on the CPU backend", e);
            }
        }
        LOG.info("ND4J backend {} on {}", info.backend(), info.device());
        return info;
    }

    private static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getMessage() == null && t.getCause() != null) {
            t = t.getCause();
        }
        return (t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage()).replace('\n', ' ');
    }
}
