"""The client against a real resif-gpu server (started by conftest.py) holding a synthetic array."""

import grpc
import numpy as np
import pytest
import xarray
from scipy import signal

import resif_gpu
from resif_gpu import ReducedArray, ResifError

# The server filters float32 samples with float64 coefficients and state; the reference runs entirely in
# float64 on the same float32 input, so the difference is float32 rounding accumulated through the recursions
# (measured ~2.5e-8). 1e-4 relative RMS leaves a wide margin, while a real mistake fails: dropping the
# anti-alias filter gives ~1e-2 here, SciPy's padded sosfiltfilt instead of ObsPy's zero-phase ~7e-2.
RELATIVE_RMS_TOLERANCE = 1e-4


def relative_rms(ours, reference):
    ours, reference = np.asarray(ours, np.float64), np.asarray(reference, np.float64)
    return np.sqrt(np.sum((ours - reference) ** 2) / np.sum(reference ** 2))


def butterworth_sos(corners, frequencies, btype, fs):
    """The design ObsPy's filters use: iirfilter(..., ftype='butter', output='sos') on Nyquist-normalised edges."""
    return signal.iirfilter(corners, np.asarray(frequencies) / (0.5 * fs), btype=btype, ftype="butter", output="sos")


def test_list_shows_the_ingested_array(client, stored_array):
    _, array = stored_array
    listed = {info.name: info for info in client.list()}
    assert array.name in listed
    assert listed[array.name].shape == array.values.shape


def test_info_describes_dims_shape_and_coordinates(client, stored_array):
    _, array = stored_array
    info = client.info(array.name)
    assert info.dims == ("channel", "time")
    assert info.shape == array.values.shape
    assert info.dtype == np.float32
    assert info.size_bytes == array.values.nbytes
    np.testing.assert_allclose(info.coords["channel"].values, np.arange(64) * array.dx)
    assert info.coords["time"].step == pytest.approx(array.dt)
    assert info.coords["time"].instants[0] == resif_gpu.model.parse_instant(array.origin)


def test_reduce_without_operations_returns_the_stored_samples(client, stored_array):
    _, array = stored_array
    result = client.reduce(array.name)
    np.testing.assert_array_equal(result.values, array.values)


def test_selection_picks_channels_and_time_window(client, stored_array):
    _, array = stored_array
    result = client.reduce(array.name, channels=(2, 40, 3), time=(0.5, 5.5))
    # Samples at or after 0.5 s and before 5.5 s: indices 500..5499.
    np.testing.assert_array_equal(result.values, array.values[2:40:3, 500:5500])
    np.testing.assert_allclose(result["channel"].values, np.arange(2, 40, 3) * array.dx)
    np.testing.assert_allclose(result["time"].values, np.arange(500, 5500) * array.dt, rtol=0, atol=1e-9)


def test_bandpass_then_decimate_matches_scipy(client, stored_array):
    _, array = stored_array
    fs = 1 / array.dt
    result = client.reduce(array.name, ["bandpass:freqmin=1,freqmax=10", "decimate:factor=5"], channels=(0, 16))
    x = array.values[:16].astype(np.float64)
    filtered = signal.sosfilt(butterworth_sos(4, [1, 10], "bandpass", fs), x, axis=-1)
    # The server's decimate default is scipy.signal.decimate's (Chebyshev I anti-alias filter, zero phase).
    reference = signal.decimate(filtered, 5, axis=-1)
    assert result.shape == reference.shape
    assert relative_rms(result.values, reference) < RELATIVE_RMS_TOLERANCE
    assert result["time"].values[1] - result["time"].values[0] == pytest.approx(5 * array.dt)


