#!/usr/bin/env bash
# Regenerates the committed PTX of every kernel source here, and beside each PTX the sha256 of the source it
# was made from (CudaPtxDriftTest fails when a source changes and its PTX is not regenerated).
#   sm_90:      the H100's own target (Hopper), loaded on compute capability 9.x and later
#   compute_80: portable PTX (Ampere and later), JIT-compiled by the driver on any other GPU
# Usage: gpu-worker/engine/src/main/cuda/build-ptx.sh   (needs nvcc; NVCC=/path/to/nvcc to choose one)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../resources/dev/signet/engine/backend/cuda"
nvcc="${NVCC:-nvcc}"
command -v "$nvcc" >/dev/null || { echo "build-ptx: nvcc not found (set NVCC)" >&2; exit 1; }
mkdir -p "$out"
for src in "$here"/*.cu; do
    name="$(basename "$src" .cu)"
    hash="$(sha256sum "$src" | cut -d' ' -f1)"
    for arch in sm_90 compute_80; do
        ptx="$out/$name.$arch.ptx"
        echo "build-ptx: $src -> $ptx"
        "$nvcc" -ptx -O3 -arch="$arch" -o "$ptx" "$src"
        echo "$hash  $name.cu" > "$ptx.sha256"
    done
done
