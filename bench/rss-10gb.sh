#!/bin/bash
# Peak memory of the server reducing a ~10 GB array with a 1 GiB memory budget (issue 10).
#   bench/rss-10gb.sh [--gb N] [--channels C] [--dir DIR] [--budget-mib M] [--heap-mib H]
# Writes an N GB (default 10) float32 array of C channels (default 2000) at 1 kHz into a temporary store under DIR
# (default $TMPDIR or /tmp; shrunk when the disk has too little room), starts `resif-gpu serve` with the .NET GC heap
# capped at H MiB (DOTNET_GCHeapHardLimit; default 3/4 of the budget M, default 1024: the GC lets the heap grow to
# its cap, and the runtime, JIT and native buffers live outside it), reduces the whole array through the gRPC client (bandpass 1-40 Hz
# zero-phase, decimate q=10: a 1/10 result streamed to a .npy file), and prints the server's peak resident set
# (VmHWM from /proc/PID/status: everything, managed heap, native buffers and runtime) and the client's (/usr/bin/time).
# Everything written is deleted at the end.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
gb=10 channels=2000 dir=${TMPDIR:-/tmp} budget_mib=1024 heap_mib=""
while [ $# -gt 0 ]; do
  case "$1" in
    --gb) gb=$2; shift ;;
    --channels) channels=$2; shift ;;
    --dir) dir=$2; shift ;;
    --budget-mib) budget_mib=$2; shift ;;
    --heap-mib) heap_mib=$2; shift ;;
    *) echo "usage: $0 [--gb N] [--channels C] [--dir DIR] [--budget-mib M] [--heap-mib H]" >&2; exit 2 ;;
  esac
  shift
done
budget_kib=$((budget_mib * 1024))
heap_mib=${heap_mib:-$((budget_mib * 3 / 4))}

# Room for the array (noise compresses ~x1.1 only), the 1/10 result and a margin.
free_gb=$(df --output=avail -B1G "$dir" | tail -1 | tr -d ' ')
fit=$(( (free_gb - 2) * 10 / 12 ))
if [ "$fit" -lt "$gb" ]; then
  echo "only ${free_gb} GB free under $dir: shrinking the array from $gb to $fit GB" >&2
  gb=$fit
fi
[ "$gb" -ge 1 ] || { echo "not enough disk under $dir" >&2; exit 1; }
samples=$(( gb * 1000000000 / 4 / channels ))

work=$(mktemp -d "$dir/resif-rss.XXXXXX")
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== build (Release)"
dotnet build -c Release "$repo/bench/Resif.Gpu.Bench" -v q -nologo > "$work/build.log" || { cat "$work/build.log"; exit 1; }
dotnet build -c Release "$repo/src/Resif.Gpu.Cli" -v q -nologo >> "$work/build.log" || { cat "$work/build.log"; exit 1; }
bench="$repo/bench/Resif.Gpu.Bench/bin/Release/net10.0/Resif.Gpu.Bench.dll"
cli="$repo/src/Resif.Gpu.Cli/bin/Release/net10.0/resif-gpu.dll"

echo "== array: $channels channels x $samples samples float32 ($(( channels * samples * 4 / 1000000 )) MB) in $work"
start=$(date +%s)
dotnet "$bench" make-array "$work/store" big "$channels" "$samples"
echo "written in $(( $(date +%s) - start )) s, $(du -sh "$work/store" | cut -f1) on disk"

echo "== server with DOTNET_GCHeapHardLimit of $heap_mib MiB"
DOTNET_GCHeapHardLimit=$(printf '0x%x' $((heap_mib * 1024 * 1024))) dotnet "$cli" serve --store "$work/store" --port 0 > "$work/serve.log" 2>&1 &
server=$!
url=$("$repo/bench/server-url.sh" "$work/serve.log" 60) || exit 1
echo "server $server at $url; idle VmHWM $(awk '/VmHWM/ {print $2, $3}' /proc/$server/status)"

echo "== reduce the whole array through gRPC"
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$work/client-kib" dotnet "$cli" reduce big --server "$url" \
  --op bandpass:freqmin=1,freqmax=40,zerophase=true --op decimate:factor=10 --out "$work/out.npy" | tail -1
seconds=$(echo "$(date +%s.%N) - $start" | bc)
hwm=$(awk '/VmHWM/ {print $2}' /proc/$server/status)
client=$(cat "$work/client-kib")
echo "result $(du -h "$work/out.npy" | cut -f1) in ${seconds} s: $(echo "$channels * $samples / $seconds / 1000000" | bc) MS/s"
echo "server peak RSS (VmHWM): $((hwm / 1024)) MiB; client peak RSS: $((client / 1024)) MiB; budget $((budget_kib / 1024)) MiB"
if [ "$hwm" -le "$budget_kib" ]; then echo "server within the $budget_mib MiB budget"; else echo "server OVER the $budget_mib MiB budget"; exit 1; fi
