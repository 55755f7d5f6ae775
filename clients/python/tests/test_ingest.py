"""client.ingest against a real server (started by conftest.py): data pushed, then read back through reduce."""

import grpc
import numpy as np
import pytest

from resif_gpu import IngestResult, ResifError


def stored_values(client, name):
    """The whole array through the ordinary Reduce RPC (no operation), as a NumPy array."""
    return np.asarray(client.reduce(name))


def test_a_pushed_array_reads_back_exactly_with_its_coordinates(client):
    values = np.random.default_rng(1).standard_normal((64, 20000)).astype(np.float32)

    result = client.ingest("py-pushed", values, dt=0.004, t0="2026-11-25T12:00:00Z", x0=10.0, dx=2.0,
                           units="strain_rate", metadata={"interrogator": "pytest"})

    assert isinstance(result, IngestResult)
    assert (result.created, result.first_sample, result.samples_committed) == (True, 0, 20000)
    # 64 channels: the server's 4 MiB block is 16384 samples, so one whole block and the rest at the end.
    assert result.fragments_committed == 2
    info = client.info("py-pushed")
    assert info.shape == (64, 20000)
    assert info.metadata["interrogator"] == "pytest"
    assert info.units == "strain_rate"
    np.testing.assert_array_equal(stored_values(client, "py-pushed"), values)


def test_integer_blocks_from_an_iterator_are_scaled_and_appends_continue(client):
    rng = np.random.default_rng(2)
    blocks = [rng.integers(-30000, 30000, size=(5, n), dtype=np.int16) for n in (700, 1, 3000)]

    created = client.ingest("py-counts", iter(blocks[:2]), dt=0.001, scale=0.25)
    appended = client.ingest("py-counts", iter(blocks[2:]), scale=0.25)

    assert (created.samples_committed, appended.first_sample, appended.array_samples) == (701, 701, 3701)
    # int16 x 0.25 is exact in float32.
    expected = np.concatenate(blocks, axis=1).astype(np.float32) * np.float32(0.25)
    np.testing.assert_array_equal(stored_values(client, "py-counts"), expected)


def test_a_block_with_another_channel_count_is_refused_before_it_is_sent(client):
    blocks = [np.zeros((4, 10), np.float32), np.zeros((3, 10), np.float32)]
    with pytest.raises(ValueError, match=r"\[4, samples\]"):
        client.ingest("py-mismatch", iter(blocks), dt=1.0)


def test_appending_with_another_channel_count_names_the_field(client):
    client.ingest("py-fixed", np.ones((4, 10), np.float32), dt=1.0)
    with pytest.raises(ResifError) as refused:
        client.ingest("py-fixed", np.ones((3, 10), np.float32))
    assert refused.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.value.field_violations[0][0] == "header.channels"
    assert client.info("py-fixed").shape == (4, 10)
