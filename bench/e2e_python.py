#!/usr/bin/env python3
"""End to end as a Pangeo user runs it: store -> server -> Python client (part of bench/side-by-side.sh).

  e2e_python.py DIR [peer size flags]

Ingests DIR/block.npy with the CLI (zstd 3 + SHA-256 tiles: the store's default pipeline), starts
`resif-gpu serve` on it, and times `resif_gpu.Client.reduce` of bandpass (zero-phase, odd pad) then decimate
(IIR, q) into NumPy: best of --repeats after one warm-up. Appends one JSON line (op "e2e_reduce_python") to
DIR/ours.jsonl with wall time and the CPU time of both processes (server and this client), and saves the first
rows of the result as DIR/e2e_python.npy for side_by_side.py's agreement check.
"""
import json
import os
import resource
import shutil
import subprocess
import sys
import time

import numpy as np

bench = os.path.dirname(os.path.abspath(__file__))
repo = os.path.dirname(bench)
sys.path.insert(0, os.path.join(repo, "clients", "python"))
sys.path.insert(0, os.path.join(repo, "..", "shared", "bench-peers"))
import resif_gpu  # noqa: E402
import scipy_peer  # noqa: E402  (the size and filter flags are the peer's own)

SAVED_ROWS = 32


def process_cpu_seconds(pid):
    """utime + stime of a process and its reaped children, from /proc (clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    out = sys.argv[1]
    args = scipy_peer.parse_args(sys.argv[2:])
    cli = ["dotnet", os.path.join(repo, "artifacts", "cli", "resif-gpu.dll")]
    store = os.path.join(out, "pystore")
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run(cli + ["ingest", os.path.join(out, "block.npy"), "--store", store, "--name", "block",
                          "--dt", repr(1 / args.fs), "--dx", repr(args.dx), "--zstd-level", "3"],
                   check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(cli + ["serve", "--store", store, "--port", "0", "--device", "cpu", "--log-level", "warning"],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = None
        for line in server.stdout:
            words = [w for w in line.split() if w.startswith("http://")]
            if words:
                url = words[0]
                break
        if url is None:
            raise SystemExit("e2e_python: the server printed no URL")
        low, high = args.band
        ops = [("bandpass", {"freqmin": low, "freqmax": high, "corners": args.order, "zerophase": True, "pad": "odd"}),
               ("decimate", {"factor": args.q, "method": "iir"})]
        with resif_gpu.Client(url, timeout=600, xarray=False) as client:
            times, cpus = [], []
            result = None
            for repeat in range(args.repeats + 1):
                cpu0, server0, t0 = own_cpu_seconds(), process_cpu_seconds(server.pid), time.perf_counter()
                result = client.reduce("block", ops)
                elapsed = time.perf_counter() - t0
                if repeat > 0:  # the first call warms up the server (JIT, page cache)
                    times.append(elapsed)
                    cpus.append(own_cpu_seconds() - cpu0 + process_cpu_seconds(server.pid) - server0)
        values = np.asarray(result.values)
        np.save(os.path.join(out, "e2e_python.npy"), values[:SAVED_ROWS])
        best = int(np.argmin(times))
        samples = args.channels * args.samples
        record = {"op": "e2e_reduce_python",
                  "impl": f"resif-gpu serve (zstd 3 + SHA-256 store) -> bandpass zero-phase odd pad -> decimate q={args.q} iir "
                          "-> gRPC -> Python client (NumPy)",
                  "threads": os.cpu_count(), "channels": args.channels, "samples": args.samples,
                  "best_s": round(times[best], 6), "cpu_s_at_best": round(cpus[best], 6),
                  "times_s": [round(t, 6) for t in times], "cpu_s": [round(c, 6) for c in cpus],
                  "msamples_per_s": round(samples / times[best] / 1e6, 3),
                  "msamples_per_cpu_s": round(samples / cpus[best] / 1e6, 3)}
        with open(os.path.join(out, "ours.jsonl"), "a") as f:
            f.write(json.dumps(record) + "\n")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    main()
