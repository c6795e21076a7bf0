package dev.signet.engine.backend.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import jcuda.CudaException;
import jcuda.driver.CUresult;

/**
 * The kernels of {@code kernels.cu}, loaded from the committed PTX with {@code cuModuleLoadData} (the driver
 * JIT-compiles it for the device): the sm_90 build on compute capability 9.0 and later, the portable compute_80
 * build elsewhere. Launches go to the context's default stream, so they run in the order issued; on sm_90 each is
 * a programmatic dependent launch (below). Not thread-safe (launches share one argument buffer): the backend's
 * owner thread launches.
 *
 * <p>Module loading and launches call {@code libcuda.so.1} through the Foreign Function API rather than JCuda:
 * JCuda 12.6 binds no {@code cuLaunchKernelEx}, and only it takes launch attributes. With
 * {@code CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION} a kernel may start while the one before it is
 * finishing, its launch and its blocks' set-up overlapping that kernel's tail; every kernel first waits for the one
 * before it ({@code AFTER_PREVIOUS_KERNEL} in kernels.cu). Same library and context as JCuda's calls.
 */
final class CudaKernels implements AutoCloseable {
    static final String SOURCE = "kernels";
    private static final int MAX_ARGS = 24;
    private static final int MAX_PARAM_BYTES = 4096;  // a kernel's parameters, by the driver's limit
    private static final int PROGRAMMATIC_STREAM_SERIALIZATION = 6;  // CUlaunchAttributeID
    private static final long CONFIG_BYTES = 56;     // CUlaunchConfig: 7 u32, stream, attributes, their count
    private static final long ATTRIBUTE_BYTES = 72;  // CUlaunchAttribute: id, padding to 8, a 64-byte value
    private final Arena arena = Arena.ofShared();  // the owner thread may not be the one that opened the backend
    private final MemorySegment module;
    private final Map<String, MemorySegment> functions = new HashMap<>();
    private final String target;
    private long launches;
    // The arguments packed as the kernel's parameter buffer (each at its natural alignment) and its size, passed
    // through the launch's `extra` (CU_LAUNCH_PARAM_BUFFER_POINTER, _SIZE, _END): one buffer instead of a pointer
    // per argument (a 1-row decode step of the 7B shape: the host issued its launches in 2.7 ms instead of 3.7).
    private final MemorySegment packed = arena.allocate(MAX_PARAM_BYTES, Long.BYTES);
    private final MemorySegment packedSize = arena.allocate(JAVA_LONG);
    private final MemorySegment extra = arena.allocate(ADDRESS, 5);
    private final MemorySegment config = arena.allocate(CONFIG_BYTES, Long.BYTES);

