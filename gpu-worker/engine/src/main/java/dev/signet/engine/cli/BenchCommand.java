package dev.signet.engine.cli;

import dev.signet.engine.backend.cpu.CpuThreadPool;
import dev.signet.engine.backend.cpu.VectorCpuBackend;
import dev.signet.engine.backend.cuda.CudaAvailability;
import dev.signet.engine.backend.cuda.CudaBackend;
import dev.signet.engine.bench.BenchResults;
import dev.signet.engine.bench.CpuBenchmark;
import dev.signet.engine.bench.DeltaBenchmark;
import dev.signet.engine.bench.GpuBenchmark;
import dev.signet.engine.bench.GpuMedusaBenchmark;
import dev.signet.engine.bench.MedusaAcceptance;
import dev.signet.engine.bench.MedusaBenchmark;
import dev.signet.engine.bench.PytorchPeer;
import dev.signet.engine.bench.ServeBenchmark;
import dev.signet.engine.bench.SyntheticLlama;
import dev.signet.engine.safetensors.DType;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code signet bench <suite>}: runs a benchmark, prints a table and writes JSON under {@code bench/results/}. */
final class BenchCommand {
    static final String USAGE = """
            usage: signet bench cpu|delta|serve|medusa|gpu [options]
              cpu                prefill/decode tokens/s at batch 1, 4 and 16 on stories260K and a synthetic
                                 110M Llama (f32 and bf16), against the floor bytes-read / memory bandwidth
              delta              decode steps of 16 rows over 0, 1, 4 and 16 BitDelta tenants on the synthetic
                                 110M Llama (f32), against the base alone and 16 separate dense models
              serve              the scheduler under a closed-loop load: 1, 8, 32 and 128 streams over 1, 8 and
                                 32 random BitDelta tenants on stories260K; tokens/s, TTFT and inter-token p50/p99
              medusa             Medusa speculation against plain decoding at batch 1, 8 and 32 for stories260K
                                 with its heads and the caps tenant with its own (bundled), fixed and adaptive trees
              gpu                decode step of a synthetic Llama-2-7B (fp16, made on GPU 0) at 1, 8 and 32 rows over
                                 0, 1, 8 and 32 BitDelta tenants, against the copy-bandwidth floor and 8 dense models;
                                 then Medusa's predicted speedup at batch 1 and 8 from the fixture heads' acceptance;
                                 with --pytorch-peer, each cell against the PyTorch peer's
              --model DIR        the small real model (default: the repository's models/stories260K)
              --out DIR          where the JSON goes (default: the repository's bench/results)
              --cache DIR        where synthetic checkpoints are written once (default: bench/.cache)
              --prompt N         prompt tokens per sequence (default 32; serve: 16)
              --steps N          decode steps measured (default 64 for cpu, 16 for delta)
              --layers N         gpu: layers of the synthetic 7B shape (default 32)
              --kv N             gpu: KV cache positions each row attends over (default 512)
              --kv-dtype T       gpu: the KV cache's element type, f16 (default, as fp16 models keep it) or f32
                                 (the worker's signet.worker.kv-dtype defaults to f32)
              --threads N        CPU threads (default: all cores)
              --tokens N         serve, medusa, gpu: greedy tokens per request (default 32; medusa and gpu 128)
              --fixtures DIR     gpu: the shared fixtures with the Medusa heads (default: the signet.fixtures
                                 property, else ../shared/fixtures beside the repository); absent: no Medusa part
              --pytorch-peer F   gpu: the report gpu-worker/gpu/pytorch_peer.py wrote on this GPU (pytorch-peer-*.json)
              --seconds S        serve: measured seconds per configuration, after 1 s of warm-up (default 3)
              --draft-rows N     medusa: spare rows per step for trees in the fixed mode (default 16)
            """;

