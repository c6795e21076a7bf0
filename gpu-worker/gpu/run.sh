#!/usr/bin/env bash
# The CUDA backend's tests and its benchmark on a GPU machine that has no Java and no network.
#
#   gpu-worker/gpu/run.sh prepare          on the build machine (Maven, JDK 25, ../shared/fixtures): builds
#                                          gpu-worker/gpu/dist/signet-gpu.tar.gz (dist/ is ignored by git; ~30 MB):
#                                          a jlink'd Java runtime, the engine's jars and test classes, the JUnit
#                                          console launcher, the fixtures (70 MB unpacked: packed to fit a device run)
#   gpu-worker/gpu/run.sh run OUT_DIR      on the GPU machine, from a copy of the repository that carries dist/:
#                                          runs the CUDA tests, writes OUT_DIR/cuda-tests.log and the
#                                          JUnit XML report, and fails when a test fails or is skipped (a skip there
#                                          means the GPU could not be used); then `signet bench gpu --out OUT_DIR`
#                                          (OUT_DIR/gpu-bench.log and gpu-<timestamp>.json, its Medusa part reading
#                                          the bundled fixtures' heads; GPU_BENCH_ARGS adds
#                                          options, e.g. "--layers 8 --steps 5"). Before it, where a Python with
#                                          torch is found (PYTORCH_PYTHON), gpu-worker/gpu/pytorch_peer.py times the
#                                          same step in PyTorch (OUT_DIR/pytorch-peer-*.json and .log) and the
#                                          benchmark sets every cell against it (--pytorch-peer).
#   gpu-worker/gpu/run.sh profile OUT_DIR  on the GPU machine: Nsight Compute's time and DRAM bytes of every kernel of
#                                          a short benchmark (no tests) into OUT_DIR/kernels.csv (PROFILE_ARGS: its options;
#                                          NCU_ARGS: ncu's kernels and metrics or sections instead)
#   gpu-worker/gpu/run.sh tests OUT_DIR    on the GPU machine: the CUDA tests alone (as `run` runs them)
#   BASELINE="REV..." gpu-worker/gpu/run.sh prepare
#                                          also builds the engine jar of each git revision REV into
#                                          dist/baseline-<i>-<REV>.jar (i = 1, 2, ...: the order given)
#   gpu-worker/gpu/run.sh ab OUT_DIR       on the GPU machine: `signet bench gpu` (no Medusa, no tests) of each baseline
#                                          engine and of the bundle's, in turn, AB_ROUNDS (default 2) times each:
#                                          changes timed side by side in one call (OUT_DIR/ab.log, each run's JSON)
# docs/cuda.md explains it all. Environment: JAVA_HOME (prepare; default temurin 25), SIGNET_FIXTURES (prepare;
# default ../shared/fixtures beside the checkout), MVN_FLAGS (prepare; default -o -q -B).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
dist="$here/dist"
bundle="$dist/signet-gpu.tar.gz"
say() { echo "run.sh: $*" >&2; }
die() { echo "run.sh: FAILED: $*" >&2; exit 1; }

