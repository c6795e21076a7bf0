#!/usr/bin/env python3
"""The PyTorch peer of `signet bench gpu` (issue 7, must-show 3; docs/cuda.md, "The PyTorch peer").

The same decode step of the same synthetic Llama-2-7B shape, written as a PyTorch user would write it: fp16 weights
made on the GPU, torch's fp16 matmuls (cuBLAS), an fp16 KV cache of --kv positions per row read by
scaled_dot_product_attention, and each distinct tenant's BitDelta term as BitDelta's PyTorch path computes it: the
tenant's sign bits unpacked into a dense +-1 fp16 matrix, one matmul over the tenant's rows, times its scales.
Rows, tenants and their segments are those of `signet bench gpu`: 1, 8 and 32 rows over 0, 1, 8 and 32 tenants,
tenant i taking rows [i*R/T, (i+1)*R/T).

Each cell is timed in every configuration below and the fastest counts, so the peer is the best PyTorch step we
could write, not the slowest:
  mode    eager: Python issues every op each step; graph: the step captured once in a CUDA graph and replayed
  unpack  bitdelta: BitDelta's `unpack` as PyTorch ops (int32 shift and mask per bit, to fp16, 2*b - 1);
          compiled: the same function fused into one kernel by torch.compile (skipped, with the reason, if it fails)
(A third unpack, each sign byte through a [256, 8] fp16 table by F.embedding, was 6x slower than `bitdelta` on the
H100 and is not timed.)
Timing as the Java benchmark's: warm-up steps, then rounds of steps between torch.cuda.synchronize(), the fastest
round's mean (steps per round fewer when a step is long, at least one).

  python pytorch_peer.py --out DIR [--layers 32] [--steps 10] [--kv 512] [--kv-dtype f16|f32]
                         [--device cuda|cpu] [--shape 7b|tiny]

Writes DIR/pytorch-peer-<timestamp>.json (read by `signet bench gpu --pytorch-peer FILE`) and prints a table. Other options of
`signet bench gpu` (--tokens, --fixtures) are accepted and ignored, so run.sh passes GPU_BENCH_ARGS to both.
"""
import argparse
import json
import math
import os
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

ROWS = (1, 8, 32)
TENANTS = (0, 1, 8, 32)
EPS = 1e-5
WARM_UP_STEPS = 2
ROUNDS = 3
ROUND_SECONDS = 0.5  # steps per round: as many as fit, up to --steps
HALF = torch.float16


@dataclass(frozen=True)
class Shape:
    hidden: int
    intermediate: int
    heads: int
    kv_heads: int
    vocab: int
    layers: int

    @property
    def head_dim(self):
        return self.hidden // self.heads

    def projections(self):
        """Per layer, the projections' (out, in): q, k, v, o, gate, up, down."""
        h, kv = self.hidden, self.kv_heads * self.head_dim
        return [(h, h), (kv, h), (kv, h), (h, h), (self.intermediate, h), (self.intermediate, h), (h, self.intermediate)]


SHAPES = {
    "7b": lambda layers: Shape(4096, 11008, 32, 32, 32000, layers),
    "tiny": lambda layers: Shape(256, 512, 4, 4, 512, layers),  # for a check of the script on a CPU
}


