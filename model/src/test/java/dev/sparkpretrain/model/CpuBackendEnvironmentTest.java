package dev.sparkpretrain.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CpuBackendEnvironmentTest {
    private static final Set<String> SKYLAKE = Set.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd",
            "avx512bw", "avx512dq", "avx512vl");

    @Test
    void avx512MachineGetsSkylakeKernelsAndPassiveWaiting() {
        assertEquals(Map.of("OPENBLAS_CORETYPE", "SKYLAKEX", "OMP_WAIT_POLICY", "PASSIVE"),
                CpuBackendEnvironment.recommended(SKYLAKE, Map.of()));
    }

    @Test
    void avx2MachineGetsHaswellKernels() {
        assertEquals("HASWELL", CpuBackendEnvironment.recommended(Set.of("avx", "avx2", "fma"), Map.of())
                .get("OPENBLAS_CORETYPE"));
    }

    @Test
    void partialAvx512AndUnknownCpusGetNoKernelFamily() {
        // avx512f alone (Knights Landing) lacks the BW/DQ/VL instructions the SKYLAKEX kernels use.
        assertEquals(Map.of("OMP_WAIT_POLICY", "PASSIVE"),
                CpuBackendEnvironment.recommended(Set.of("avx512f", "avx512cd", "avx"), Map.of()));
        assertEquals(Map.of("OMP_WAIT_POLICY", "PASSIVE"), CpuBackendEnvironment.recommended(Set.of(), Map.of()));
    }

    @Test
    void variablesAlreadySetAreLeftAlone() {
        assertEquals(Map.of(), CpuBackendEnvironment.recommended(SKYLAKE,
                Map.of("OPENBLAS_CORETYPE", "HASWELL", "OMP_WAIT_POLICY", "ACTIVE")));
    }
}
