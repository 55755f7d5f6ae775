"""A real Resif.Gpu server for the tests that need one.

The CLI is ``$RESIF_GPU_CLI`` (a command line, e.g. ``dotnet /path/resif-gpu.dll``) or the repository's
``./resif-gpu`` launcher. A synthetic DAS array is ingested through ``resif-gpu ingest`` into a temporary
store, then ``resif-gpu serve --store DIR --port 0`` is started and its URL read from its stdout. When the
CLI cannot be found or the server does not start, the tests that use it fail with the reason: they are not
skipped, because a client suite that silently tests nothing is worse than a red one.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import resif_gpu

REPO_ROOT = Path(__file__).resolve().parents[3]
# Generous: the first CLI call (ingest) may make the launcher build the CLI on a busy 2-core machine.
CLI_TIMEOUT_S = float(os.environ.get("RESIF_GPU_CLI_TIMEOUT", "600"))
# By the time the server starts, the CLI is built: it only has to open the store and bind a port.
START_TIMEOUT_S = 120.0
# The server announces itself with a line such as "resif-gpu serving DIR at http://127.0.0.1:PORT on cpu ...".
URL_IN_LINE = re.compile(r"\b(https?://[^\s,;]+)")


@dataclass(frozen=True)
class StoredArray:
    """The array the fixture ingested, as the test wrote it."""

    name: str
    values: np.ndarray  # float32 [channel, time]
    dt: float
    dx: float
    origin: str  # ISO 8601 instant of the first sample


def cli_command() -> list[str]:
    configured = os.environ.get("RESIF_GPU_CLI")
    if configured:
        return shlex.split(configured)
    launcher = REPO_ROOT / "resif-gpu"
    if launcher.is_file() and os.access(launcher, os.X_OK):
        return [str(launcher)]
    pytest.fail(f"no resif-gpu CLI: set RESIF_GPU_CLI (e.g. 'dotnet path/to/resif-gpu.dll') or build the "
                f"repository so that {launcher} exists", pytrace=False)


def run_cli(arguments: list[str]) -> str:
    command = cli_command() + arguments
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=CLI_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.fail(f"{shlex.join(command)} could not run: {error}", pytrace=False)
    if done.returncode != 0:
        pytest.fail(f"{shlex.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return done.stdout


def synthetic_das(channels: int, samples: int, dt: float) -> np.ndarray:
    """Noise plus tones below, inside and above a 1-10 Hz band, each channel a little delayed (a moving wave)."""
    rng = np.random.default_rng(20240601)
    t = np.arange(samples) * dt
    delay = np.arange(channels)[:, None] * 0.002
    tones = (np.sin(2 * np.pi * 4.0 * (t - delay)) + 0.5 * np.sin(2 * np.pi * 0.3 * (t - delay))
             + 0.3 * np.sin(2 * np.pi * 60.0 * (t - delay)))
    return (tones + 0.2 * rng.standard_normal((channels, samples))).astype(np.float32)


@pytest.fixture(scope="session")
def stored_array(tmp_path_factory) -> tuple[Path, StoredArray]:
    work = tmp_path_factory.mktemp("resif-gpu")
    # 64 x 8000 float32 = 2 MB, so a raw read spans several ~1 MB chunks.
    array = StoredArray(name="t", values=synthetic_das(64, 8000, 0.001), dt=0.001, dx=4.0,
                        origin="2024-03-01T12:00:00Z")
    source = work / "t.npy"
    np.save(source, array.values)
    store = work / "store"
    run_cli(["ingest", str(source), "--store", str(store), "--name", array.name, "--dt", repr(array.dt),
             "--dx", repr(array.dx), "--t0", array.origin])
    return store, array


@pytest.fixture(scope="session")
def server_url(stored_array, tmp_path_factory):
    store, _ = stored_array
    log_path = tmp_path_factory.mktemp("server-log") / "stderr.txt"
    command = cli_command() + ["serve", "--store", str(store), "--port", "0"]
    with open(log_path, "w") as log:
        try:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log, text=True)
        except OSError as error:
            pytest.fail(f"{shlex.join(command)} could not start: {error}", pytrace=False)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True).start()
    try:
        yield _wait_for_url(process, lines, log_path, command)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _pump(stream, lines: queue.Queue) -> None:
    """Reads the server's stdout to the end (so a chatty server never blocks on a full pipe)."""
    for line in stream:
        lines.put(line)
    lines.put(None)


def _wait_for_url(process: subprocess.Popen, lines: queue.Queue, log_path: Path, command: list[str]) -> str:
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            line = None
        if line is None:
            process.kill()
            pytest.fail(f"{shlex.join(command)} printed no URL (exit code {process.poll()}); stdout:\n"
                        f"{''.join(seen)}\nstderr:\n{log_path.read_text()}", pytrace=False)
        match = URL_IN_LINE.search(line)
        if match:
            return match.group(1)
        seen.append(line)  # e.g. build output from a launcher that compiles first


@pytest.fixture(scope="session")
def resif_gpu_cli():
    """Runs a resif-gpu command to completion and returns its stdout (fails the test on a non-zero exit)."""
    return run_cli


@pytest.fixture(scope="session")
def client(server_url):
    with resif_gpu.Client(server_url, timeout=120) as connected:
        yield connected
