#!/usr/bin/env python3
"""Runs ../shared/bench-peers/scipy_peer.py unchanged except for its clock: time.perf_counter is replaced by
time.process_time, so every best_s / samples_per_s it prints is per CPU-second of this process (all threads).
On a shared, overloaded machine wall times say more about the neighbours than about the code; CPU time does not
(for single-threaded lines it is the wall time the peer would have on a free core). Same arguments as the peer.
  bench/peer_cpu_time.py --channels 100 --samples 60000 --ops beam --threads 1
"""
import os
import sys
import time
import types

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "bench-peers"))
import scipy_peer  # noqa: E402

# Its own view of the time module: only the peer's clock changes, not this interpreter's.
clock = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
clock.perf_counter = time.process_time
scipy_peer.time = clock
# Its "other processes' load" probe divides by elapsed time over a sleep, which CPU time does not see: not measured.
scipy_peer.other_load = lambda seconds=1.0: float("nan")
sys.argv[0] = scipy_peer.__file__
scipy_peer.main()