    private BenchCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) throws Exception {
        CliArgs args = new CliArgs(argv, 1, Set.of("model", "out", "cache", "prompt", "steps", "threads", "tokens", "seconds", "draft-rows",
                "layers", "kv", "kv-dtype", "fixtures", "pytorch-peer"), Set.of());
        if (args.positionals().size() != 1 || !Set.of("cpu", "delta", "serve", "medusa", "gpu").contains(args.positionals().getFirst())) {
            throw new UsageException("name one benchmark suite: cpu, delta, serve, medusa or gpu");
        }
        int threads = args.intValue("threads", Runtime.getRuntime().availableProcessors());
        // Defaults live in the repository (the launcher says where), whatever the working directory.
        Path home = Path.of(System.getProperty("signet.home", "."));
        Path small = args.value("model").map(Path::of).orElse(home.resolve("models/stories260K"));
        Path outDir = args.value("out").map(Path::of).orElse(home.resolve("bench/results"));
        Path cache = args.value("cache").map(Path::of).orElse(home.resolve("bench/.cache"));
        int prompt = args.intValue("prompt", 32);
        boolean delta = args.positionals().getFirst().equals("delta");
        int steps = args.intValue("steps", delta ? 16 : 64);
        if (args.positionals().getFirst().equals("gpu")) {
            Path fixtures = args.value("fixtures").map(Path::of)
                    .orElse(Path.of(System.getProperty("signet.fixtures", home.resolve("../shared/fixtures").toString())));
            return runGpu(args, outDir, fixtures, out, err);
        }
        if (!Files.isDirectory(small)) {
            throw new UsageException("--model " + small + " is not a directory");
        }

        if (args.positionals().getFirst().equals("medusa")) {
            try (VectorCpuBackend backend = new VectorCpuBackend(threads)) {
                MedusaBenchmark bench = new MedusaBenchmark(backend, threads, args.intValue("tokens", 128), args.intValue("draft-rows", 16));
                Map<String, Object> doc = bench.run(small, home.resolve("models/medusa/stories260K"), home.resolve("models/deltas/caps.safetensors"),
                        home.resolve("models/medusa/caps"), out, err);
                doc.put("timestamp", LocalDateTime.now().toString());
                out.println("wrote " + BenchResults.write(outDir, "medusa", doc));
            }
            return 0;
        }
        if (args.positionals().getFirst().equals("serve")) {
            try (VectorCpuBackend backend = new VectorCpuBackend(threads)) {
                ServeBenchmark bench = new ServeBenchmark(backend, threads, args.intValue("prompt", 16), args.intValue("tokens", 32),
                        1.0, args.doubleValue("seconds", 3.0));
                Map<String, Object> doc = bench.run(small, small.getFileName().toString(), out, err);
                doc.put("timestamp", LocalDateTime.now().toString());
                out.println("wrote " + BenchResults.write(outDir, "serve", doc));
            }
            return 0;
        }
        if (delta) {
            SyntheticLlama shape = SyntheticLlama.STORIES_110M;
            Path dir = cache.resolve("synthetic-" + shape.label() + "-f32");
            err.printf("  writing/reusing synthetic %s F32 checkpoint in %s%n", shape.label(), dir);
            shape.writeTo(dir, DType.F32, 42);
            try (VectorCpuBackend backend = new VectorCpuBackend(threads)) {
                Map<String, Object> doc = new DeltaBenchmark(backend, prompt, steps).run(dir, "synthetic-" + shape.label(), out, err);
                doc.put("timestamp", LocalDateTime.now().toString());
                out.println("wrote " + BenchResults.write(outDir, "delta", doc));
            }
            return 0;
        }

        int[] batches = {1, 4, 16};
        List<CpuBenchmark.Result> results = new ArrayList<>();
        double bandwidth;
        try (VectorCpuBackend backend = new VectorCpuBackend(threads); CpuThreadPool copyPool = new CpuThreadPool(threads)) {
            CpuBenchmark bench = new CpuBenchmark(backend, copyPool, prompt, steps);
            results.addAll(bench.run("stories260K", small, batches, err));
            for (DType dtype : List.of(DType.F32, DType.BF16)) {
                SyntheticLlama shape = SyntheticLlama.STORIES_110M;
                Path dir = cache.resolve("synthetic-" + shape.label() + "-" + dtype.name().toLowerCase());
                err.printf("  writing/reusing synthetic %s %s checkpoint in %s%n", shape.label(), dtype, dir);
                shape.writeTo(dir, dtype, 42);
                results.addAll(bench.run("synthetic-" + shape.label(), dir, batches, err));
            }
            bandwidth = bench.bandwidth();
        }

        out.printf("%nSignet CPU benchmark: %d threads, memory copy bandwidth %.2f GB/s%n", threads, bandwidth / 1e9);
        out.printf("%-18s %-5s %5s %14s %14s %12s %12s %10s %12s%n", "model", "dtype", "batch", "prefill tok/s",
                "decode tok/s", "ms/step", "floor ms", "x floor", "x batch-1");
        Map<String, Double> single = new LinkedHashMap<>();
        for (CpuBenchmark.Result r : results) {
            String key = r.model() + "/" + r.dtype();
            single.putIfAbsent(key, r.decodeTokensPerSecond());
            out.printf("%-18s %-5s %5d %14.1f %14.1f %12.3f %12.3f %10.2f %12.2f%n", r.model(), r.dtype(), r.batch(),
                    r.prefillTokensPerSecond(), r.decodeTokensPerSecond(), r.decodeStepMillis(), r.floorStepMillis(),
                    r.stepOverFloor(), r.decodeTokensPerSecond() / single.get(key));
        }

        CpuBenchmark.Result target1 = find(results, "synthetic-110M", "F32", 1);
        CpuBenchmark.Result target16 = find(results, "synthetic-110M", "F32", 16);
        double overFloor = target1.stepOverFloor();
        double batchSpeedup = target16.decodeTokensPerSecond() / target1.decodeTokensPerSecond();
        out.printf("%ntargets (synthetic 110M, f32): single-stream decode %.2fx floor (target <= 1.5): %s; "
                        + "batch-16 throughput %.2fx single-stream (target >= 8): %s%n",
                overFloor, overFloor <= 1.5 ? "met" : "MISSED", batchSpeedup, batchSpeedup >= 8 ? "met" : "MISSED");

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("suite", "cpu");
        doc.put("timestamp", LocalDateTime.now().toString());
        doc.put("threads", threads);
        doc.put("cpu", BenchResults.cpuModel());
        doc.put("java", Runtime.version().toString());
        doc.put("memory_copy_bandwidth_bytes_per_second", bandwidth);
        doc.put("floor_definition", "bytes read per decode step (every weight once + KV cache) / memory copy bandwidth");
        doc.put("method", "after a warm-up, batch sizes measured in " + CpuBenchmark.REPEATS
                + " interleaved rounds, the fastest decode of each kept; bandwidth measured before each round, the best kept");
        doc.put("results", results.stream().map(r -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model());
            m.put("dtype", r.dtype());
            m.put("batch", r.batch());
            m.put("prompt_tokens", r.promptTokens());
            m.put("decode_steps", r.decodeSteps());
            m.put("prefill_tokens_per_second", r.prefillTokensPerSecond());
            m.put("decode_tokens_per_second", r.decodeTokensPerSecond());
            m.put("decode_step_ms", r.decodeStepMillis());
            m.put("floor_step_ms", r.floorStepMillis());
            m.put("decode_step_over_floor", r.stepOverFloor());
            m.put("bytes_read_per_step", r.bytesPerStep());
            return m;
        }).toList());
        doc.put("single_stream_decode_over_floor_110M_f32", overFloor);
        doc.put("batch16_over_single_stream_110M_f32", batchSpeedup);
        doc.put("targets", Map.of("single_stream_decode_over_floor_max", 1.5, "batch16_over_single_stream_min", 8.0));
        out.println("wrote " + BenchResults.write(outDir, "cpu", doc));
        return 0;
    }

    /** {@code bench gpu}: exits 1 with the reason where no GPU can be used. */
    private static int runGpu(CliArgs args, Path outDir, Path fixtures, PrintStream out, PrintStream err) throws Exception {
        int layers = args.intValue("layers", 32);
        int steps = args.intValue("steps", 10);
        int kv = args.intValue("kv", 512);
        int tokens = args.intValue("tokens", 128);
        if (layers < 1 || steps < 1 || kv < 1 || tokens < 1) {
            throw new UsageException("--layers, --steps, --kv and --tokens must be at least 1");
        }
        DType kvDtype = switch (args.value("kv-dtype").orElse("f16")) {
            case "f16" -> DType.F16;
            case "f32" -> DType.F32;
            default -> throw new UsageException("--kv-dtype is f16 or f32, not " + args.value("kv-dtype").orElseThrow());
        };
        PytorchPeer peer = null;
        try {
            peer = args.value("pytorch-peer").map(f -> PytorchPeer.read(Path.of(f))).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--pytorch-peer: " + e.getMessage());
        }
        Optional<String> unavailable = CudaAvailability.unavailableReason();
        if (unavailable.isPresent()) {
            err.println("signet bench gpu: no usable GPU: " + unavailable.get());
            return 1;
        }
        GpuBenchmark.Shape shape = GpuBenchmark.Shape.llama2_7b(layers);
        try (CudaBackend backend = new CudaBackend(0, kvDtype)) {
            if (peer != null) {
                try {  // before the Medusa part's minutes: a report of another step is refused at once
                    peer.checkSameStep(shape, kv, kvDtype, backend.description());
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--pytorch-peer: " + e.getMessage());
                }
            }
            Optional<String> noFixtures = MedusaAcceptance.missing(fixtures);
            GpuMedusaBenchmark medusa = null;
            if (noFixtures.isPresent()) {
                err.println("signet bench gpu: skipping the Medusa part: " + noFixtures.get());
            } else {
                err.printf("  Medusa acceptance on the fixture heads (%s), %d tokens per prompt%n", fixtures, tokens);
                medusa = new GpuMedusaBenchmark(MedusaAcceptance.measure(backend, fixtures, tokens, err));
            }
            Map<String, Object> doc = new GpuBenchmark(backend, shape, steps, kv, medusa, peer).run(out, err);
            noFixtures.ifPresent(why -> doc.put("medusa", Map.of("skipped", why)));
            doc.put("timestamp", LocalDateTime.now().toString());
            out.println("wrote " + BenchResults.write(outDir, "gpu", doc));
        }
        return 0;
    }

    private static CpuBenchmark.Result find(List<CpuBenchmark.Result> results, String model, String dtype, int batch) {
        return results.stream().filter(r -> r.model().equals(model) && r.dtype().equals(dtype) && r.batch() == batch)
                .findFirst().orElseThrow();
    }
}
