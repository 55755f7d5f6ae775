#!/usr/bin/env python3
"""Python half of bench/side-by-side.sh.

  side_by_side.py make   DIR [peer size flags]  writes DIR/block.npy with scipy_peer.make_block (same seed/waves)
  side_by_side.py report DIR [peer size flags]  compares our saved outputs with SciPy computed here, independently
                                                 of our code, then prints the side-by-side table from
                                                 DIR/peer.jsonl, DIR/ours.jsonl and DIR/limits.txt
"""
import json
import os
import re
import sys

import numpy as np
import scipy.signal as sps

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench-peers"))
import scipy_peer  # noqa: E402  (make_block, fk_mask and the default parameters are the peer's own)


def rel_rms(ours, ref):
    dtype = np.complex128 if np.iscomplexobj(ours) or np.iscomplexobj(ref) else np.float64
    ours = np.asarray(ours, dtype)
    ref = np.asarray(ref, dtype)
    return float(np.linalg.norm((ours - ref).ravel()) / np.linalg.norm(ref.ravel()))


def agreement(out, args, x):
    """Relative RMS difference between each of our outputs and SciPy on the same input rows."""
    def load(name):
        path = os.path.join(out, name + ".npy")
        return np.load(path) if os.path.exists(path) else None

    checks = {}
    sos = sps.butter(args.order, args.band, btype="bandpass", fs=args.fs, output="sos")
    if (y := load("bandpass_zerophase")) is not None:
        checks["bandpass_zerophase"] = rel_rms(y, sps.sosfiltfilt(sos, x[:len(y)].astype(np.float64), axis=-1))
    if (y := load("bandpass_causal")) is not None:
        checks["bandpass_causal"] = rel_rms(y, sps.sosfilt(sos, x[:len(y)].astype(np.float64), axis=-1))
    if (y := load("decimate_iir")) is not None:
        checks["decimate iir"] = rel_rms(y, sps.decimate(x[:len(y)].astype(np.float64), args.q, ftype="iir", zero_phase=True, axis=-1))
    if (y := load("decimate_fir")) is not None:
        checks["decimate fir"] = rel_rms(y, sps.decimate(x[:len(y)].astype(np.float64), args.q, ftype="fir", zero_phase=True, axis=-1))
    if (y := load("e2e")) is not None:
        filtered = sps.sosfiltfilt(sos, x[:len(y)].astype(np.float64), axis=-1)
        checks["e2e_reduce"] = rel_rms(y, sps.decimate(filtered, args.q, ftype="iir", zero_phase=True, axis=-1))
    for name in ("e2e_python", "e2e_python_plain"):
        if (y := load(name)) is not None:
            filtered = sps.sosfiltfilt(sos, x[:len(y)].astype(np.float64), axis=-1)
            checks[name.replace("e2e_python", "e2e_reduce_python")] = rel_rms(y, sps.decimate(filtered, args.q, ftype="iir", zero_phase=True, axis=-1))
    if (y := load("fk_forward")) is not None:
        sub = x[:y.shape[0], :y.shape[1]].astype(np.float64)
        checks["fk_forward"] = rel_rms(y, np.fft.fftshift(np.fft.fft2(sub)))
    if (y := load("fk_forward_r2c")) is not None:
        # fk real=true on fk_forward's sub-block (bins 0 .. n/2 alone cannot tell an odd n from an even one)
        columns = np.load(os.path.join(out, "fk_forward.npy"), mmap_mode="r").shape[1]
        sub = x[:y.shape[0], :columns].astype(np.float64)
        checks["fk_forward_r2c"] = rel_rms(y, np.fft.fftshift(np.fft.rfft2(sub), axes=0))
    if (y := load("fk_filter")) is not None:
        sub = x[:y.shape[0], :y.shape[1]].astype(np.float64)
        mask = scipy_peer.fk_mask(sub.shape[0], sub.shape[1], args.fs, args.dx, args.vmin, args.vmax, args.taper, np.float64)
        checks["fk_filter"] = rel_rms(y, np.fft.irfft2(np.fft.rfft2(sub) * mask, s=sub.shape))
    if (y := load("beam_fd")) is not None:
        window = int(round(args.win * args.fs))
        checks["beam_fd"] = rel_rms(y, beam_reference(args, x[:64, :window]))
    return checks


