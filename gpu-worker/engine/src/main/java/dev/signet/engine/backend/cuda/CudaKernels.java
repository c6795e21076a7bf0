package dev.signet.engine.backend.cuda;

import static jcuda.driver.JCudaDriver.CU_LAUNCH_PARAM_BUFFER_POINTER;
import static jcuda.driver.JCudaDriver.CU_LAUNCH_PARAM_BUFFER_SIZE;
import static jcuda.driver.JCudaDriver.CU_LAUNCH_PARAM_END;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleUnload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;

/**
 * The kernels of {@code kernels.cu}, loaded from the committed PTX with {@code cuModuleLoadData} (the driver
 * JIT-compiles it for the device): the sm_90 build on compute capability 9.0 and later, the portable compute_80
 * build elsewhere. Launches go to the context's default stream, so they run in the order issued. Not thread-safe
 * (launches share one argument buffer): the backend's owner thread launches.
 */
final class CudaKernels implements AutoCloseable {
    static final String SOURCE = "kernels";
    private static final int MAX_ARGS = 24;
    private static final int MAX_PARAM_BYTES = 4096;  // a kernel's parameters, by the driver's limit
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final String target;
    private long launches;
    // The arguments packed as the kernel's parameter buffer (each at its natural alignment), and its size: passed
    // through cuLaunchKernel's `extra`, five pointers for JCuda to translate instead of one per argument (a 1-row
    // decode step of the 7B shape: the host issued its launches in 2.7 ms instead of 3.7).
    private final ByteBuffer packed = ByteBuffer.allocateDirect(MAX_PARAM_BYTES).order(ByteOrder.nativeOrder());
    private final ByteBuffer packedSize = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.nativeOrder());
    private final Pointer extra = Pointer.to(CU_LAUNCH_PARAM_BUFFER_POINTER, Pointer.to(packed), CU_LAUNCH_PARAM_BUFFER_SIZE,
            Pointer.to(packedSize), CU_LAUNCH_PARAM_END);

    CudaKernels(int computeMajor) {
        this.target = computeMajor >= 9 ? "sm_90" : "compute_80";
        byte[] ptx = ptx(SOURCE + "." + target + ".ptx");
        cuModuleLoadData(module, Arrays.copyOf(ptx, ptx.length + 1));  // the driver wants NUL-terminated text
    }

    /** The PTX file's bytes from the classpath, next to this class. */
    static byte[] ptx(String file) {
        try (InputStream in = CudaKernels.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + file + " is missing from the classpath (run build-ptx.sh)");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String target() {
        return target;
    }

    /**
     * Launches {@code name} on a {@code grid} of blocks of {@code block} threads. Arguments are {@link Long}
     * (device addresses and 64-bit counts), {@link Integer}, {@link Float} or {@code long[]} (a struct of u64 passed
     * by value), in the kernel's parameter order.
     */
    void launch(String name, int gridX, int gridY, int block, Object... args) {
        launchGrid3(name, gridX, gridY, 1, block, args);
    }

    /**
     * {@link #launch(String, int, int, int, Object...)} on a three-dimensional grid. The arguments are packed into
     * one reused direct buffer as the kernel's parameter buffer (the driver copies it during the call), so a launch
     * allocates nothing native and pins no Java array: a decode step issues hundreds.
     */
    void launchGrid3(String name, int gridX, int gridY, int gridZ, int block, Object... args) {
        if (args.length > MAX_ARGS) {
            throw new IllegalArgumentException(name + ": " + args.length + " arguments, at most " + MAX_ARGS);
        }
        int at = 0;
        for (Object arg : args) {
            switch (arg) {
                case Long l -> {
                    at = (at + Long.BYTES - 1) & -Long.BYTES;
                    packed.putLong(at, l);
                    at += Long.BYTES;
                }
                case Integer n -> {
                    packed.putInt(at, n);
                    at += Integer.BYTES;
                }
                case Float f -> {
                    packed.putFloat(at, f);
                    at += Float.BYTES;
                }
                case long[] table -> {  // a by-value array of u64 (a struct of them in the kernel)
                    at = (at + Long.BYTES - 1) & -Long.BYTES;
                    if (at + (long) table.length * Long.BYTES > MAX_PARAM_BYTES) {
                        throw new IllegalArgumentException(name + ": parameters past " + MAX_PARAM_BYTES + " bytes");
                    }
                    for (long v : table) {
                        packed.putLong(at, v);
                        at += Long.BYTES;
                    }
                }
                default -> throw new IllegalArgumentException(name + ": unsupported kernel argument " + arg);
            }
        }
        packedSize.putLong(0, at);
        cuLaunchKernel(function(name), gridX, gridY, gridZ, block, 1, 1, 0, null, null, extra);
        launches++;
    }

    /** Kernels launched so far: a launch may have written any buffer it was given. */
    long launches() {
        return launches;
    }

    private CUfunction function(String name) {
        return functions.computeIfAbsent(name, n -> {
            CUfunction f = new CUfunction();
            cuModuleGetFunction(f, module, n);
            return f;
        });
    }

    @Override
    public void close() {
        cuModuleUnload(module);
    }
}
