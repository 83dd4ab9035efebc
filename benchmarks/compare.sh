#!/usr/bin/env bash
# Side-by-side benchmark of InitLab against PyTorch and NumPy (Debian's python3-torch and python3-numpy over OpenBLAS) and
# against this machine's own limits, all measured in the same run.
#
# Every round runs, for each workload and size, PyTorch, NumPy (where it has the workload), InitLab, and the machine's
# limits (`initlab bench peak`: float32 FMA peak; `initlab bench bandwidth`: store bandwidth) in turn, so the ratios hold
# when the machine's speed drifts (a shared host). Each program reports the minimum of REPEAT timed runs after a warm-up;
# over ROUNDS rounds the table gives the minimum and median of those, the speed-up min(peer) / min(InitLab) and the
# median of the per-round speed-ups, and the fraction of the machine limit per CPU-second (fills: 4 N bytes per CPU-second
# against the store bandwidth per CPU-second; GEMM: 2 n^3 flops per CPU-second against the FMA peak per CPU-second; both
# limits at the same thread count, best of the rounds; per thread in the table).
# Both sides also report the CPU time of each run (all threads; time.process_time() and the .NET process CPU time): on a
# shared machine preemption inflates wall times but not CPU times, so the last column is the CPU-time speed-up
# min(peer CPU) / min(InitLab CPU) against PyTorch (at 2 threads it compares the work both spend, not the wall time).
#
#   benchmarks/compare.sh                      # everything, 1 and 2 threads (30+ minutes on a quiet 2-core machine)
#   WORKLOADS="normal gemm" ROUNDS=2 benchmarks/compare.sh
#
# Environment: WORKLOADS, THREADS (default "1 2"), ROUNDS (3), REPEAT (3), FILL_SIZE (1e8), GEMM_SIZES
# ("512 1024 2048"), MATRIX_SIZE (2048), PROP_WIDTH (4096), PROP_DEPTH (100), PROP_BATCH (64), RESNET_BATCH (8),
# TRANSFORMER_BATCH (4), TRAIN_WIDTH (256), TRAIN_DEPTH (50), TRAIN_BATCH (64), PEERS ("torch numpy"), NO_INSTALL=1 to
# skip apt-get. The propagate workload (fresh Kaiming weights, relu, per-layer statistics) runs InitLab's explicit engine
# against the peers, and also reports InitLab's ensemble engine on the same spec. resnet and transformer time the explicit
# engine at init (draw, forward, per-node statistics) on the networks of issue 10 against PyTorch's forward of the same
# modules (size = the batch). train_step: one SGD-momentum step of the trainability MLP (784 inputs, TRAIN_DEPTH tanh
# layers of width TRAIN_WIDTH, a readout to 10 classes, batch TRAIN_BATCH) against PyTorch's.
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
PEERS=${PEERS:-"torch numpy"}
PY=/usr/bin/python3

# Debian's torch and numpy; without libopenblas0-pthread they fall back to the netlib reference BLAS (~3 GFLOP/s),
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
# "seconds_min cpu_seconds_min" of one JSON document.
both_min() { tr -d '\n' | sed -n 's/.*"seconds_min":[ ]*\([0-9.eE+-]*\).*"cpu_seconds_min":[ ]*\([0-9.eE+-]*\).*/\1 \2/p'; }
# The machine limit's rate per CPU-second (work / CPU time of the fastest run, all threads): preemption on a shared
# machine does not lower it as it lowers the wall-time rate.
cpu_rate() { tr -d '\n' | sed -n 's/.*"seconds_min":[ ]*\([0-9.eE+-]*\).*"cpu_seconds_min":[ ]*\([0-9.eE+-]*\).*"throughput":[ ]*\([0-9.eE+-]*\).*/\3 * \1 \/ \2/p' | xargs -I{} $PY -c 'print({})'; }
has_numpy() { case $1 in normal|uniform|gemm|orthogonal|propagate) return 0 ;; *) return 1 ;; esac; }