class Unpackers:
    """Sign words int32 [out, in/32] (bit b of word w is column 32w + b; 1 is +1) -> dense fp16 [out, in] of +-1."""

    def __init__(self, device):
        self.shift = torch.arange(32, dtype=torch.int32, device=device)

    def bitdelta(self, words):
        bits = (words.unsqueeze(-1) >> self.shift) & 1  # int32 [out, in/32, 32]
        return bits.view(words.shape[0], -1).to(HALF) * 2 - 1

    def variants(self, compile_unpack):
        found = {"bitdelta": self.bitdelta}
        skipped = {}
        if compile_unpack:
            try:
                compiled = torch.compile(self.bitdelta, dynamic=False, fullgraph=True)
                probe = torch.randint(-2**31, 2**31 - 1, (16, 8), dtype=torch.int32, device=self.shift.device)
                compiled(probe)
                found["compiled"] = compiled
            except Exception as e:  # noqa: BLE001  any failure of the compiler stack leaves the other two
                skipped["compiled"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        return found, skipped

    def check(self, variants):
        """Every variant against the bits read one by one in Python: a wrong unpack would time the wrong step."""
        words = torch.randint(-2**31, 2**31 - 1, (3, 4), dtype=torch.int32, device=self.shift.device)
        expected = torch.tensor([[1.0 if (int(w) >> b) & 1 else -1.0 for w in row.tolist() for b in range(32)]
                                 for row in words.cpu()], dtype=HALF)
        for name, unpack in variants.items():
            got = unpack(words).cpu()
            if not torch.equal(got, expected):
                raise SystemExit(f"pytorch_peer: the {name} unpack is wrong: {got} against {expected}")


def random_half(shape, scale, device, gen):
    return (torch.rand(shape, generator=gen, device=device, dtype=torch.float32) * 2 - 1).mul_(scale).to(HALF)


def make_model(shape, device):
    gen = torch.Generator(device=device).manual_seed(1)
    layers = []
    for _ in range(shape.layers):
        layers.append({
            "attn_norm": random_half((shape.hidden,), 1.0, device, gen),
            "ffn_norm": random_half((shape.hidden,), 1.0, device, gen),
            "w": [random_half(p, 0.02, device, gen) for p in shape.projections()],
        })
    return {"layers": layers, "norm": random_half((shape.hidden,), 1.0, device, gen),
            "lm_head": random_half((shape.vocab, shape.hidden), 0.02, device, gen)}


def make_tenant(shape, seed, device):
    """[layer][projection] -> (sign words int32 [out, in/32], scales fp16 [out]): one BitDelta plane per projection."""
    gen = torch.Generator(device=device).manual_seed(1_000_000 * (seed + 1))
    return [[(torch.randint(-2**31, 2**31 - 1, (o, i // 32), generator=gen, device=device, dtype=torch.int32),
              random_half((o,), 1e-3, device, gen)) for (o, i) in shape.projections()] for _ in range(shape.layers)]


def rms_norm(x, weight):  # as transformers' LlamaRMSNorm: in float32, back to fp16 before the weight
    v = x.float()
    v = v * torch.rsqrt(v.pow(2).mean(-1, keepdim=True) + EPS)
    return weight * v.to(HALF)


def rotate(x, cos, sin):  # rotate-half RoPE on [rows, heads, head_dim]
    half = x.shape[-1] // 2
    rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
    return x * cos + rotated * sin


class Step:
    """One decode step of `rows` rows at position kv - 1, their tenants' segments and the unpack in use."""

    def __init__(self, shape, model, tenants, rows, kv, kv_dtype, unpack, device):
        self.shape, self.model, self.unpack = shape, model, unpack
        n = len(tenants)
        self.segments = [(t * rows // n, (t + 1) * rows // n, tenants[t]) for t in range(n)]
        gen = torch.Generator(device=device).manual_seed(rows)
        self.x0 = random_half((rows, shape.hidden), 1.0, device, gen)
        self.x = torch.empty_like(self.x0)
        # [layer] -> keys and values [rows, kv_heads, kv, head_dim]; the step writes position kv - 1, attends over all
        self.cache = [(random_half((rows, shape.kv_heads, kv, shape.head_dim), 1.0, device, gen).to(kv_dtype),
                       random_half((rows, shape.kv_heads, kv, shape.head_dim), 1.0, device, gen).to(kv_dtype))
                      for _ in range(shape.layers)]
        d = shape.head_dim
        inv_freq = 1.0 / (10000.0 ** (torch.arange(0, d, 2, device=device, dtype=torch.float32) / d))
        angles = (kv - 1) * torch.cat((inv_freq, inv_freq))
        self.cos, self.sin = angles.cos().to(HALF), angles.sin().to(HALF)
        self.logits = None

    def project(self, x, layer, k):
        y = F.linear(x, self.model["layers"][layer]["w"][k])
        for first, end, tenant in self.segments:
            words, scales = tenant[layer][k]
            y[first:end] += F.linear(x[first:end], self.unpack(words)) * scales
        return y

    def attention(self, layer, q, k, v):
        s = self.shape
        keys, values = self.cache[layer]
        keys[:, :, -1].copy_(k)
        values[:, :, -1].copy_(v)
        rows = q.shape[0]
        out = F.scaled_dot_product_attention(q.unsqueeze(2).to(keys.dtype), keys, values,
                                             enable_gqa=s.heads != s.kv_heads)
        return out.to(HALF).reshape(rows, s.hidden)

    def __call__(self):
        s = self.shape
        rows = self.x0.shape[0]
        self.x.copy_(self.x0)  # every step from the same input: a replayed graph reads the same tensors
        x = self.x
        for layer, w in enumerate(self.model["layers"]):
            h = rms_norm(x, w["attn_norm"])
            q = rotate(self.project(h, layer, 0).view(rows, s.heads, s.head_dim), self.cos, self.sin)
            k = rotate(self.project(h, layer, 1).view(rows, s.kv_heads, s.head_dim), self.cos, self.sin)
            v = self.project(h, layer, 2).view(rows, s.kv_heads, s.head_dim)
            x = x + self.project(self.attention(layer, q, k, v), layer, 3)
            h = rms_norm(x, w["ffn_norm"])
            x = x + self.project(F.silu(self.project(h, layer, 4)) * self.project(h, layer, 5), layer, 6)
        self.logits = F.linear(rms_norm(x, self.model["norm"]), self.model["lm_head"])


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(run, device, max_steps):
    """The fastest of ROUNDS rounds' mean ms per step, after WARM_UP_STEPS untimed steps."""
    for _ in range(WARM_UP_STEPS):  # the last one's time sizes the rounds (the first may pay lazy initialisation)
        synchronize(device)
        t0 = time.perf_counter()
        run()
        synchronize(device)
    last = time.perf_counter() - t0
    steps = max(1, min(max_steps, int(ROUND_SECONDS / max(last, 1e-6))))
    best = math.inf
    for _ in range(ROUNDS):
        synchronize(device)
        t0 = time.perf_counter()
        for _ in range(steps):
            run()
        synchronize(device)
        best = min(best, (time.perf_counter() - t0) / steps * 1e3)
    return best, steps


def captured(step, device):
    """The step as a CUDA graph's replay (warmed up on a side stream, as torch.cuda.graphs asks)."""
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        step()
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--layers", type=int, default=32)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--kv", type=int, default=512)
    p.add_argument("--kv-dtype", choices=("f16", "f32"), default="f16")
    p.add_argument("--device", default="cuda")
    p.add_argument("--shape", choices=sorted(SHAPES), default="7b")
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile'd unpack")
    args, ignored = p.parse_known_args()
    if args.layers < 1 or args.steps < 1 or args.kv < 1:
        p.error("--layers, --steps and --kv must be at least 1")
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("pytorch_peer: torch sees no CUDA device")
    shape = SHAPES[args.shape](args.layers)
    kv_dtype = HALF if args.kv_dtype == "f16" else torch.float32
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False  # fp32 accumulation, as Signet's

    unpackers = Unpackers(device)
    variants, skipped = unpackers.variants(compile_unpack=not args.no_compile and device.type == "cuda")
    unpackers.check(variants)
    modes = ["eager", "graph"] if device.type == "cuda" else ["eager"]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"pytorch_peer: torch {torch.__version__} on {name}; {shape}; KV {args.kv} ({args.kv_dtype}); "
          f"modes {modes}, unpacks {list(variants)}" + (f"; skipped {skipped}" if skipped else "")
          + (f"; ignoring {ignored}" if ignored else ""), flush=True)

    with torch.no_grad():
        model = make_model(shape, device)
        tenants = [make_tenant(shape, t, device) for t in range(max(TENANTS))]
        cells = []
        for rows in ROWS:
            for n in TENANTS:
                if n > rows:
                    continue
                timings = {}
                for unpack_name, unpack in (variants.items() if n else [("none", None)]):
                    step = Step(shape, model, tenants[:n], rows, args.kv, kv_dtype, unpack, device)
                    for mode in modes:
                        graph = captured(step, device) if mode == "graph" else None
                        ms, steps = timed(graph.replay if graph else step, device, args.steps)
                        timings[f"{mode}/{unpack_name}"] = {"step_ms": ms, "steps_per_round": steps}
                        del graph
                    del step
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                best = min(timings, key=lambda c: timings[c]["step_ms"])
                cells.append({"rows": rows, "distinct_tenants": n, "step_ms": timings[best]["step_ms"],
                              "config": best, "configs": timings})
                print(f"  rows {rows:2d}, tenants {n:2d}: " + ", ".join(
                    f"{c} {t['step_ms']:.2f}" for c, t in timings.items()) + f" ms/step; best {best}", flush=True)

    print(f"\nPyTorch peer: {name}, torch {torch.__version__}\n{'rows':>5} {'tenants':>8} {'ms/step':>10}  config")
    for c in cells:
        print(f"{c['rows']:5d} {c['distinct_tenants']:8d} {c['step_ms']:10.3f}  {c['config']}")
    doc = {
        "suite": "pytorch-peer",
        "device": name,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "model": {"shape": args.shape, "hidden": shape.hidden, "intermediate": shape.intermediate,
                  "heads": shape.heads, "kv_heads": shape.kv_heads, "vocab": shape.vocab, "layers": shape.layers},
        "kv_positions": args.kv,
        "kv_dtype": args.kv_dtype.upper(),
        "max_steps_per_round": args.steps,
        "method": f"per cell and configuration: {WARM_UP_STEPS} untimed steps, then {ROUNDS} rounds of up to "
                  f"--steps steps (as many as fit {ROUND_SECONDS} s) between torch.cuda.synchronize(); the fastest "
                  "round's mean; a cell's step_ms is its fastest configuration's",
        "step": "per layer: RMSNorm, q, k, v (F.linear, each with its tenants' terms), RoPE, the KV cache's last "
                "position written, scaled_dot_product_attention over every position, o, residual, RMSNorm, gate, up, "
                "SiLU(gate)*up, down, residual; then the final RMSNorm and the LM head. A tenant's term: its sign "
                "words unpacked to dense +-1 fp16, F.linear over its rows, times its per-row scales, added in",
        "modes": modes,
        "unpacks": list(variants),
        "skipped": skipped,
        "cells": cells,
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, time.strftime("pytorch-peer-%Y%m%d-%H%M%S.json"))
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