prepare() {
    export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
    export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
    local mvn_flags="${MVN_FLAGS:--o -q -B}"
    local fixtures="${SIGNET_FIXTURES:-$repo/../shared/fixtures}"
    "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "25' || die "JAVA_HOME=$JAVA_HOME is not a JDK 25"
    [ -f "$fixtures/README.md" ] || die "fixtures not found at $fixtures (set SIGNET_FIXTURES)"
    command -v mvn >/dev/null || die "mvn not found"

    say "building the engine and its test classes (mvn $mvn_flags package -DskipTests)"
    (cd "$repo" && mvn $mvn_flags -pl gpu-worker/engine -am package -DskipTests) || die "maven build"
    local engine="$repo/gpu-worker/engine/target"

    rm -rf "$dist"
    local stage="$dist/stage"
    mkdir -p "$stage/lib" "$stage/fixtures"
    say "copying the engine's dependencies, test scope included"
    (cd "$repo" && mvn $mvn_flags -pl gpu-worker/engine dependency:copy-dependencies -DincludeScope=test \
        -DoutputDirectory="$stage/lib") || die "copying dependencies"
    cp "$engine"/engine-*.jar "$stage/lib/" || die "the engine jar is missing"
    cp -r "$engine/test-classes" "$stage/test-classes"

    # The console launcher bundles JUnit's platform and Jupiter: it replaces their separate jars, at their version.
    local junit
    junit="$(ls "$stage"/lib/junit-jupiter-api-*.jar | sed -E 's/.*junit-jupiter-api-(.*)\.jar/\1/')"
    [ -n "$junit" ] || die "cannot tell the JUnit version from $stage/lib"
    say "fetching junit-platform-console-standalone $junit"
    (cd "$repo" && { mvn $mvn_flags dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit" \
        -DoutputDirectory="$stage" || mvn -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit" \
        -DoutputDirectory="$stage"; }) || die "fetching the JUnit console launcher"
    mv "$stage"/junit-platform-console-standalone-*.jar "$stage/junit-console.jar"
    rm -f "$stage"/lib/junit-jupiter-*.jar "$stage"/lib/junit-platform-*.jar "$stage"/lib/junit-[0-9]*.jar

    # JCuda's natives jar holds NVRTC, the runtime API and a 24 MB PTX compiler; the backend needs the driver API alone.
    local natives
    natives="$(ls "$stage"/lib/jcuda-natives-*-linux-x86_64.jar)" || die "no JCuda natives jar"
    say "slimming $(basename "$natives") to libJCudaDriver"
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && "$JAVA_HOME/bin/jar" xf "$natives" && find lib -type f ! -name 'libJCudaDriver-*' -delete \
        && rm "$natives" && "$JAVA_HOME/bin/jar" cf "$natives" lib) || die "slimming the JCuda natives"
    rm -rf "$tmp"

    say "fixtures from $fixtures"
    cp "$fixtures/README.md" "$stage/fixtures/"
    cp -r "$fixtures/stories260K" "$fixtures/tenants" "$fixtures/reference" "$stage/fixtures/"
    # Medusa heads (CudaMedusaTest, the benchmark's Medusa part): config and weights, 50 KB each; not the 7 MB of
    # self-generated training text beside them.
    for heads in stories260K caps; do
        mkdir -p "$stage/fixtures/medusa/$heads"
        cp "$fixtures/medusa/$heads/config.json" "$fixtures/medusa/$heads/medusa_heads.safetensors" "$stage/fixtures/medusa/$heads/"
    done

    # The modules the tests load, listed by hand: jdeps also names what optional paths would (java.desktop for
    # jinjava's templates, jdk.jdi and java.instrument for javassist and byte-buddy), 30 MB more than a run needs.
    local modules="java.base,java.logging,java.management,java.naming,java.net.http,java.sql,java.xml,jdk.incubator.vector,jdk.unsupported,jdk.zipfs"
    say "jlink runtime with $modules"
    local strip=()
    command -v objcopy >/dev/null && strip=(--strip-native-debug-symbols "objcopy=$(command -v objcopy)")
    "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
        "${strip[@]}" --compress=zip-9 --output "$stage/jdk" || die "jlink"
    # assertj's byte-buddy serves soft assertions and proxies, which these tests do not use.
    rm -f "$stage"/lib/byte-buddy-*.jar

    if command -v strip >/dev/null; then
        chmod u+w "$stage/jdk/lib/server/libjvm.so" && strip --strip-unneeded "$stage/jdk/lib/server/libjvm.so"
    fi
    du -sh "$stage"/* >&2
    say "packing $bundle"
    tar -C "$stage" -czf "$bundle" . || die "packing"
    rm -rf "$stage"
    local size
    size="$(du -sm "$bundle" | cut -f1)"
    say "dist is ${size} MB: $bundle"
    [ "$size" -le 60 ] || die "the bundle is ${size} MB, over the 60 MB a device run may carry"
    local rev i=0
    for rev in ${BASELINE:-}; do
        i=$((i + 1))
        baseline "$rev" "$mvn_flags" "$dist/baseline-$i-${rev//[^A-Za-z0-9._-]/_}.jar"
    done
    say "prepared. On the GPU machine: gpu-worker/gpu/run.sh run OUT_DIR (carry gpu-worker/gpu/dist)"
}

# The engine jar of git revision $1, built in a temporary worktree, as $3: `ab` times it on the bundle's runtime and
# dependencies (a revision whose engine needs other dependencies cannot be compared so).
baseline() {
    local rev="$1" mvn_flags="$2" jar="$3" tree
    tree="$(mktemp -d)"
    say "building the engine at $rev for the side-by-side benchmark"
    git -C "$repo" worktree add --detach "$tree" "$rev" >/dev/null || die "cannot check out $rev"
    (cd "$tree" && mvn $mvn_flags -pl gpu-worker/engine -am package -DskipTests) || { git -C "$repo" worktree remove --force "$tree"; die "maven build of $rev"; }
    local jars=("$tree"/gpu-worker/engine/target/engine-*.jar)
    [ "${#jars[@]}" -eq 1 ] || { git -C "$repo" worktree remove --force "$tree"; die "expected one engine jar at $rev, found ${jars[*]}"; }
    cp "${jars[0]}" "$jar"
    git -C "$repo" worktree remove --force "$tree"
}

# Makes OUT_DIR and sets out (its absolute path), dist (the bundle unpacked into a temporary folder) and cli (the
# command that runs dev.signet.engine.cli.SignetCli with the bundle's runtime).
open_bundle() {
    mkdir -p "$1"
    out="$(cd "$1" && pwd)"
    [ -f "$bundle" ] || die "$bundle is missing: run 'gpu-worker/gpu/run.sh prepare' on the build machine and carry gpu-worker/gpu/dist"
    dist="$(mktemp -d)"
    say "unpacking $bundle into $dist"
    tar -C "$dist" -xzf "$bundle" || die "unpacking $bundle"
    cli=("$dist/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED
        -cp "$(ls "$dist"/lib/*.jar | tr '\n' ':')" dev.signet.engine.cli.SignetCli)
}

# The CUDA tests (dev.signet.engine.backend.cuda) of the opened bundle (out, dist: open_bundle) into
# OUT_DIR/cuda-tests.log and its JUnit reports; fails, removing dist, when one fails or is skipped.
cuda_tests() {
    local log="$out/cuda-tests.log"
    {
        say "GPU:"
        command -v nvidia-smi >/dev/null || die "nvidia-smi not found: is this the GPU machine?"
        nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv || die "nvidia-smi"
        "$dist/jdk/bin/java" -version 2>&1
    } 2>&1 | tee "$log"
    local work
    work="$(mktemp -d)"  # the tests' scratch files (target/test-deltas) go here, not into OUT_DIR
    say "running the CUDA tests (dev.signet.engine.backend.cuda) in $work" 2>&1 | tee -a "$log"
    local rc=0
    (cd "$work" && "$dist/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
        -Dsignet.repo="$repo" -Dsignet.fixtures="$dist/fixtures" \
        -jar "$dist/junit-console.jar" execute \
        --class-path "$dist/test-classes:$(ls "$dist"/lib/*.jar | tr '\n' ':')" \
        --select-package dev.signet.engine.backend.cuda --fail-if-no-tests \
        --reports-dir "$out" --details tree --disable-banner) 2>&1 | tee -a "$log" || rc=$?
    rm -rf "$work"
    local report="$out/TEST-junit-jupiter.xml"
    [ -f "$report" ] || { rm -rf "$dist"; die "no JUnit report in $out"; }
    local skipped
    skipped="$(grep -o 'skipped="[0-9]*"' "$report" | head -1 | grep -o '[0-9]*')"
    [ "$rc" -eq 0 ] || { rm -rf "$dist"; die "CUDA tests failed (exit $rc); see $log and $report"; }
    [ "${skipped:-0}" -eq 0 ] || { rm -rf "$dist"; die "$skipped CUDA tests were skipped: the GPU could not be used (see $log)"; }
    say "CUDA tests passed; reports in $out" 2>&1 | tee -a "$log"
}

tests_only() {
    local out dist cli
    open_bundle "$1"
    cuda_tests
    rm -rf "$dist"
}

run_tests() {
    local out dist cli
    open_bundle "$1"
    cuda_tests
    # The PyTorch peer (docs/cuda.md, "The PyTorch peer"): the same step in PyTorch, first, so the benchmark sets its
    # cells against it; without PyTorch the benchmark records it as not measured.
    local python peer_rc=0 peer=()
    python="$(pytorch_python)"
    if [ -z "$python" ]; then
        say "no Python with torch (PYTORCH_PYTHON, /opt/torch/.venv/bin/python, python3): the PyTorch peer is not measured"
    else
        say "running the PyTorch peer with $python (pytorch-peer.log)"
        # shellcheck disable=SC2086  # GPU_BENCH_ARGS is a list of options; the peer ignores those it does not share
        "$python" "$here/pytorch_peer.py" --out "$out" ${GPU_BENCH_ARGS:-} > "$out/pytorch-peer.log" 2>&1 || peer_rc=$?
        tail -12 "$out/pytorch-peer.log"
        [ "$peer_rc" -eq 0 ] && peer=(--pytorch-peer "$(ls -t "$out"/pytorch-peer-*.json | head -1)")
    fi

    # The benchmark (docs/cuda.md, "signet bench gpu"): its table goes to gpu-bench.log, its JSON to OUT_DIR.
    local bench_log="$out/gpu-bench.log"
    say "running signet bench gpu ${GPU_BENCH_ARGS:-} ${peer[*]} (JSON into $out)" 2>&1 | tee "$bench_log"
    rc=0
    # shellcheck disable=SC2086  # GPU_BENCH_ARGS is a list of options
    "${cli[@]}" bench gpu --out "$out" --fixtures "$dist/fixtures" "${peer[@]}" ${GPU_BENCH_ARGS:-} \
        2>&1 | tee -a "$bench_log" || rc=$?
    rm -rf "$dist"
    [ "$rc" -eq 0 ] || die "signet bench gpu failed (exit $rc); see $bench_log"
    [ "$peer_rc" -eq 0 ] || die "the PyTorch peer failed (exit $peer_rc); see $out/pytorch-peer.log"
    say "GPU benchmark done: $bench_log and $out/gpu-*.json" 2>&1 | tee -a "$bench_log"
}

# The Python that runs the PyTorch peer: PYTORCH_PYTHON, else the first of /opt/torch/.venv/bin/python and python3
# that imports torch; nothing when none does.
pytorch_python() {
    local p
    for p in ${PYTORCH_PYTHON:-/opt/torch/.venv/bin/python python3}; do
        if command -v "$p" >/dev/null && "$p" -c 'import torch' 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}

# Nsight Compute's per-kernel time and DRAM traffic over a short benchmark (no tests): OUT_DIR/kernels.csv, one line
# per launch. PROFILE_ARGS picks the benchmark's options (default: 2 layers, 1 timed step).
profile() {
    local ncu="${NCU:-/usr/local/cuda/bin/ncu}"
    [ -x "$ncu" ] || die "Nsight Compute not found at $ncu (set NCU)"
    local out dist cli
    open_bundle "$1"
    local what=(--kernel-name 'regex:^(?!fill_random)'
        --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,launch__registers_per_thread,sm__warps_active.avg.pct_of_peak_sustained_active,launch__grid_size)
    # shellcheck disable=SC2206  # NCU_ARGS is a list of options
    [ -n "${NCU_ARGS:-}" ] && what=($NCU_ARGS)
    # shellcheck disable=SC2086  # PROFILE_ARGS is a list of options
    "$ncu" --csv --print-units base --cache-control none --clock-control none --kernel-name-base function "${what[@]}" \
        "${cli[@]}" bench gpu --out "$out" ${PROFILE_ARGS:---layers 2 --steps 1} > "$out/kernels.csv" 2> "$out/profile.log" || { rm -rf "$dist"; die "ncu failed; see $out/profile.log"; }
    rm -rf "$dist"
    say "profile done: $out/kernels.csv"
}

# `signet bench gpu` of each dist/baseline-*.jar and of the bundle's engine, in turn (a call's machine, clocks and
# neighbours are then the same for all), into OUT_DIR/ab.log and OUT_DIR/<baseline-i-REV|current>-<round>/.
ab() {
    local baselines=()
    mapfile -t baselines < <(ls "$(dirname "$bundle")"/baseline-*.jar 2>/dev/null)
    [ "${#baselines[@]}" -gt 0 ] || die "no dist/baseline-*.jar: run 'BASELINE=\"REV...\" gpu-worker/gpu/run.sh prepare' and carry gpu-worker/gpu/dist"
    local out dist cli
    open_bundle "$1"
    local java=("$dist/jdk/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
    local current_cp deps
    current_cp="$(ls "$dist"/lib/*.jar | tr '\n' ':')"
    deps="$(ls "$dist"/lib/*.jar | grep -v '/engine-[^/]*\.jar$' | tr '\n' ':')"
    local round side jar cp
    for ((round = 1; round <= ${AB_ROUNDS:-2}; round++)); do
        for jar in "${baselines[@]}" current; do
            side="$(basename "$jar" .jar)"
            cp="$deps$jar"
            [ "$jar" = current ] && cp="$current_cp"
            # shellcheck disable=SC2086  # GPU_BENCH_ARGS is a list of options
            "${java[@]}" -cp "$cp" dev.signet.engine.cli.SignetCli bench gpu --out "$out/$side-$round" ${GPU_BENCH_ARGS:-} \
                > "$out/$side-$round.log" 2>&1 || { rm -rf "$dist"; die "signet bench gpu ($side, round $round) failed; see $out/$side-$round.log"; }
            { echo "== $side, round $round"; grep -A12 'rows  tenants' "$out/$side-$round.log"; } | tee -a "$out/ab.log"
        done
    done
    rm -rf "$dist"
    say "side-by-side benchmark done: $out/ab.log"
}

case "${1:-}" in
    prepare) prepare ;;
    ab) [ -n "${2:-}" ] || die "usage: run.sh ab OUT_DIR"; ab "$2" ;;
    profile) [ -n "${2:-}" ] || die "usage: run.sh profile OUT_DIR"; profile "$2" ;;
    run) [ -n "${2:-}" ] || die "usage: run.sh run OUT_DIR"; run_tests "$2" ;;
    tests) [ -n "${2:-}" ] || die "usage: run.sh tests OUT_DIR"; tests_only "$2" ;;
    ""|-h|--help) sed -n '2,29p' "$0"; exit 2 ;;
    *) die "unknown command '$1' (prepare, run, tests, ab or profile; run.sh --help)" ;;
esac
