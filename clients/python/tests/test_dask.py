"""resif_gpu.dask against a real server: blocks are per-channel-range reductions that concatenate to one reduction."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

import resif_gpu

dask_reduce = pytest.importorskip("resif_gpu.dask", reason="python3-dask is not installed")

PIPELINE = ["detrend", "bandpass:freqmin=1,freqmax=10", "decimate:factor=4"]


def whole(server_url, channels=None):
    with resif_gpu.Client(server_url, timeout=120, xarray=False) as client:
        return client.reduce("t", PIPELINE, channels, (0.5, 7.5)).values


def test_blocks_split_over_sites_equal_a_single_reduction(server_url):
    # Three "sites" that are the same server: the split and the merge are what is tested.
    lazy = dask_reduce.reduce([server_url] * 3, "t", PIPELINE, time=(0.5, 7.5))
    expected = whole(server_url)
    assert lazy.chunks == ((21, 21, 22), (expected.shape[1],))
    # Same bytes: each block runs the same per-channel code as the single request.
    np.testing.assert_array_equal(lazy.compute(), expected)


def test_strided_channels_and_explicit_shards(server_url):
    shards = [(server_url, 0, 10), (server_url, 10, 40), (server_url, 40, 64)]
    lazy = dask_reduce.reduce(server_url, "t", PIPELINE, channels=(3, 61, 5), time=(0.5, 7.5), shards=shards)
    assert lazy.chunks[0] == (2, 6, 4)  # channels 3,8 | 13..38 | 43..58
    np.testing.assert_array_equal(lazy.compute(), whole(server_url, (3, 61, 5)))


def test_nothing_is_reduced_before_compute(server_url):
    # Blocks point at a port nothing listens on: building the graph must not touch them, computing must fail.
    lazy = dask_reduce.reduce(server_url, "t", PIPELINE, time=(0.5, 7.5), shards=[("http://127.0.0.1:9", 0, 64)], timeout=5)
    assert lazy.shape[0] == 64
    with pytest.raises(resif_gpu.ResifError):
        lazy.compute()


def test_a_gateway_shard_map_becomes_the_blocks():
    info = SimpleNamespace(shape=(70, 100), metadata={"cluster.shards": "0:0-23@a,b 1:23-46@b,c 2:46-70@c,a"})
    assert dask_reduce._blocks(info, ["http://gw"]) == [("http://gw", 0, 23), ("http://gw", 23, 46), ("http://gw", 46, 70)]