echo "# InitLab vs PyTorch $($PY -c 'import torch; print(torch.__version__)') and NumPy $($PY -c 'import numpy; print(numpy.__version__)') on $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs), model $(grep -m1 '^model' /proc/cpuinfo | cut -d: -f2 | xargs)), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "# ${ROUNDS} interleaved rounds x ${REPEAT} runs; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-12s | %10s | %3s | %-21s | %-21s | %-21s | %-15s | %-15s | %-16s | %-11s |\n' workload size thr \
  "PyTorch s (min/med)" "NumPy s (min/med)" "InitLab s (min/med)" "vs PyTorch" "vs NumPy" "machine limit" "CPU vs PyT"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' -------------- ------------ ----- ----------------------- ----------------------- \
  ----------------------- ----------------- ----------------- ------------------ -------------

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
      py=(); np=(); il=(); en=(); peak=(); bw=(); pyc=(); ilc=()
      for ((r = 0; r < ROUNDS; r++)); do
        if [[ " $PEERS " == *" torch "* ]]; then
          read -r s c <<<"$($PY benchmarks/peer.py "$w" --size "$n" --threads "$t" --repeat "$REPEAT" "${extra[@]}" --json | both_min)"
          py+=("$s"); pyc+=("$c")
        fi
        if [[ " $PEERS " == *" numpy "* ]] && has_numpy "$w"; then
          np+=("$($PY benchmarks/peer.py "$w" --peer numpy --size "$n" --threads "$t" --repeat "$REPEAT" "${extra[@]}" --json | seconds_min)")
        fi
        read -r s c <<<"$("${INITLAB[@]}" bench "$w" --size "$n" --threads "$t" --repeat "$REPEAT" "${extra[@]}" --json | both_min)"
        il+=("$s"); ilc+=("$c")
        if [[ $w == propagate ]]; then
          en+=("$("${INITLAB[@]}" bench propagate --engine ensemble --size "$n" --threads "$t" --repeat "$REPEAT" "${extra[@]}" --json | seconds_min)")
        fi
        case $w in
          normal|uniform|trunc_normal) bw+=("$("${INITLAB[@]}" bench bandwidth --threads "$t" --repeat 5 --json | cpu_rate)") ;;
          gemm) peak+=("$("${INITLAB[@]}" bench peak --threads "$t" --repeat 5 --json | cpu_rate)") ;;
        esac
      done
      $PY - "$w" "$n" "$t" "${py[*]:-}" "${np[*]:-}" "${il[*]}" "${en[*]:-}" "${peak[*]:-}" "${bw[*]:-}" "${pyc[*]:-}" "${ilc[*]:-}" <<'PYEOF'
import statistics as st, sys
w, n, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
py, np_, il, en, peak, bw, pyc, ilc = ([float(x) for x in a.split()] for a in sys.argv[4:12])
cpu = f"{min(pyc) / min(ilc):.2f}x" if pyc and ilc else "-"
def cell(xs): return f"{min(xs):.4g} / {st.median(xs):.4g}" if xs else "-"
def ratio(peer, ours):
    if not peer: return "-"
    per_round = [p / o for p, o in zip(peer, ours)]
    return f"{min(peer) / min(ours):.2f}x (med {st.median(per_round):.2f})"
# Fractions of the limit in CPU time: InitLab's work per CPU-second against the limit's (both summed over threads).
limit = "-"
if bw:
    limit = f"{4 * n / min(ilc) / max(bw):.0%} of {max(bw) / 1e9:.1f} GB/s/CPU-s"
elif peak:
    limit = f"{2 * n ** 3 / min(ilc) / max(peak):.0%} of {max(peak) / 1e9:.0f} GF/s/CPU-s"
print(f"| {w:<12} | {n:>10} | {t:>3} | {cell(py):<21} | {cell(np_):<21} | {cell(il):<21} | {ratio(py, il):<15} | {ratio(np_, il):<15} | {limit:<16} | {cpu:<11} |")
if en:
    print(f"| {'  ensemble':<12} | {n:>10} | {t:>3} | {cell(py):<21} | {cell(np_):<21} | {cell(en):<21} | {ratio(py, en):<15} | {ratio(np_, en):<15} | {min(il) / min(en):.1f}x explicit | {chr(45):<11} |")
PYEOF
    done
  done
done
