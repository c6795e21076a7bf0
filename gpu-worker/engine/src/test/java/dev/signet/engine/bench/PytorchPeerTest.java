package dev.signet.engine.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.signet.engine.safetensors.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading gpu-worker/gpu/pytorch_peer.py's report and refusing one of another step (no GPU needed). */
class PytorchPeerTest {
    private static final String DEVICE = "NVIDIA H100 80GB HBM3";
    private static final GpuBenchmark.Shape SHAPE = GpuBenchmark.Shape.llama2_7b(32);

    @TempDir
    Path dir;

    /** A report as the script writes it (its keys, an extra one it may add, two cells). */
    private static String report(String suite, String model, double eightOverEight) {
        return """
                {
                  "suite": "%s",
                  "device": "%s",
                  "torch": "2.11.0+cu130",
                  "cuda": "13.0",
                  "model": %s,
                  "kv_positions": 512,
                  "kv_dtype": "F16",
                  "max_steps_per_round": 10,
                  "method": "fastest round",
                  "step": "the decode step",
                  "modes": ["eager", "graph"],
                  "unpacks": ["bitdelta", "lut"],
                  "skipped": {"compiled": "RuntimeError: no compiler"},
                  "cells": [
                    {"rows": 1, "distinct_tenants": 0, "step_ms": 6.5, "config": "graph/none",
                     "configs": {"eager/none": {"step_ms": 9.0, "steps_per_round": 10}, "graph/none": {"step_ms": 6.5, "steps_per_round": 10}}},
                    {"rows": 8, "distinct_tenants": 8, "step_ms": %s, "config": "graph/lut",
                     "configs": {"graph/lut": {"step_ms": %s, "steps_per_round": 4}}}
                  ]
                }
                """.formatted(suite, DEVICE, model, eightOverEight, eightOverEight);
    }

    private static final String MODEL_7B = """
            {"shape": "7b", "hidden": 4096, "intermediate": 11008, "heads": 32, "kv_heads": 32, "vocab": 32000, "layers": 32}""";

    private Path write(String json) throws IOException {
        Path f = dir.resolve("pytorch-peer-20261124-150000.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void readsTheCellsAndSetsAStepAgainstThem() throws IOException {
        PytorchPeer peer = PytorchPeer.read(write(report("pytorch-peer", MODEL_7B, 40.0)));
        peer.checkSameStep(SHAPE, 512, DType.F16, DEVICE + " (sm_90)");

        assertThat(peer.speedup(8, 8, 10.0)).hasValue(4.0);
        assertThat(peer.speedup(1, 0, 6.5)).hasValue(1.0);
        assertThat(peer.speedup(32, 32, 47.0)).isEmpty();
        assertThat(peer.cell(1, 0).orElseThrow().configs()).containsKeys("eager/none", "graph/none");
        assertThat(peer.description()).containsEntry("torch", "2.11.0+cu130").containsEntry("device", DEVICE)
                .containsEntry("file", "pytorch-peer-20261124-150000.json");
    }

    @Test
    void refusesTheReportOfAnotherStep() throws IOException {
        PytorchPeer peer = PytorchPeer.read(write(report("pytorch-peer", MODEL_7B, 40.0)));
        assertThatThrownBy(() -> peer.checkSameStep(GpuBenchmark.Shape.llama2_7b(8), 512, DType.F16, DEVICE))
                .hasMessageContaining("is not of this step: its model is").hasMessageContaining("layers=32");
        assertThatThrownBy(() -> peer.checkSameStep(SHAPE, 1024, DType.F16, DEVICE))
                .hasMessageContaining("it read 512 KV positions, this benchmark 1024");
        assertThatThrownBy(() -> peer.checkSameStep(SHAPE, 512, DType.F32, DEVICE))
                .hasMessageContaining("its KV cache is F16, this benchmark's F32");
        assertThatThrownBy(() -> peer.checkSameStep(SHAPE, 512, DType.F16, "NVIDIA H200 (sm_90)"))
                .hasMessageContaining("it ran on " + DEVICE + ", this benchmark on NVIDIA H200");
    }

    @Test
    void refusesWhatIsNotAPeerReport() throws IOException {
        assertThatThrownBy(() -> PytorchPeer.read(dir.resolve("absent.json"))).hasMessageContaining("does not exist");
        assertThatThrownBy(() -> PytorchPeer.read(write("{not json"))).hasMessageContaining("cannot read the PyTorch peer's report");
        assertThatThrownBy(() -> PytorchPeer.read(write(report("gpu", MODEL_7B, 40.0)))).hasMessageContaining("is not a PyTorch peer report");
        assertThatThrownBy(() -> PytorchPeer.read(write(report("pytorch-peer", MODEL_7B, 0.0))))
                .hasMessageContaining("the cell of 8 rows over 8 tenants has no positive step time");
    }
}