def test_zero_phase_bandpass_matches_obspy_convention(client, stored_array):
    _, array = stored_array
    fs = 1 / array.dt
    result = client.reduce(array.name, [("bandpass", {"freqmin": 2.0, "freqmax": 20.0, "corners": 2, "zerophase": True})],
                           channels=(10, 14))
    sos = butterworth_sos(2, [2, 20], "bandpass", fs)
    x = array.values[10:14].astype(np.float64)
    # ObsPy's zerophase: filter, reverse, filter, reverse; zero initial state, no padding.
    reference = signal.sosfilt(sos, signal.sosfilt(sos, x, axis=-1)[:, ::-1], axis=-1)[:, ::-1]
    assert relative_rms(result.values, reference) < RELATIVE_RMS_TOLERANCE


def test_typed_parameters_equal_text_parameters(client, stored_array):
    _, array = stored_array
    as_text = client.reduce(array.name, ["lowpass:freq=15,corners=3"], channels=(0, 4))
    typed = client.reduce(array.name, [("lowpass", {"freq": 15.0, "corners": 3})], channels=(0, 4))
    np.testing.assert_array_equal(as_text.values, typed.values)
    assert as_text.attrs["provenance"] == typed.attrs["provenance"]
    assert as_text.attrs["provenance"][-1].startswith("lowpass:")


def test_xarray_result_has_distance_time_instants_and_provenance(client, stored_array):
    _, array = stored_array
    result = client.reduce(array.name, ["decimate:factor=4"], channels=(8, 12), time=(1.0, 2.0))
    assert isinstance(result, xarray.DataArray)
    assert result.dims == ("channel", "time")
    assert result["channel"].attrs["units"] == "m"
    np.testing.assert_allclose(result["channel"].values, np.arange(8, 12) * array.dx)
    assert result["time_utc"].dtype == np.dtype("datetime64[ns]")
    origin = resif_gpu.model.parse_instant(array.origin)
    assert result["time_utc"].values[0] == origin + np.timedelta64(1, "s")
    assert result["time_utc"].values[1] - result["time_utc"].values[0] == np.timedelta64(4, "ms")
    assert result.attrs["provenance"][-1].startswith("decimate:")
    assert "factor=4" in result.attrs["provenance"][-1]
    assert result.attrs["backend"] and result.attrs["sha256"]


def test_reduced_array_when_xarray_is_not_wanted(server_url, stored_array):
    _, array = stored_array
    with resif_gpu.Client(server_url, timeout=60, xarray=False) as plain:
        result = plain.reduce(array.name, channels=(0, 2), time=(0, 0.01))
    assert isinstance(result, ReducedArray)
    assert result.values.dtype == np.float32
    assert result.dims == ("channel", "time")
    np.testing.assert_array_equal(result.values, array.values[0:2, 0:10])
    assert result.coords["time"][0] == "time"


def test_unknown_array_is_not_found(client):
    with pytest.raises(ResifError) as caught:
        client.reduce("no-such-array", ["decimate:factor=2"])
    assert caught.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(ResifError) as caught:
        client.info("no-such-array")
    assert caught.value.code == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("ops, field", [
    (["bandpass:freqmin=1,freqmax=abc"], "operations[0].freqmax"),
    (["decimate:factor=2", ("bandpass", {"freqmin": 1.0, "freqmax": 600.0})], "operations[1].freqmax"),
    (["lowpass:freq=5,colour=blue"], "operations[0].colour"),
])
def test_bad_parameter_is_invalid_argument_naming_the_field(client, stored_array, ops, field):
    _, array = stored_array
    with pytest.raises(ResifError) as caught:
        client.reduce(array.name, ops)
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert field in caught.value.message


def test_bad_selection_names_the_field(client, stored_array):
    _, array = stored_array
    with pytest.raises(ResifError) as caught:
        client.reduce(array.name, channels=(70, 80))
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "selection.channels" in caught.value.message


