#!/usr/bin/python3
"""A >= 2 GB result through the Python client with bounded memory (issue 7's acceptance), measured.

Opt-in (it writes ~2 x SIZE to a temporary folder and takes minutes): RESIF_GPU_LARGE_STREAM=1.

    RESIF_GPU_LARGE_STREAM=1 bench/python-stream/stream_large.py [--gb 2.2] [--compression auto|none|zstd ...]

1. a child process writes a float32 [channel, time] .npy of --gb GB block by block (np.lib.format.open_memmap;
   in a child so its pages never count in this process's peak RSS), then `resif-gpu ingest` stores it;
2. `resif-gpu serve` serves the store on a free loopback port;
3. for each --compression, `Client.reduce_iter` runs lowpass:freq=100 over the whole array (the result is as
   large as the input) and this process consumes the chunks (a running sum and max, nothing kept), then prints
   the bytes received, the time, the throughput and the peak RSS of this process (resource.getrusage);
4. the temporary folder is deleted.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "clients" / "python"))
import resif_gpu  # noqa: E402
from resif_gpu._stubs import reduction_pb2  # noqa: E402

CHANNELS = 1024
RATE_HZ = 1000.0


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def make_npy(path: Path, channels: int, samples: int) -> None:
    """Noise plus a travelling 5 Hz wave, written 20 000 samples at a time (run in a child process)."""
    values = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(channels, samples))
    rng = np.random.default_rng(7)
    delay = np.arange(channels)[:, None] * 0.001
    for start in range(0, samples, 20_000):
        stop = min(samples, start + 20_000)
        t = np.arange(start, stop) / RATE_HZ
        values[:, start:stop] = np.sin(2 * np.pi * 5.0 * (t - delay)) + 0.3 * rng.standard_normal((channels, stop - start))
    values.flush()


def cli() -> list[str]:
    return os.environ.get("RESIF_GPU_CLI", str(REPO / "resif-gpu")).split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gb", type=float, default=2.2, help="result size in GB (1e9 bytes), default 2.2")
    parser.add_argument("--compression", nargs="+", default=["none", "auto"], help="runs, e.g. none auto")
    parser.add_argument("--make", nargs=3, metavar=("PATH", "CHANNELS", "SAMPLES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        make_npy(Path(args.make[0]), int(args.make[1]), int(args.make[2]))
        return 0
    if os.environ.get("RESIF_GPU_LARGE_STREAM") != "1":
        print("opt-in: set RESIF_GPU_LARGE_STREAM=1 (writes ~2 x --gb GB to a temporary folder, takes minutes)")
        return 2

    samples = int(args.gb * 1e9 / 4 / CHANNELS)
    work = Path(tempfile.mkdtemp(prefix="resif-large-"))
    server = None
    try:
        clock = time.monotonic()
        source = work / "large.npy"
        subprocess.run([sys.executable, __file__, "--make", str(source), str(CHANNELS), str(samples)], check=True)
        subprocess.run(cli() + ["ingest", str(source), "--store", str(work / "store"), "--name", "large",
                                "--dt", repr(1 / RATE_HZ), "--dx", "2"], check=True, stdout=subprocess.DEVNULL)
        source.unlink()
        print(f"array: {CHANNELS} x {samples} float32 = {CHANNELS * samples * 4 / 1e9:.2f} GB, "
              f"made and ingested in {time.monotonic() - clock:.0f} s")

        server = subprocess.Popen(cli() + ["serve", "--store", str(work / "store"), "--port", "0", "--device", "cpu"],
                                  stdout=subprocess.PIPE, text=True)
        url = None
        while url is None:
            line = server.stdout.readline()
            if not line:
                raise RuntimeError("resif-gpu serve exited before printing its URL")
            match = re.search(r"https?://\S+", line)
            url = match.group(0) if match else None

        print(f"client RSS before streaming: {peak_rss_mib():.0f} MiB (peak so far)")
        with resif_gpu.Client(url) as client:
            for compression in args.compression:
                received, total, peak = 0, 0.0, -np.inf
                start = time.monotonic()
                with client.reduce_iter("large", ["lowpass:freq=100"], compression=None if compression == "none" else compression) as stream:
                    header = stream.header
                    for _, chunk in stream:
                        received += chunk.nbytes
                        total += float(chunk.sum(dtype=np.float64))
                        peak = max(peak, float(np.abs(chunk).max()))
                seconds = time.monotonic() - start
                assert received == header.nbytes, (received, header.nbytes)  # the stream also checked the SHA-256
                wire = "zstd" if header.compression == reduction_pb2.COMPRESSION_ZSTD else "none"
                print(f"compression={compression} (wire: {wire}): {received / 1e9:.2f} GB {header.shape} in {seconds:.1f} s "
                      f"= {received / 1e6 / seconds:.0f} MB/s; peak RSS {peak_rss_mib():.0f} MiB; max|x| {peak:.3f}")
        return 0
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
