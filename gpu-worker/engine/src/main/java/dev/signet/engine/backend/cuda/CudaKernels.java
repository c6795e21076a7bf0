package dev.signet.engine.backend.cuda;

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
import jcuda.NativePointerObject;
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
    private static final int ARG_SLOT = Long.BYTES;
    private final CUmodule module = new CUmodule();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final String target;
    private final ByteBuffer argSlots = ByteBuffer.allocateDirect(MAX_ARGS * ARG_SLOT).order(ByteOrder.nativeOrder());
    private final Pointer[] paramsOf = new Pointer[MAX_ARGS + 1];  // [n]: the kernelParams of an n-argument launch

    CudaKernels(int computeMajor) {
        this.target = computeMajor >= 9 ? "sm_90" : "compute_80";
        byte[] ptx = ptx(SOURCE + "." + target + ".ptx");
        cuModuleLoadData(module, Arrays.copyOf(ptx, ptx.length + 1));  // the driver wants NUL-terminated text
        NativePointerObject[] slots = new NativePointerObject[MAX_ARGS];
        for (int i = 0; i < MAX_ARGS; i++) {
            slots[i] = Pointer.to(argSlots).withByteOffset((long) ARG_SLOT * i);
        }
        for (int n = 0; n <= MAX_ARGS; n++) {
            paramsOf[n] = Pointer.to(Arrays.copyOf(slots, n));
        }
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
     * (device addresses and 64-bit counts), {@link Integer} or {@link Float}, in the kernel's parameter order.
     */
    void launch(String name, int gridX, int gridY, int block, Object... args) {
        launchGrid3(name, gridX, gridY, 1, block, args);
    }

    /**
     * {@link #launch(String, int, int, int, Object...)} on a three-dimensional grid. The arguments are written into
     * one reused direct buffer whose slots the cached parameter pointers point at (the driver copies them during
     * the call), so a launch allocates nothing native and pins no Java array: a decode step issues hundreds.
     */
    void launchGrid3(String name, int gridX, int gridY, int gridZ, int block, Object... args) {
        if (args.length > MAX_ARGS) {
            throw new IllegalArgumentException(name + ": " + args.length + " arguments, at most " + MAX_ARGS);
        }
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case Long l -> argSlots.putLong(ARG_SLOT * i, l);
                case Integer n -> argSlots.putInt(ARG_SLOT * i, n);
                case Float f -> argSlots.putFloat(ARG_SLOT * i, f);
                default -> throw new IllegalArgumentException(name + ": unsupported kernel argument " + args[i]);
            }
        }
        cuLaunchKernel(function(name), gridX, gridY, gridZ, block, 1, 1, 0, null, paramsOf[args.length], null);
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
