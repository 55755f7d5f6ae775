#!/usr/bin/env bash
# Runs every test of Resif.Gpu (xUnit projects, then the Python client's pytest suite against a real server)
# and ends with one line "N passed, N failed[, N skipped]" summed over all of them. Exit status is non-zero
# when any test failed or any runner broke. Installs the Debian packages the tests need when they are missing.
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
results="$root/.testresults"
rm -rf "$results"
mkdir -p "$results"

python_modules="numpy scipy grpc grpc_tools google.protobuf xarray pytest zstandard"
if ! /usr/bin/python3 -c "import ${python_modules// /, }" 2>/dev/null; then
  echo "== installing Debian packages for the tests (numpy, scipy, grpc, xarray, pytest, zstandard)"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && $sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    python3-numpy python3-scipy python3-grpcio python3-grpc-tools python3-protobuf python3-xarray python3-pytest python3-zstandard >/dev/null \
    || { echo "could not install the Debian packages the tests need"; echo "0 passed, 1 failed"; exit 1; }
fi
# Debian's libzstd (package libzstd1): the store reads zstd chunks with it (about twice as fast as the managed
# fallback), and the storage tests check that both codecs read each other's frames.
# (grep reads all of ldconfig's output: with -q it could stop early, and under pipefail ldconfig's SIGPIPE read as "missing".)
if ! ldconfig -p 2>/dev/null | grep 'libzstd\.so\.1 ' > /dev/null && [ "$(id -u)" -eq 0 ]; then
  echo "== installing Debian's libzstd1 (native zstd for the store)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libzstd1 >/dev/null \
    || echo "warning: could not install libzstd1; the store falls back to managed zstd and the native-codec tests are skipped"
fi
# Debian's OpenCL runtime (PoCL): lets the device-discovery tests check that an OpenCL device without the
# generic address space ILGPU needs is detected and skipped rather than crashing.
if [ ! -f /etc/OpenCL/vendors/pocl.icd ] && [ "$(id -u)" -eq 0 ]; then
  echo "== installing Debian's OpenCL runtime (pocl-opencl-icd) for the device-discovery tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pocl-opencl-icd ocl-icd-libopencl1 >/dev/null \
    || echo "warning: could not install pocl-opencl-icd; OpenCL discovery is then checked without a device"
fi

# Debian's Chromium and its driver: the viewer's browser tests drive a real headless browser.
if ! { command -v chromium && command -v chromedriver; } >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  echo "== installing Debian's chromium and chromium-driver for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null \
    || echo "warning: could not install chromium; the browser tests will fail saying so"
fi

runner_failures=0
echo "== building (Release)"
if ! dotnet build Resif.Gpu.sln -c Release -nologo -v quiet -clp:ErrorsOnly; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

for project in tests/*.Tests/*.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  if ! timeout 40m dotnet test "$project" -c Release --no-build -nologo \
      --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
      --results-directory "$results" --blame-hang-timeout 10m; then
    # A failing test already shows in the TRX counts; a runner that wrote no TRX is a failure of its own.
    [ -f "$results/$name.trx" ] || runner_failures=$((runner_failures + 1))
  fi
done

echo "== clients/python (pytest against a real server)"
export RESIF_GPU_CLI="${RESIF_GPU_CLI:-$root/resif-gpu}"
(cd clients/python && timeout 20m /usr/bin/python3 -m pytest -q -p no:cacheprovider --junitxml="$results/python.xml" tests)
case $? in
  0|1) ;;                         # ran: counts come from the JUnit file
  *) [ -f "$results/python.xml" ] || runner_failures=$((runner_failures + 1)) ;;
esac

/usr/bin/python3 - "$results" "$runner_failures" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
results, broken = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
for trx in glob.glob(f"{results}/*.trx"):
    c = ET.parse(trx).getroot().find(f"{ns}ResultSummary/{ns}Counters")
    p, f = int(c.get("passed")), int(c.get("failed")) + int(c.get("error")) + int(c.get("timeout")) + int(c.get("aborted"))
    s = int(c.get("total")) - p - f
    print(f"  {trx.rsplit('/', 1)[-1]}: {p} passed, {f} failed, {s} skipped")
    passed, failed, skipped = passed + p, failed + f, skipped + s
for junit in glob.glob(f"{results}/*.xml"):
    r = ET.parse(junit).getroot()
    for suite in ([r] if r.tag == "testsuite" else r.findall("testsuite")):
        t, f, e, s = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        print(f"  {junit.rsplit('/', 1)[-1]}: {t - f - e - s} passed, {f + e} failed, {s} skipped")
        passed, failed, skipped = passed + t - f - e - s, failed + f + e, skipped + s
if broken:
    print(f"  {broken} test runner(s) broke without reporting results")
failed += broken
print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed or passed == 0 else 0)
PY
