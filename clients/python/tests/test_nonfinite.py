"""NaN and Inf in the stored data (ingest fills gaps with NaN): the policy of src/Resif.Gpu.Core/README.md.

A non-finite sample is not refused: it spreads exactly where the same arithmetic spreads it in NumPy/SciPy/ObsPy,
so a user sees the same missing values they would see locally. Each test compares where the result is not finite
with the reference computed here by NumPy/SciPy on the same stored values.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

DT = 0.01  # 100 Hz
NAN_AT = (1, 1500)
INF_AT = (2, 2000)


@pytest.fixture(scope="module")
def nonfinite_array(stored_array, resif_gpu_cli, client, tmp_path_factory):
    """4 channels x 4000 samples of noise with one NaN (channel 1) and one +Inf (channel 2); channels 0 and 3 clean."""
    store, _ = stored_array
    values = np.random.default_rng(7).standard_normal((4, 4000)).astype(np.float32)
    values[NAN_AT] = np.nan
    values[INF_AT] = np.inf
    source = tmp_path_factory.mktemp("nonfinite") / "nonfinite.npy"
    np.save(source, values)
    resif_gpu_cli(["ingest", str(source), "--store", str(store), "--name", "nonfinite", "--dt", repr(DT), "--dx", "10"])
    return values.astype(np.float64)


def _recursive_sta_lta(x: np.ndarray, nsta: int, nlta: int) -> np.ndarray:
    """ObsPy's recursive STA/LTA: exponential averages of x**2, the first nlta values zeroed."""
    out = np.zeros_like(x)
    csta, clta = 1.0 / nsta, 1.0 / nlta
    sta = lta = 0.0
    for i, value in enumerate(x):
        sta = csta * value * value + (1 - csta) * sta
        lta = clta * value * value + (1 - clta) * lta
        out[i] = sta / lta if i >= nlta else 0.0
    return out


def _classic_sta_lta(x: np.ndarray, nsta: int, nlta: int) -> np.ndarray:
    """ObsPy's classic STA/LTA: trailing means of x**2 from running sums, zero before the first full LTA window."""
    energy = np.concatenate([[0.0], np.cumsum(x * x)])
    index = np.arange(len(x))
    sta = (energy[index + 1] - energy[np.maximum(index + 1 - nsta, 0)]) / nsta
    lta = (energy[index + 1] - energy[np.maximum(index + 1 - nlta, 0)]) / nlta
    out = sta / np.where(lta < np.finfo(float).tiny, np.finfo(float).tiny, lta)
    out[: nlta - 1] = 0
    return out


def _linear_detrend(x: np.ndarray) -> np.ndarray:
    """Least-squares line removed per trace (scipy.signal.detrend refuses NaN, so the sums are written out)."""
    t = np.arange(x.shape[-1]) - (x.shape[-1] - 1) / 2
    mean = x.mean(axis=-1, keepdims=True)
    slope = ((x - mean) * t).sum(axis=-1, keepdims=True) / (t * t).sum()
    return x - mean - slope * t


BUTTER_1_10 = signal.butter(4, [1, 10], "bandpass", fs=1 / DT, output="sos")
REFERENCES = {
    "abs": np.abs,
    "taper:max_percentage=0.05": lambda x: x * 1.0,  # a taper multiplies by finite weights
    "detrend:type=linear": lambda x: _linear_detrend(x),
    "bandpass:freqmin=1,freqmax=10": lambda x: signal.sosfilt(BUTTER_1_10, x),
    "bandpass:freqmin=1,freqmax=10,zerophase=true":
        lambda x: signal.sosfilt(BUTTER_1_10, signal.sosfilt(BUTTER_1_10, x)[..., ::-1])[..., ::-1],
    "decimate:factor=5": lambda x: signal.decimate(x, 5),
    "envelope": lambda x: np.abs(signal.hilbert(x)),
    "fk": lambda x: np.abs(np.fft.fft2(x)),
    "rms:window=1": lambda x: np.sqrt(np.mean((x * x).reshape(x.shape[0], -1, 100), axis=-1)),
    "stalta:sta=1,lta=5,type=recursive": lambda x: np.array([_recursive_sta_lta(row, 100, 500) for row in x]),
    # Deliberately not ObsPy's Trace.normalize (whose NaN peak would blank the whole trace): the peak ignores NaN.
    "normalize": lambda x: x / np.nanmax(np.abs(x), axis=-1, keepdims=True),
}


@pytest.mark.parametrize("spec", sorted(REFERENCES))
def test_non_finite_samples_spread_as_in_numpy_and_scipy(spec, client, nonfinite_array):
    with np.errstate(all="ignore"):
        expected = np.isfinite(REFERENCES[spec](nonfinite_array))
    result = np.asarray(client.reduce("nonfinite", [spec]).values)
    assert result.shape == expected.shape
    np.testing.assert_array_equal(np.isfinite(result), expected)


def test_classic_sta_lta_keeps_nan_visible(client, nonfinite_array):
    with np.errstate(all="ignore"):
        expected = np.isfinite(np.array([_classic_sta_lta(row, 100, 500) for row in nonfinite_array]))
    result = np.asarray(client.reduce("nonfinite", ["stalta:sta=1,lta=5"]).values)
    np.testing.assert_array_equal(np.isfinite(result), expected)
