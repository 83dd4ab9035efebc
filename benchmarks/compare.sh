#!/usr/bin/env bash
# Side-by-side benchmark of InitLab against PyTorch (Debian's python3-torch over OpenBLAS) on this machine.
# Runs every workload at 1 and 2 threads, alternating the two programs (A/B/A/B) for ROUNDS rounds of REPEAT timed
# runs each, keeps the minimum time of each side, and prints a ratio table: the speed-up over PyTorch and the fraction
# of the machine limit reached (fills: STORE_GBS store bandwidth; GEMM: PEAK_GFLOPS per core).
#
#   benchmarks/compare.sh                      # everything (about 15 minutes)
#   WORKLOADS="normal gemm" ROUNDS=2 benchmarks/compare.sh
#
# Environment: WORKLOADS, THREADS (default "1 2"), ROUNDS (3), REPEAT (3), FILL_SIZE (1e8), GEMM_SIZES
# ("512 1024 2048"), MATRIX_SIZE (2048), PROP_WIDTH (4096), PROP_DEPTH (100), PROP_BATCH (64), STORE_GBS (25),
# PEAK_GFLOPS (117 per core), RESNET_BATCH (8), TRANSFORMER_BATCH (4), NO_INSTALL=1 to skip apt-get. The propagate workload (fresh Kaiming weights, relu, per-layer
# statistics) runs InitLab's explicit engine against PyTorch, and also reports InitLab's ensemble engine on the same spec.
# resnet and transformer time the explicit engine at init (draw, forward, per-node statistics) on the networks of
# issue 10 against PyTorch's forward of the same modules (size = the batch).
# The train_step workload (one SGD-momentum step of the trainability MLP: 784 inputs, TRAIN_DEPTH (50) tanh layers of
# width TRAIN_WIDTH (256), a readout to 10 classes, batch TRAIN_BATCH (64)) runs InitLab's training step against PyTorch's.
set -euo pipefail
cd "$(dirname "$0")/.."

WORKLOADS=${WORKLOADS:-"normal uniform trunc_normal gemm orthogonal spectral propagate resnet transformer train_step"}
THREADS=${THREADS:-"1 2"}
ROUNDS=${ROUNDS:-3}
REPEAT=${REPEAT:-3}
FILL_SIZE=${FILL_SIZE:-100000000}
GEMM_SIZES=${GEMM_SIZES:-"512 1024 2048"}
MATRIX_SIZE=${MATRIX_SIZE:-2048}
PROP_WIDTH=${PROP_WIDTH:-4096}
PROP_DEPTH=${PROP_DEPTH:-100}
PROP_BATCH=${PROP_BATCH:-64}
TRAIN_WIDTH=${TRAIN_WIDTH:-256}
TRAIN_DEPTH=${TRAIN_DEPTH:-50}
TRAIN_BATCH=${TRAIN_BATCH:-64}
STORE_GBS=${STORE_GBS:-25}
PEAK_GFLOPS=${PEAK_GFLOPS:-117}
PY=/usr/bin/python3

# Debian's torch and numpy; without libopenblas0-pthread they fall back to the netlib reference BLAS (~6 GFLOP/s),
# which would flatter any comparison.
if [[ -z "${NO_INSTALL:-}" ]]; then
  missing=()
  for p in python3-torch python3-numpy libopenblas0-pthread; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if (( ${#missing[@]} )); then
    echo "installing ${missing[*]} ..." >&2
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi

dotnet build -c Release src/InitLab.Cli/InitLab.Cli.csproj -v quiet -nologo >/dev/null
INITLAB=(dotnet src/InitLab.Cli/bin/Release/net10.0/InitLab.Cli.dll)

# Debian's torch starts with 1 thread; with 2, passive OpenMP waiting keeps its threads from spinning against OpenBLAS's.
export OMP_WAIT_POLICY=PASSIVE

seconds_min() { sed -n 's/.*"seconds_min":[ ]*\([0-9.eE+-]*\).*/\1/p'; }

echo "# InitLab vs PyTorch $($PY -c 'import torch; print(torch.__version__)') on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# minimum over ${ROUNDS} alternating rounds x ${REPEAT} runs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-12s | %10s | %7s | %12s | %12s | %9s | %14s |\n' workload size threads "PyTorch (s)" "InitLab (s)" speed-up "machine limit"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' -------------- ------------ --------- -------------- -------------- ----------- ----------------

for t in $THREADS; do
  for w in $WORKLOADS; do
    case $w in
      normal|uniform|trunc_normal) sizes=$FILL_SIZE ;;
      gemm) sizes=$GEMM_SIZES ;;
      propagate) sizes=$PROP_WIDTH ;;
      resnet) sizes=${RESNET_BATCH:-8} ;;
      transformer) sizes=${TRANSFORMER_BATCH:-4} ;;
      train_step) sizes=$TRAIN_WIDTH ;;
      *) sizes=$MATRIX_SIZE ;;
    esac
    extra=(); [[ $w == propagate ]] && extra=(--depth "$PROP_DEPTH" --batch "$PROP_BATCH")
    [[ $w == train_step ]] && extra=(--depth "$TRAIN_DEPTH" --batch "$TRAIN_BATCH")
    for n in $sizes; do
      best_py=inf; best_il=inf
      for ((r = 0; r < ROUNDS; r++)); do
        py=$($PY benchmarks/peer.py "$w" --size "$n" --threads "$t" --repeat "$REPEAT" "${extra[@]}" --json | seconds_min)
        il=$("${INITLAB[@]}" bench "$w" --size "$n" --threads "$t" --repeat "$REPEAT" "${extra[@]}" --json | seconds_min)
        best_py=$($PY -c "print(min(float('$best_py'), $py))")
        best_il=$($PY -c "print(min(float('$best_il'), $il))")
      done
      $PY - "$w" "$n" "$t" "$best_py" "$best_il" "$STORE_GBS" "$PEAK_GFLOPS" <<'PYEOF'
import sys
w, n, t, py, il, gbs, peak = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(float, sys.argv[4:])
if w in ("normal", "uniform", "trunc_normal"):
    limit = f"{(4 * n / (gbs * 1e9)) / il:.0%} of store"
elif w == "gemm":
    limit = f"{2 * n ** 3 / il / 1e9 / (peak * t):.0%} of FMA peak"
else:
    limit = "-"
print(f"| {w:<12} | {n:>10} | {t:>7} | {py:>12.4g} | {il:>12.4g} | {py / il:>8.2f}x | {limit:>14} |")
PYEOF
      if [[ $w == propagate ]]; then
        en=$("${INITLAB[@]}" bench propagate --engine ensemble --size "$n" --threads "$t" --repeat "$REPEAT" "${extra[@]}" --json | seconds_min)
        $PY -c "print(f'| {\"propagate (ensemble)\":<12} | {$n:>10} | {$t:>7} | {$best_py:>12.4g} | {$en:>12.4g} | {$best_py / $en:>8.2f}x | {$best_il / $en:>8.1f}x explicit |')"
      fi
    done
  done
done
