#!/usr/bin/env python3
"""End to end as a Pangeo user runs it: store -> server -> Python client (part of bench/side-by-side.sh).

  e2e_python.py DIR [--filters default|SPEC|none] [--compression auto|none|zstd] [peer size flags]

Ingests DIR/block.npy with the CLI (by default a byte shuffle then zstd 3: the store's default pipeline), starts
`resif-gpu serve` on it, and times `resif_gpu.Client.reduce` of bandpass (zero-phase, odd pad) then decimate
(IIR, q) into NumPy (`compression` as given: "auto" is the client's default, zstd on the wire when the zstandard
module is installed): best of --repeats after one warm-up. Appends one JSON line to DIR/ours.jsonl (op
"e2e_reduce_python" for the defaults, "e2e_reduce_python_plain" for an unfiltered store without wire compression)
with wall time and the CPU time of both processes (server and this client), and saves the first rows of those two
results as DIR/e2e_python.npy / e2e_python_plain.npy for side_by_side.py's agreement check.
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
    rest = sys.argv[2:]
    filters, compression = "default", "auto"
    while rest[:1] in (["--filters"], ["--compression"]):
        if rest[0] == "--filters":
            filters = rest[1]
        else:
            compression = rest[1]
        rest = rest[2:]
    args = scipy_peer.parse_args(rest)
    cli = ["dotnet", os.path.join(repo, "artifacts", "cli", "resif-gpu.dll")]
    store = os.path.join(out, "pystore")
    shutil.rmtree(store, ignore_errors=True)
    subprocess.run(cli + ["ingest", os.path.join(out, "block.npy"), "--store", store, "--name", "block",
                          "--dt", repr(1 / args.fs), "--dx", repr(args.dx)]
                   + (["--zstd-level", "3"] if filters == "default" else ["--filters", filters]),
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
                result = client.reduce("block", ops, compression=compression)
                elapsed = time.perf_counter() - t0
                if repeat > 0:  # the first call warms up the server (JIT, page cache)
                    times.append(elapsed)
                    cpus.append(own_cpu_seconds() - cpu0 + process_cpu_seconds(server.pid) - server0)
        values = np.asarray(result.values)
        plain = filters == "none" and compression == "none"
        if filters == "default" or plain:
            np.save(os.path.join(out, "e2e_python_plain.npy" if plain else "e2e_python.npy"), values[:SAVED_ROWS])
        best = int(np.argmin(times))
        samples = args.channels * args.samples
        stored_as = "shuffle + zstd 3" if filters == "default" else filters
        op = "e2e_reduce_python" if filters == "default" and compression == "auto" else \
            "e2e_reduce_python_plain" if plain else f"e2e_reduce_python_{filters}_{compression}"
        record = {"op": op,
                  "impl": f"resif-gpu serve ({stored_as} store) -> bandpass zero-phase odd pad -> decimate q={args.q} iir "
                          f"-> gRPC (wire compression {compression}) -> Python client (NumPy)",
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
