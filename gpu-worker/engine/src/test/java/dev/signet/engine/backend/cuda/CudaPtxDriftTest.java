package dev.signet.engine.backend.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.signet.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The committed PTX is what the committed .cu sources compile to: beside each PTX lies the sha256 of the
 * source it was built from, and a source edited without running build-ptx.sh fails here; every Hopper kernel
 * waits for the one before it. Runs without a GPU.
 */
class CudaPtxDriftTest {

    /** The kernel that walks its signs while proj_*_base finishes and adds into out after its wait. */
    private static final String READS_BEFORE_ITS_WAIT = "proj_sign_terms";

    @ParameterizedTest(name = "{0}")
    @CsvSource({"sm_90, sm_90", "compute_80, sm_80"})
    void everyKernelSourceMatchesTheHashRecordedBesideItsPtx(String target, String ptxTarget) throws IOException, NoSuchAlgorithmException {
        Path sources = Fixtures.repoRoot().resolve("gpu-worker/engine/src/main/cuda");
        List<Path> cuFiles;
        try (Stream<Path> files = Files.list(sources)) {
            cuFiles = files.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
        assertThat(cuFiles).as("kernel sources in " + sources).isNotEmpty();
        for (Path cu : cuFiles) {
            String name = cu.getFileName().toString().replace(".cu", "");
            String ptxFile = name + "." + target + ".ptx";
            byte[] ptx = CudaKernels.ptx(ptxFile);
            assertThat(new String(ptx, StandardCharsets.US_ASCII)).as(ptxFile).contains(".target " + ptxTarget);
            byte[] recorded = CudaKernels.ptx(ptxFile + ".sha256");
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(cu)));
            assertThat(new String(recorded, StandardCharsets.US_ASCII).split("\\s+")[0])
                    .as(ptxFile + " was built from another " + cu.getFileName() + ": run gpu-worker/engine/src/main/cuda/build-ptx.sh")
                    .isEqualTo(hash);
        }
    }

    /**
     * The host launches every kernel on sm_90 allowed to start before the one ahead of it has finished (programmatic
     * dependent launch), so each must wait for that one before it touches memory: a kernel without the wait would
     * read its inputs half-written. proj_sign_terms alone reads before its wait (its signs, and x, which the kernels
     * before proj_*_base wrote), and writes global memory after it (its warps' partial sums go through shared memory
     * before); that holds because proj_*_base lets it start only once every base block has passed its own wait, so
     * every kernel before the base term has completed.
     */
    @Test
    void everyHopperKernelWaitsForTheKernelBeforeIt() {
        String ptx = new String(CudaKernels.ptx(CudaKernels.SOURCE + ".sm_90.ptx"), StandardCharsets.US_ASCII);
        String[] entries = ptx.split("\\.entry ");
        assertThat(entries.length).as("kernels in the sm_90 PTX").isGreaterThan(1);
        for (int i = 1; i < entries.length; i++) {
            String name = entries[i].substring(0, entries[i].indexOf('('));
            int wait = entries[i].indexOf("griddepcontrol.wait");
            assertThat(wait).as(name + " waits for the kernel before it (AFTER_PREVIOUS_KERNEL)").isPositive();
            List<String> beforeWait = entries[i].substring(0, wait).lines().map(String::strip).toList();
            assertThat(beforeWait.stream().filter(name.equals(READS_BEFORE_ITS_WAIT) ? CudaPtxDriftTest::writes
                    : CudaPtxDriftTest::touchesMemoryOrLeaves))
                    .as(name + ": memory accesses, branches or returns before its wait").isEmpty();
            int letNextStart = entries[i].indexOf("griddepcontrol.launch_dependents");
            if (letNextStart >= 0 || name.matches("proj_\\w+_base")) {
                assertThat(letNextStart).as(name + " lets the next kernel (" + READS_BEFORE_ITS_WAIT + " after the base term) start after its own wait")
                        .isGreaterThan(wait);
            }
        }
    }

    /** A PTX instruction that writes memory other kernels see (shared memory is the block's own). */
    private static boolean writes(String line) {
        return line.matches("(@!?%\\S+ )?((st|atom|red)\\.(?!shared)|cp\\.async).*");
    }

    /** A PTX instruction that reads or writes memory other than the parameters, or leaves the straight line to the wait. */
    private static boolean touchesMemoryOrLeaves(String line) {
        return writes(line) || line.matches("(@!?%\\S+ )?(st\\.shared|ld\\.(?!param)|bra|ret|call).*");
    }
}