def beam_reference(args, x):
    """Our SlownessBeam's documented definition, in NumPy: per window, mean over channels of the window FFT
    shifted by exp(+2 pi i f s x_c), power = sum |B(f)|^2 / window^2 over the bins with |f| in the peer's beam band
    (both signs of f: the two-sided sum, computed without our one-sided shortcut)."""
    nch, ns = x.shape
    window = int(round(args.win * args.fs))
    nwin = ns // window
    slow = np.linspace(-args.smax, args.smax, args.nslow)
    pos = np.arange(nch) * args.dx
    f = np.fft.fftfreq(window, 1.0 / args.fs)
    band = (np.abs(f) >= args.beam_band[0]) & (np.abs(f) <= args.beam_band[1])
    power = np.empty((args.nslow, nwin))
    for w in range(nwin):
        spectra = np.fft.fft(x[:, w * window:(w + 1) * window].astype(np.float64), axis=-1)     # [c, f]
        for i, s in enumerate(slow):
            beam = np.mean(spectra * np.exp(2j * np.pi * np.outer(pos * s, f)), axis=0)
            power[i, w] = np.sum(np.abs(beam[band]) ** 2) / window ** 2
    return power


def read_jsonl(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


def ceilings(out):
    """Machine limits from machine_limits.sh: best triad GB/s and best batched FFTW float32 r2c GS/s seen
    (best over its repetitions and thread counts: on a shared machine the best run is the least disturbed)."""
    path = os.path.join(out, "limits.txt")
    text = open(path).read() if os.path.exists(path) else ""
    triad = [float(v) for v in re.findall(r"^Triad\s+best\s+([0-9.]+) GB/s", text, re.M)]
    fft = [float(v) / 1e3 for v in re.findall(r"batch=\d+ \[.*?\s([0-9.]+) Msamp/s", text)]
    return (max(triad) if triad else None), (max(fft) if fft else None)


def report(out, args):
    x = np.load(os.path.join(out, "block.npy"), mmap_mode="r")
    checks = agreement(out, args, x)
    peer = read_jsonl(os.path.join(out, "peer.jsonl"))
    ours = read_jsonl(os.path.join(out, "ours.jsonl"))
    triad_gbs, fft_gss = ceilings(out)

    def peer_best(op, pattern, threads=1):
        rows = [r for r in peer if r.get("op") == op and re.search(pattern, r.get("impl", "")) and r.get("threads") == threads]
        return max((r["msamples_per_s"] for r in rows), default=None)

    # (label, our op, our impl pattern, peer op, peer impl pattern, check key, ceiling kind)
    cases = [
        # The peer's faster single-thread line (float32 or float64 sections) is the one to beat.
        ("bandpass zero-phase", "bandpass_zerophase", "", "bandpass_zerophase", "sosfiltfilt", "bandpass_zerophase", "mem"),
        ("bandpass causal", "bandpass_causal", "", "bandpass_causal", "sosfilt", "bandpass_causal", "mem"),
        ("decimate q=10 iir", "decimate", "iir", "decimate", "iir", "decimate iir", "mem"),
        ("decimate q=10 fir", "decimate", "fir", "decimate", "fir", "decimate fir", "mem"),
        ("FK forward (vs scipy.fft)", "fk_forward", "", "fk_forward", "scipy.fft", "fk_forward", "fft"),
        ("FK fan filter (vs best peer)", "fk_filter", "", "fk_filter", ".", "fk_filter", "fft"),
        # Like for like: both compute the rfft2 half; the peer's 2-worker line, as ours runs on the 2 cores.
        ("FK forward r2c (vs scipy.fft 2 workers)", "fk_forward_r2c", "", "fk_forward", "scipy.fft", "fk_forward_r2c", "fft"),
        ("beam fd 201 slownesses", "beam_fd", "", "beam_fd", ".", "beam_fd", None),
        ("end-to-end reduce (vs dask+xarray)", "e2e_reduce", "store filters: default;", "bandpass_zerophase_dask", ".", "e2e_reduce", "mem"),
        # The same store and pipeline in the executor alone (no gRPC), over whole windows and in time chunks (what a
        # window too long for one block runs as): the Resif.Gpu.Bench run checks that both give the same values.
        ("  executor alone, whole windows", "e2e_executor_32MiB", "store filters: default;", "bandpass_zerophase_dask", ".", None, "mem"),
        ("  executor alone, 8192-sample time chunks", "e2e_executor_time_chunks", "store filters: default;", "bandpass_zerophase_dask", ".",
         None, "mem"),
    ]
    # One more e2e row per other storage choice the run wrote the array with (side-by-side --store-filters).
    for r in ours:
        stored = re.search(r"store filters: ([^;)]+)", r["impl"]) if r["op"] == "e2e_reduce" else None
        if stored and stored.group(1) != "default":
            cases.append((f"  same, store {stored.group(1)}", "e2e_reduce", stored.group(0) + ";", "bandpass_zerophase_dask", ".",
                          "e2e_reduce", "mem"))
    cases += [
        ("e2e, Python client (vs dask+xarray)", "e2e_reduce_python", "", "bandpass_zerophase_dask", ".", "e2e_reduce_python", "mem"),
        # Like for like with the peer's in-memory dask array: an unfiltered store, no zstd on the wire.
        ("  same, store none, no wire compression", "e2e_reduce_python_plain", "", "bandpass_zerophase_dask", ".",
         "e2e_reduce_python_plain", "mem"),
    ]
    # Issue 10's targets (ours on both cores against the peer line of the row), set for its 2000 x 60000 block: met
    # or missed, row by row; a smaller block (--quick) pays fixed costs the targets do not allow for, so none are shown.
    full_size = (args.channels, args.samples) == (2000, 60000)
    targets = {} if not full_size else {"bandpass zero-phase": 10, "bandpass causal": 10, "decimate q=10 iir": 10, "decimate q=10 fir": 10,
               "FK forward r2c (vs scipy.fft 2 workers)": 2, "FK fan filter (vs best peer)": 3, "beam fd 201 slownesses": 5,
               "end-to-end reduce (vs dask+xarray)": 10, "e2e, Python client (vs dask+xarray)": 10}
    # The r2c target also asks for at least FFTW's rate (its 2-worker line).
    fftw_r2c = peer_best("fk_forward", "FFTW", 2)
    print(f"\n{'op':40s} {'peer MS/s':>10s} {'ours MS/s':>10s} {'ratio':>7s} {'ours/CPU-s':>10s} {'CPU ratio':>9s} {'ceiling':>8s} {'rel RMS':>9s}  target")
    for label, op, pattern, peer_op, peer_pattern, check, ceiling_kind in cases:
        mine = [r for r in ours if r["op"] == op and pattern in r["impl"]]
        if not mine:
            continue
        r = mine[0]
        threads = 2 if op == "fk_forward_r2c" else 1
        if peer_op == "beam_fd":  # the peer's beam rate over the channels it beamformed, as ours
            p = max((round(q["beam_samples_per_s"] / 1e6, 3) for q in peer if q.get("op") == peer_op and q.get("threads") == 1), default=None)
        elif peer_op != "fk_filter":
            p = peer_best(peer_op, peer_pattern, threads) if peer_op != "bandpass_zerophase_dask" else \
                max((q["msamples_per_s"] for q in peer if q.get("op") == peer_op), default=None)
        else:
            p = max((q["msamples_per_s"] for q in peer if q.get("op") == peer_op and q.get("threads") == 1), default=None)
        ratio = f"{r['msamples_per_s'] / p:.1f}x" if p else "-"
        if ceiling_kind == "mem" and triad_gbs:
            # A streaming pass reads and writes each float32 sample once: 8 bytes per sample at triad bandwidth.
            frac = f"{r['msamples_per_s'] * 1e6 * 8 / (triad_gbs * 1e9):.0%}"
        elif ceiling_kind == "fft" and fft_gss:
            frac = f"{r['msamples_per_s'] / 1e3 / fft_gss:.0%}"
        else:
            frac = "-"
        err = f"{checks[check]:.1e}" if check in checks else "-"
        # Per CPU-second of ours against the peer's wall rate: how far ours would go with its cores to itself.
        # A multi-worker peer line: its rate per CPU-second taken as wall rate / workers (bench/peer_cpu_time.py
        # measured 252 MS/CPU-s for 499 MS/s at 2 workers on a quiet machine: both workers busy throughout).
        cpu_ratio = f"{r['msamples_per_cpu_s'] / (p / threads):.1f}x" if p else "-"
        target = ""
        if label in targets and p:
            met = r["msamples_per_s"] >= targets[label] * p
            target = f">={targets[label]}x"
            if op == "fk_forward_r2c":
                met = met and fftw_r2c is not None and r["msamples_per_s"] >= fftw_r2c
                target += ", >=FFTW"
            target += " met" if met else " MISSED"
        print(f"{label:40s} {p if p else '-':>10} {r['msamples_per_s']:10.1f} {ratio:>7s} {r['msamples_per_cpu_s']:10.1f} {cpu_ratio:>9s} {frac:>8s} {err:>9s}  {target}".rstrip())
    triad_text = f"{triad_gbs:.4g}" if triad_gbs else "-"
    fft_text = f"{fft_gss:.4g}" if fft_gss else "-"
    print(f"\nceilings: triad {triad_text} GB/s (8 B/sample streaming), FFTW r2c float32 {fft_text} GS/s; "
          f"peer = single-thread line except dask (best of its scheduler lines) and FK forward r2c (2 workers; "
          f"CPU ratio against its wall rate / 2); ours = {os.cpu_count()} threads.")
    if not full_size:
        print("targets: issue 10 sets them for the 2000 x 60000 block; none checked at this size.")
    loads = [q["other_load_at_best"] for q in peer if "other_load_at_best" in q]
    if loads:
        print(f"other processes kept {min(loads):.1f}-{max(loads):.1f} cores busy during the peer's best runs (2-core machine)")


def main():
    command, out = sys.argv[1], sys.argv[2]
    args = scipy_peer.parse_args(sys.argv[3:])
    if command == "make":
        np.save(os.path.join(out, "block.npy"), scipy_peer.make_block(args))
    else:
        report(out, args)


if __name__ == "__main__":
    main()