def test_output_budget_is_enforced(client, stored_array):
    _, array = stored_array
    with pytest.raises(ResifError) as caught:
        client.reduce(array.name, max_output_bytes=1024)
    assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_fluent_query_equals_the_explicit_call(client, stored_array):
    _, array = stored_array
    fluent = client.array(array.name).sel(time=(0, 4), channels=(0, 20)).bandpass(1, 10).decimate(5).get()
    explicit = client.reduce(array.name, ["bandpass:freqmin=1,freqmax=10,corners=4,zerophase=false",
                                          "decimate:factor=5"], channels=(0, 20), time=(0, 4))
    np.testing.assert_array_equal(fluent.values, explicit.values)
    assert fluent.attrs["provenance"] == explicit.attrs["provenance"]


def test_fluent_methods_come_from_the_server_operation_list(client, stored_array):
    _, array = stored_array
    query = client.array(array.name).sel(channels=(0, 3), time=(0, 1))
    for operation in client.operations():
        assert callable(getattr(query, operation.name.replace("-", "_")))
    with pytest.raises(AttributeError):
        query.no_such_operation
    # The dynamic form maps positional arguments to the server's parameter order.
    dynamic = resif_gpu.ArrayQuery.__getattr__(query, "lowpass")(12.0).get()
    explicit = query.lowpass(12.0).get()
    np.testing.assert_array_equal(dynamic.values, explicit.values)


def test_reduce_iter_chunks_reassemble_to_the_same_array(client, stored_array):
    _, array = stored_array
    pieces = {}
    with client.reduce_iter(array.name) as stream:
        assert stream.header.shape == array.values.shape
        for offset, chunk in stream:
            pieces[offset] = chunk.copy()
    assert len(pieces) >= 2, "a 2 MB result comes in several ~1 MB chunks"
    assert stream.trailer.total_bytes == array.values.nbytes
    flat = np.concatenate([pieces[offset] for offset in sorted(pieces)])
    np.testing.assert_array_equal(flat.reshape(array.values.shape), client.reduce(array.name).values)


def test_progress_reaches_the_end(client, stored_array):
    _, array = stored_array
    fractions = []
    client.reduce(array.name, ["decimate:factor=2"], progress=lambda fraction, sent: fractions.append(fraction))
    assert fractions and fractions[-1] == pytest.approx(1.0)
    assert fractions == sorted(fractions)


def test_operations_and_devices_are_listed(client):
    operations = {operation.name: operation for operation in client.operations()}
    assert {"bandpass", "lowpass", "highpass", "decimate"} <= set(operations)
    bandpass = {parameter.name: parameter for parameter in operations["bandpass"].parameters}
    assert bandpass["freqmin"].required and bandpass["freqmax"].required
    assert bandpass["corners"].default == "4"
    devices = client.devices()
    # The server describes the active backend in its own words ("cpu-vector: ..."), not necessarily as an id.
    assert devices.active
    assert any(device.usable for device in devices.devices)


def test_closing_a_stream_early_leaves_the_server_serving(client, stored_array):
    _, array = stored_array
    with client.reduce_iter(array.name) as stream:
        offset, chunk = next(stream)
        assert offset == 0 and chunk.size > 0
    assert stream.trailer is None
    np.testing.assert_array_equal(client.reduce(array.name, channels=(0, 1)).values, array.values[:1])


def test_cli_embedded_reduce_gives_the_same_bytes(client, stored_array, resif_gpu_cli, tmp_path):
    store, array = stored_array
    out = tmp_path / "cli.npy"
    resif_gpu_cli(["reduce", array.name, "--store", str(store), "--op", "highpass:freq=5,zerophase=true",
                   "--op", "decimate:factor=4", "--channels", "3:30:2", "--time", "0.25:6", "--out", str(out)])
    remote = client.reduce(array.name, ["highpass:freq=5,zerophase=true", "decimate:factor=4"],
                           channels=(3, 30, 2), time=(0.25, 6))
    embedded = np.load(out)
    assert embedded.dtype == remote.dtype
    assert embedded.tobytes() == remote.values.tobytes()
