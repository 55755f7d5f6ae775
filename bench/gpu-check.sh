#!/usr/bin/env bash
# The CUDA checks, run on a GPU machine that has a driver but no dotnet, from the repository root with the archive of
# bench/gpu-bundle.sh at .gpu/bundle.tar.xz: the devices as the CLI sees them, the kernel suites' CUDA (and OpenCL)
# classes against NumPy/SciPy, issue 6's device figures on 2000 x 60000, the demo end to end on the GPU, and the
# server end to end (store -> bandpass -> decimate -> gRPC -> client) on the GPU and on the CPU backend, same array.
# Logs and the xUnit XML go to $OUT (or /tmp/gpu-check); a summary is printed last.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-check}
mkdir -p "$out"
run=$PWD/.gpu-run
rm -rf "$run" && mkdir -p "$run"
tar -xJf .gpu/bundle.tar.xz -C "$run" 2>/dev/null ||
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' .gpu/bundle.tar.xz "$run" || exit 1

export DOTNET_ROOT=$run/dotnet PATH=$run/dotnet:$PATH DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_NOLOGO=1
# The references need NumPy and SciPy: the image may keep them in a virtual environment rather than /usr/bin/python3.
for python in /usr/bin/python3 "$(command -v python3)" /opt/torch/.venv/bin/python3; do
  if [ -x "$python" ] && "$python" -c 'import numpy, scipy' 2>/dev/null; then export RESIF_PYTHON=$python; break; fi
done
# The driver's libcuda and a cuFFT that ILGPU.Algorithms binds (libcufft.so.10-12), where the loader would not look.
for lib in 'libcuda.so.1' 'libcufft.so.1[012]'; do
  if ! ldconfig -p | grep "${lib%%.so*}\.so" > /dev/null; then
    found=$(find /usr/local /usr/lib /usr/lib64 /opt -name "$lib" 2>/dev/null | head -1)
    [ -n "$found" ] && export LD_LIBRARY_PATH=$(dirname "$found")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  fi
done

step() { echo; echo "=== $1"; }
step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1
echo "python: ${RESIF_PYTHON:-none with numpy+scipy}; LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
ldconfig -p | grep -E 'libcuda\.so|libOpenCL|libcufft' ; nproc

step "resif-gpu devices"
timeout 60 dotnet "$run/apps/cli/resif-gpu.dll" devices 2>&1 | tee "$out/devices.log"

