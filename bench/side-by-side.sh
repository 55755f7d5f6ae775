#!/bin/bash
# Side-by-side: the SciPy peer (../shared/bench-peers/scipy_peer.py) and our CPU backend on the identical block,
# in one invocation, then agreement with SciPy and the ratio table. The end to end runs once per storage choice: the
# store's default filters (byte shuffle + zstd 3, one chunk per tile), plain zstd 3 (the default until the eleventh
# session), SHA-256 only, and none (what TileDB writes for an attribute given no filter list).
#   bench/side-by-side.sh [--quick] [--out DIR]     default 2000 x 60000 (several minutes), --quick 200 x 6000
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
peers="$repo/../shared/bench-peers"
out="$repo/bench/out"
size=(--channels 2000 --samples 60000)
beam=(--beam-channels 100)  # both sides beamform the first 100 channels (the peer's 2000-channel steering array is 1.3 GB)
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) size=(--channels 200 --samples 6000 --win 2); beam=(); out="$repo/bench/out-quick" ;;
    --out) out="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$out"
py=/usr/bin/python3
win=10; for ((i = 0; i < ${#size[@]}; i++)); do [ "${size[$i]}" = --win ] && win=${size[$((i + 1))]}; done

echo "== machine limits (cached in $out/limits.txt)"
[ -s "$out/limits.txt" ] || bash "$peers/machine_limits.sh" "$out" > /dev/null
echo "== block"
$py "$repo/bench/side_by_side.py" make "$out" "${size[@]}"
echo "== peer"
rm -f "$out/peer.jsonl"
$py "$peers/scipy_peer.py" "${size[@]}" "${beam[@]}" --ops bandpass,decimate,fk,beam,dask --threads 1 --out "$out/peer.jsonl" > /dev/null
# the like-for-like fk_forward_r2c row compares with scipy.fft.rfft2 at workers=2 (ours uses both cores)
$py "$peers/scipy_peer.py" "${size[@]}" --ops fk --threads 2 --out "$out/peer.jsonl" > /dev/null
echo "== ours"
dotnet build -c Release "$repo/bench/Resif.Gpu.Bench" -v q -nologo > "$out/build.log" || { cat "$out/build.log"; exit 1; }
dotnet "$repo/bench/Resif.Gpu.Bench/bin/Release/net10.0/Resif.Gpu.Bench.dll" side-by-side \
  --block "$out/block.npy" --out "$out" --win "$win" "${beam[@]}" --store-filters default,zstd,sha256,none > /dev/null
echo "== ours through the server and the Python client"
"$repo/resif-gpu" --help > /dev/null  # builds the CLI into artifacts/cli when a source is newer
$py "$repo/bench/e2e_python.py" "$out" --repeats 5 "${size[@]}"
$py "$repo/bench/e2e_python.py" "$out" --filters none --compression none --repeats 5 "${size[@]}"
echo "== agreement and table"
$py "$repo/bench/side_by_side.py" report "$out" "${size[@]}"
