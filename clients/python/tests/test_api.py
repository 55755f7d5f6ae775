"""Production features of the client against the real server of conftest.py: output types, Estimate and the
budget, selections by distance and instant, the fluent query, bounded-memory streaming, asyncio, progress bar."""

import asyncio
import io
import tracemalloc

import grpc
import numpy as np
import pytest

import resif_gpu
from resif_gpu import ResifError
from resif_gpu._stubs import reduction_pb2
from resif_gpu.stream import zstd_available


def test_float16_output_is_numpys_rounding(client, stored_array):
    _, array = stored_array
    result = client.reduce(array.name, channels=(0, 8), output_dtype="float16")
    assert result.dtype == np.float16
    # IEEE round-to-nearest-even on both sides: equal bit for bit.
    np.testing.assert_array_equal(result.values, array.values[:8].astype(np.float16))


def test_int16_output_is_decoded_within_half_a_step(client, stored_array):
    _, array = stored_array
    result = client.reduce(array.name, channels=(0, 8), output_dtype="int16")
    expected = array.values[:8]
    scale = result.attrs["scale_factor"]
    assert scale == pytest.approx(np.abs(expected).max() / 32767, rel=1e-12)
    assert result.dtype == np.float32
    # Half a quantisation step, plus float32 rounding of the decoded product.
    assert np.abs(result.values - expected).max() <= scale / 2 + np.abs(expected).max() * 1e-7


def test_complex64_fk_spectrum(client, stored_array):
    _, array = stored_array
    result = client.reduce(array.name, [("fk", {"output": "complex"})], output_dtype="complex64")
    assert result.dtype == np.complex64
    amplitude = client.reduce(array.name, ["fk"])
    # The amplitude spectrum is |F| of the same spectrum (float32 arithmetic on both paths).
    np.testing.assert_allclose(np.abs(result.values), amplitude.values, rtol=1e-5, atol=1e-5 * amplitude.values.max())


def test_zstd_by_default_and_plain_give_identical_arrays(client, stored_array):
    _, array = stored_array
    # run-tests.sh installs python3-zstandard; without it this test cannot tell the two paths apart.
    assert zstd_available(), "the zstandard module is missing (Debian: python3-zstandard)"
    ops = ["bandpass:freqmin=2,freqmax=40", "decimate:factor=2"]
    with client.reduce_iter(array.name, ops) as stream:
        assert stream.header.compression == reduction_pb2.COMPRESSION_ZSTD
        zstd_values = np.concatenate([chunk for _, chunk in stream])
    with client.reduce_iter(array.name, ops, compression=None) as stream:
        assert stream.header.compression == reduction_pb2.COMPRESSION_NONE
        plain_values = np.concatenate([chunk for _, chunk in stream])
    assert zstd_values.size == np.prod(stream.header.shape)
    np.testing.assert_array_equal(zstd_values, plain_values)
    # The fluent path and float16 go through the same decompression.
    forced = client.reduce(array.name, ops, output_dtype="float16", compression="zstd")
    plain = client.reduce(array.name, ops, output_dtype="float16", compression="none")
    np.testing.assert_array_equal(forced.values, plain.values)


def test_without_zstandard_auto_asks_for_plain_chunks_and_zstd_is_refused(client, stored_array, monkeypatch):
    _, array = stored_array
    monkeypatch.setattr(resif_gpu.client, "zstd_available", lambda: False)
    with client.reduce_iter(array.name, channels=(0, 4)) as stream:
        assert stream.header.compression == reduction_pb2.COMPRESSION_NONE
        flat = np.concatenate([chunk for _, chunk in stream])
    np.testing.assert_array_equal(flat.reshape(4, -1), array.values[:4])
    with pytest.raises(ValueError, match="zstandard"):
        client.reduce(array.name, channels=(0, 4), compression="zstd")
    with pytest.raises(ValueError, match="compression must be"):
        client.reduce(array.name, channels=(0, 4), compression="lz4")