    CudaKernels(int computeMajor) {
        boolean dependentLaunches = computeMajor >= 9;  // the sm_90 PTX, whose kernels wait for the one before them
        this.target = dependentLaunches ? "sm_90" : "compute_80";
        try {
            this.module = load(ptx(SOURCE + "." + target + ".ptx"));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        extra.setAtIndex(ADDRESS, 0, MemorySegment.ofAddress(1));  // CU_LAUNCH_PARAM_BUFFER_POINTER
        extra.setAtIndex(ADDRESS, 1, packed);
        extra.setAtIndex(ADDRESS, 2, MemorySegment.ofAddress(2));  // CU_LAUNCH_PARAM_BUFFER_SIZE
        extra.setAtIndex(ADDRESS, 3, packedSize);
        extra.setAtIndex(ADDRESS, 4, MemorySegment.NULL);          // CU_LAUNCH_PARAM_END
        config.set(JAVA_INT, 16, 1);  // blockDimY
        config.set(JAVA_INT, 20, 1);  // blockDimZ
        config.set(JAVA_INT, 24, 0);  // dynamic shared memory
        config.set(ADDRESS, 32, MemorySegment.NULL);  // the default stream
        if (dependentLaunches) {
            MemorySegment attribute = arena.allocate(ATTRIBUTE_BYTES, Long.BYTES);
            attribute.set(JAVA_INT, 0, PROGRAMMATIC_STREAM_SERIALIZATION);
            attribute.set(JAVA_INT, 8, 1);
            config.set(ADDRESS, 40, attribute);
            config.set(JAVA_INT, 48, 1);
        } else {
            config.set(ADDRESS, 40, MemorySegment.NULL);
            config.set(JAVA_INT, 48, 0);
        }
    }

    /** The module of {@code ptx}: the driver copies the (NUL-terminated) text, so it lives only for the call. */
    private MemorySegment load(byte[] ptx) {
        try (Arena call = Arena.ofConfined()) {
            MemorySegment handle = call.allocate(ADDRESS);
            check(Driver.call(Driver.MODULE_LOAD_DATA, handle, call.allocateFrom(JAVA_BYTE, Arrays.copyOf(ptx, ptx.length + 1))),
                    "cuModuleLoadData");
            return handle.get(ADDRESS, 0);
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
     * (device addresses and 64-bit counts), {@link Integer}, {@link Float} or {@code long[]} (a struct of u64 passed
     * by value), in the kernel's parameter order.
     */
    void launch(String name, int gridX, int gridY, int block, Object... args) {
        launchGrid3(name, gridX, gridY, 1, block, args);
    }

    /**
     * {@link #launch(String, int, int, int, Object...)} on a three-dimensional grid. The arguments are packed into
     * one reused native buffer as the kernel's parameter buffer (the driver copies it during the call), so a launch
     * allocates nothing: a decode step issues hundreds.
     */
    void launchGrid3(String name, int gridX, int gridY, int gridZ, int block, Object... args) {
        if (args.length > MAX_ARGS) {
            throw new IllegalArgumentException(name + ": " + args.length + " arguments, at most " + MAX_ARGS);
        }
        long at = 0;
        for (Object arg : args) {
            switch (arg) {
                case Long l -> {
                    at = (at + Long.BYTES - 1) & -Long.BYTES;
                    packed.set(JAVA_LONG, at, l);
                    at += Long.BYTES;
                }
                case Integer n -> {
                    packed.set(JAVA_INT, at, n);
                    at += Integer.BYTES;
                }
                case Float f -> {
                    packed.set(JAVA_FLOAT, at, f);
                    at += Float.BYTES;
                }
                case long[] table -> {  // a by-value array of u64 (a struct of them in the kernel)
                    at = (at + Long.BYTES - 1) & -Long.BYTES;
                    if (at + (long) table.length * Long.BYTES > MAX_PARAM_BYTES) {
                        throw new IllegalArgumentException(name + ": parameters past " + MAX_PARAM_BYTES + " bytes");
                    }
                    MemorySegment.copy(table, 0, packed, JAVA_LONG, at, table.length);
                    at += (long) table.length * Long.BYTES;
                }
                default -> throw new IllegalArgumentException(name + ": unsupported kernel argument " + arg);
            }
        }
        packedSize.set(JAVA_LONG, 0, at);
        config.set(JAVA_INT, 0, gridX);
        config.set(JAVA_INT, 4, gridY);
        config.set(JAVA_INT, 8, gridZ);
        config.set(JAVA_INT, 12, block);
        check(Driver.launchKernelEx(config, function(name), MemorySegment.NULL, extra), name);
        launches++;
    }

    /** Kernels launched so far: a launch may have written any buffer it was given. */
    long launches() {
        return launches;
    }

    private MemorySegment function(String name) {
        return functions.computeIfAbsent(name, n -> {
            try (Arena call = Arena.ofConfined()) {
                MemorySegment handle = call.allocate(ADDRESS);
                check(Driver.call(Driver.MODULE_GET_FUNCTION, handle, module, call.allocateFrom(n)), "cuModuleGetFunction " + n);
                return handle.get(ADDRESS, 0);
            }
        });
    }

    /** A driver result as JCuda reports one (its exceptions are on): CUDA_SUCCESS, or a {@link CudaException}. */
    private static void check(int result, String what) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(CUresult.stringFor(result) + " (" + what + ")");
        }
    }

    @Override
    public void close() {
        try {
            check(Driver.call(Driver.MODULE_UNLOAD, module), "cuModuleUnload");
        } finally {
            arena.close();
        }
    }

    /** The driver's entry points, bound on first use (the PTX drift test reads this class's resources without a GPU). */
    private static final class Driver {
        private static final Linker LINKER = Linker.nativeLinker();
        private static final SymbolLookup CUDA = SymbolLookup.libraryLookup("libcuda.so.1", Arena.global());
        static final MethodHandle MODULE_LOAD_DATA = bind("cuModuleLoadData", 2);
        static final MethodHandle MODULE_GET_FUNCTION = bind("cuModuleGetFunction", 3);
        static final MethodHandle MODULE_UNLOAD = bind("cuModuleUnload", 1);
        private static final MethodHandle LAUNCH_KERNEL_EX = bind("cuLaunchKernelEx", 4);

        /** {@code CUresult name(void*, ...)} with {@code pointers} pointer arguments. */
        private static MethodHandle bind(String name, int pointers) {
            MemorySegment symbol = CUDA.find(name).orElseThrow(() -> new IllegalStateException("libcuda.so.1 has no " + name));
            MemoryLayout[] args = new MemoryLayout[pointers];
            Arrays.fill(args, ADDRESS);
            return LINKER.downcallHandle(symbol, FunctionDescriptor.of(JAVA_INT, args));
        }

        /** A module call (not on the launch path: the arguments go through an array). */
        static int call(MethodHandle function, Object... args) {
            try {
                return (int) function.invokeWithArguments(args);
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        /** The launch, typed exactly so the JIT links it directly: hundreds a step. */
        static int launchKernelEx(MemorySegment config, MemorySegment function, MemorySegment params, MemorySegment extra) {
            try {
                return (int) LAUNCH_KERNEL_EX.invokeExact(config, function, params, extra);
            } catch (Throwable e) {
                throw unchecked(e);
            }
        }

        private static RuntimeException unchecked(Throwable e) {
            if (e instanceof Error err) {
                throw err;
            }
            return e instanceof RuntimeException r ? r : new IllegalStateException("calling the CUDA driver failed", e);
        }
    }
}
