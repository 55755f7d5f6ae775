"""Every operation the server lists is reachable from the Python client and the CLI's --op, and is recorded in
the provenance with all its parameters (defaults included).

The parameters below are one valid set per operation; an operation the server lists without an entry here fails
the test, so a new operation cannot go untested.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

# 8 channels x 4 s at 1 kHz of the fixture's array; arraybeam needs one station position per channel.
CHANNELS = (0, 8)
TIME = (0, 4)
STATIONS = "x_km=0;1;2;0;1;2;0;1,y_km=0;0;0;1;1;1;2;2"
VALID_PARAMETERS = {
    "abs": "",
    "arraybeam": f"{STATIONS},win_len=1,sll_x=-1,slm_x=1,sll_y=-1,slm_y=1,sl_s=0.2,frqlow=1,frqhigh=8",
    "bandpass": "freqmin=1,freqmax=10",
    "bandstop": "freqmin=5,freqmax=20",
    "beam": "smin=-0.001,smax=0.001,ns=11,window=0.5",
    "decimate": "factor=4",
    "detrend": "type=linear",
    "envelope": "",
    "fk": "",
    "fkfilter": "va=100,vb=200,vc=5000,vd=6000",
    "highpass": "freq=5",
    "lowpass": "freq=10",
    "normalize": "",
    "resample": "rate=250",
    "rms": "window=0.5",
    "stalta": "sta=0.1,lta=1",
    "taper": "max_percentage=0.1",
}


def _spec(name: str) -> str:
    parameters = VALID_PARAMETERS[name]
    return f"{name}:{parameters}" if parameters else name


def _recorded_step(provenance: list[str], name: str) -> dict[str, str]:
    """The last provenance line, 'name:key=value,...', as a dict; it must be the operation's own step."""
    step = provenance[-1]
    recorded_name, _, parameters = step.partition(":")
    assert recorded_name == name, provenance
    return dict(item.split("=", 1) for item in parameters.split(",") if item)


def test_the_table_covers_every_listed_operation(client):
    listed = {operation.name for operation in client.operations()}
    assert listed == set(VALID_PARAMETERS), "add the new operation to VALID_PARAMETERS (or drop a removed one)"


@pytest.mark.parametrize("name", sorted(VALID_PARAMETERS))
def test_operation_runs_from_python_and_cli_with_the_same_bytes_and_provenance(
        name, client, stored_array, resif_gpu_cli, tmp_path):
    store, array = stored_array
    operation = {op.name: op for op in client.operations()}[name]
    remote = client.reduce(array.name, [_spec(name)], channels=CHANNELS, time=TIME)

    recorded = _recorded_step(list(remote.attrs["provenance"]), name)
    # Every parameter the server declares is recorded, the defaults too, so the result can be reproduced.
    assert set(recorded) == {parameter.name for parameter in operation.parameters}

    out = tmp_path / f"{name}.npy"
    resif_gpu_cli(["reduce", array.name, "--store", str(store), "--op", _spec(name),
                   "--channels", f"{CHANNELS[0]}:{CHANNELS[1]}", "--time", f"{TIME[0]}:{TIME[1]}", "--out", str(out)])
    embedded = np.load(out)
    assert embedded.shape == remote.shape and embedded.dtype == remote.dtype
    # Same code on the same machine, embedded or behind gRPC: the same bytes.
    assert embedded.tobytes() == np.asarray(remote.values).tobytes()
    cli_step = json.loads(out.with_suffix(".json").read_text())["provenance"][-1]
    assert cli_step["name"] == name and cli_step["params"] == recorded