def test_estimate_matches_the_reduction_and_reads_nothing(client, stored_array):
    _, array = stored_array
    ops = ["decimate:factor=4"]
    estimate = client.estimate(array.name, ops, channels=(0, 10), output_dtype="float16")
    assert estimate.within_budget
    assert estimate.header.shape == (10, 2000)
    assert estimate.nbytes == 10 * 2000 * 2
    result = client.reduce(array.name, ops, channels=(0, 10), output_dtype="float16")
    assert result.shape == estimate.header.shape

    tight = client.estimate(array.name, max_output_bytes=1000)
    assert not tight.within_budget and tight.budget_bytes == 1000
    with pytest.raises(ResifError) as refused:
        client.reduce(array.name, max_output_bytes=1000)
    assert refused.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_selection_by_distance_and_by_instant(client, stored_array):
    _, array = stored_array
    # dx = 4 m: [10, 30] m holds channels 3..7 (12 to 28 m).
    by_distance = client.reduce(array.name, distance=(10, 30), time=(0.5, 1.5))
    np.testing.assert_array_equal(by_distance.values, array.values[3:8, 500:1500])
    every_other = client.reduce(array.name, distance=slice(10, 30, 2), time=(0, 0.01))
    np.testing.assert_array_equal(every_other["channel"].values, [12.0, 20.0, 28.0])

    origin = np.datetime64("2024-03-01T12:00:00", "ns")
    by_instant = client.reduce(array.name, channels=(0, 2),
                               time=(origin + np.timedelta64(500, "ms"), "2024-03-01T12:00:01.5Z"))
    np.testing.assert_array_equal(by_instant.values, array.values[:2, 500:1500])
    assert by_instant["time_utc"].values[0] == origin + np.timedelta64(500, "ms")

    with pytest.raises(ResifError) as caught:
        client.reduce(array.name, distance=(1e6, 2e6))
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.message.startswith("selection.distance: ")


def test_fluent_query_by_distance_and_instant_equals_reduce(client, stored_array):
    _, array = stored_array
    query = (client.array(array.name).sel(distance=(40, 100), time=("2024-03-01T12:00:01Z", None))
             .bandpass(1, 10).decimate(5))
    fluent = query.get()
    explicit = client.reduce(array.name, [("bandpass", {"freqmin": 1.0, "freqmax": 10.0}), ("decimate", {"factor": 5})],
                             channels=(10, 26), time=(1.0, None))
    assert fluent.values.tobytes() == explicit.values.tobytes()
    assert query.estimate().header.shape == fluent.shape


def test_reduce_iter_streams_a_large_result_in_bounded_memory(client, stored_array):
    _, array = stored_array
    # Up-sampling 1 kHz → 20 kHz makes a 64 x 160 000 float32 result: 41 MB, while one chunk is ~1 MB.
    total = 0
    tracemalloc.start()
    try:
        with client.reduce_iter(array.name, ["resample:rate=20000"]) as stream:
            for _, chunk in stream:
                total += chunk.nbytes
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 64 * 160_000 * 4 == stream.trailer.total_bytes
    assert peak < 8 * 2**20, f"peak {peak} bytes while streaming {total}"


def test_async_client_gives_the_same_results(server_url, stored_array):
    _, array = stored_array

    async def run():
        async with resif_gpu.AsyncClient(server_url, timeout=120, xarray=False) as client:
            names = [info.name for info in await client.list()]
            whole = await client.reduce(array.name, ["decimate:factor=2"], channels=(0, 6))
            estimate = await client.estimate(array.name, ["decimate:factor=2"], channels=(0, 6))
            pieces = []
            async with client.reduce_iter(array.name, channels=(0, 6)) as stream:
                async for offset, chunk in stream:
                    pieces.append((offset, chunk.copy()))
            with pytest.raises(ResifError) as missing:
                await client.info("no-such-array")
            return names, whole, estimate, pieces, stream, missing.value

    names, whole, estimate, pieces, stream, missing = asyncio.run(run())
    assert array.name in names
    assert whole.values.shape == estimate.header.shape == (6, 4000)
    assert stream.trailer is not None
    flat = np.concatenate([chunk for _, chunk in sorted(pieces, key=lambda piece: piece[0])])
    np.testing.assert_array_equal(flat.reshape(6, -1), array.values[:6])
    assert missing.code == grpc.StatusCode.NOT_FOUND


def test_progress_bar_reaches_100_percent(client, stored_array):
    _, array = stored_array
    out = io.StringIO()
    bar = resif_gpu.ProgressBar(out)
    client.reduce(array.name, ["decimate:factor=2"], progress=bar)
    assert "100.0%" in bar.last_line and "done" in bar.last_line
    assert out.getvalue().endswith("\n")


def test_invalid_requests_name_the_field_in_the_message_and_the_details(client, stored_array):
    _, array = stored_array
    with pytest.raises(ResifError) as caught:
        client.reduce(array.name, ["bandpass:freqmin=1,freqmax=1e6"])
    error = caught.value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(error.field_violations) == 1
    field, description = error.field_violations[0]
    assert field == "operations[0].freqmax"
    assert error.message == f"{field}: {description}"
