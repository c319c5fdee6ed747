package dev.sparkpretrain.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Environment variables that ND4J's CPU backend reads once, when its native libraries load, and that decide much of
 * its speed. Java cannot set them for its own process, so launchers export them ({@code bin/pretrain} does) and
 * {@link #warnIfMissing()} names the missing ones.
 *
 * <ul>
 *   <li>{@code OPENBLAS_CORETYPE}: OpenBLAS (which runs ND4J's rank-3/4 matrix products, i.e. attention) picks its
 *       kernels from the CPU model. Virtual machines often report a generic model ("Intel Xeon Processor"), and
 *       OpenBLAS then falls back to its SSE3 kernels ("Prescott"): measured 3x slower on the attention products of
 *       the tiny model than with {@code SKYLAKEX} on the same AVX-512 machine. Derived here from the CPU's flags.</li>
 *   <li>{@code OMP_WAIT_POLICY=PASSIVE}: with more than one OpenMP thread, libgomp's idle threads otherwise spin
 *       for milliseconds after every parallel GEMM, taking the core that libnd4j's own thread pool needs for the
 *       element-wise op that follows (tiny BERT with 2 threads: 3-4x fewer tokens per CPU-second than with
 *       {@code PASSIVE}).</li>
 * </ul>
 *
 * <p>Example: {@code CpuBackendEnvironment.recommended(CpuBackendEnvironment.cpuFlags(), System.getenv())} gives
 * {@code {OPENBLAS_CORETYPE=SKYLAKEX, OMP_WAIT_POLICY=PASSIVE}} on an AVX-512 machine where neither is set.
 */
public final class CpuBackendEnvironment {
    private static final Logger LOG = LoggerFactory.getLogger(CpuBackendEnvironment.class);
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final Set<String> AVX512 = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");

    private CpuBackendEnvironment() {}

    /**
     * The variables to add to {@code env} (those it already sets are left alone): the OpenBLAS kernel family that
     * the CPU flags support ({@code SKYLAKEX} with AVX-512, {@code HASWELL} with AVX2 and FMA, none otherwise) and
     * the passive OpenMP wait policy.
     */
    public static Map<String, String> recommended(Set<String> cpuFlags, Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!env.containsKey("OPENBLAS_CORETYPE")) {
            if (cpuFlags.containsAll(AVX512)) {
                out.put("OPENBLAS_CORETYPE", "SKYLAKEX");
            } else if (cpuFlags.contains("avx2") && cpuFlags.contains("fma")) {
                out.put("OPENBLAS_CORETYPE", "HASWELL");
            }
        }
        if (!env.containsKey("OMP_WAIT_POLICY")) {
            out.put("OMP_WAIT_POLICY", "PASSIVE");
        }
        return out;
    }

    /** The flags of the first CPU in {@code /proc/cpuinfo}, or none where that file does not exist (not Linux). */
    public static Set<String> cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("flags"))
                    .findFirst()
                    .map(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+"))
                            .collect(Collectors.toUnmodifiableSet()))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** Logs, once per JVM, the recommended variables that this process was started without. */
    public static void warnIfMissing() {
        if (WARNED.getAndSet(true)) {
            return;
        }
        Map<String, String> missing = recommended(cpuFlags(), System.getenv());
        if (!missing.isEmpty()) {
            LOG.warn("ND4J CPU backend started without {}: export them before the JVM starts (bin/pretrain does); "
                    + "see CpuBackendEnvironment", missing);
        }
    }
}