step "kernel suites on the GPU"
classes=()
# GPU_CHECK_CLASSES (an extended regex) narrows the classes, e.g. to rerun those a change touched within the lease.
for class in $(grep -ho 'public sealed class \(Cuda\|OpenCl\)[A-Za-z]*' tests/Resif.Gpu.Kernels.Tests/*.cs | awk '{print $4}' |
  grep -E "${GPU_CHECK_CLASSES:-.}"); do
  classes+=(-class "Resif.Gpu.Kernels.Tests.$class")
done
(cd "$run/apps/ktests" && DOTNET_ROLL_FORWARD=Major timeout 300 dotnet "$run/apps/xunit/xunit.console.dll" \
  Resif.Gpu.Kernels.Tests.dll "${classes[@]}" -verbose -nocolor -xml "$out/gpu-tests.xml") > "$out/gpu-tests.log" 2>&1
echo "xunit exit $?"; grep -E '\[FAIL\]|Total:' "$out/gpu-tests.log"

step "issue 6 device figures, 2000 x 60000"
timeout 150 dotnet "$run/apps/bench/Resif.Gpu.Bench.dll" device --device cuda --channels 2000 --samples 60000 --blocks 8 --repeats 3 2>&1 |
  tee "$out/device-bench.log"

step "kernel times under Nsight Compute (one resident chain, 2000 x 60000)"
if command -v ncu >/dev/null; then
  timeout 120 ncu --metrics gpu__time_duration.sum --csv --log-file "$out/ncu.csv" \
    dotnet "$run/apps/bench/Resif.Gpu.Bench.dll" device --device cuda --channels 2000 --samples 60000 --blocks 1 --repeats 1 > /dev/null 2>&1
  echo "ncu exit $?"
  python3 - "$out/ncu.csv" <<'PY'
import csv, sys, collections
rows = [r for r in csv.reader(l for l in open(sys.argv[1]) if l.startswith('"'))]
if not rows: sys.exit("no ncu rows")
head = rows[0]; name, value = head.index("Kernel Name"), head.index("Metric Value")
total = collections.defaultdict(lambda: [0, 0.0])
for r in rows[1:]:
    t = total[r[name][:60]]; t[0] += 1; t[1] += float(r[value].replace(",", "")) / 1e6
for k, (n, ms) in sorted(total.items(), key=lambda kv: -kv[1][1])[:12]: print(f"{ms:9.3f} ms  {n:3d}x  {k}")
PY
else
  echo "ncu not found"
fi

step "demo end to end on the GPU"
timeout 90 dotnet "$run/apps/cli/resif-gpu.dll" demo --device cuda --out "$out/demo" > "$out/demo.log" 2>&1
echo "demo exit $?"; tail -5 "$out/demo.log"; grep -ho '"device[^,]*' "$out"/demo/*.json 2>/dev/null | sort | uniq -c
rm -rf "$out/demo"

# Through the server as users call it: store -> bandpass -> decimate -> gRPC -> the CLI's client, best of 3 per device
# on the same array, with the server's own time per call beside the CLI's (GPU_CHECK_E2E="CHANNELS SAMPLES", GPU_CHECK_E2E_DEVICES="cuda cpu" by default).
read -r e2e_channels e2e_samples <<< "${GPU_CHECK_E2E:-2000 60000}"
step "server end to end, $e2e_channels x $e2e_samples"
e2e=$(mktemp -d)
timeout 120 dotnet "$run/apps/bench/Resif.Gpu.Bench.dll" make-array "$e2e/store" big "$e2e_channels" "$e2e_samples" > /dev/null 2>&1
for device in ${GPU_CHECK_E2E_DEVICES:-cuda cpu}; do
  dotnet "$run/apps/cli/resif-gpu.dll" serve --store "$e2e/store" --port 0 --device "$device" --log-level information > "$e2e/serve-$device.log" 2>&1 &
  server=$!
  best=""
  url=$(bench/server-url.sh "$e2e/serve-$device.log" 30) &&
  for _ in 1 2 3; do
    start=$(date +%s.%N)
    timeout 120 dotnet "$run/apps/cli/resif-gpu.dll" reduce big --server "$url" --op bandpass:freqmin=1,freqmax=40,zerophase=true \
      --op decimate:factor=10 --out "$e2e/out-$device.npy" > "$e2e/reduce-$device.log" 2>&1 || { tail -3 "$e2e/reduce-$device.log"; break; }
    seconds=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$start" "$(date +%s.%N)")
    best=$(python3 -c "import sys; print(min(float(v) for v in sys.argv[1:] if v))" $seconds $best)
  done
  kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
  # The CLI's wall time includes its own process start and JIT; the server's log says how long each call took there.
  server_ms=$(grep -o 'Reduction/Reduce [^ ]* answered OK in [0-9.]* ms' "$e2e/serve-$device.log" | awk '{print $(NF-1)}' | sort -n | head -1)
  echo "$device: best ${best:-failed} s through the CLI, server side best ${server_ms:-?} ms ($(tail -1 "$e2e/reduce-$device.log" 2>/dev/null | cut -c1-160))"
  cp "$e2e/serve-$device.log" "$out/" 2>/dev/null
done
"${RESIF_PYTHON:-python3}" -c "import numpy as np, sys; a, b = (np.load(f) for f in sys.argv[1:]); print('max |difference|', float(abs(a - b).max()), 'of peak', float(abs(b).max()))" \
  $(ls "$e2e"/out-*.npy | head -2) 2>/dev/null
rm -rf "$e2e"

step "summary"
python3 - "$out/gpu-tests.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception as e:
    sys.exit(f"no xUnit XML: {e}")
tests = root.findall('.//test')
for t in tests:
    if t.get('result') == 'Fail':
        msg = (t.findtext('.//message') or '').strip().splitlines()
        print('FAIL', t.get('name'), '|', ' '.join(msg)[:600])
for t in tests:
    out = (t.findtext('output') or '').strip()
    if out: print('OUTPUT', t.get('name'), '|', out[:400])
counts = {r: sum(t.get('result') == r for t in tests) for r in ('Pass', 'Fail', 'Skip')}
skips = sorted({(t.findtext('reason') or '').strip()[:160] for t in tests if t.get('result') == 'Skip'})
print('skip reasons:', skips[:5])
print(f"{counts['Pass']} passed, {counts['Fail']} failed, {counts['Skip']} skipped")
PY
