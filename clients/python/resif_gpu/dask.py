"""Lazily evaluated reductions for Dask/Pangeo users: one dask block per shard, requested from the server holding it.

    import resif_gpu.dask
    lazy = resif_gpu.dask.reduce("http://gateway:50051", "das1", ["bandpass:freqmin=1,freqmax=10", "decimate:factor=5"])
    lazy.mean(axis=1).compute()          # the shards are reduced on the servers, only now

Blocks are channel ranges. They come from, in order of preference: ``shards=[(url, start, stop), ...]``; the
``cluster.shards`` metadata a cluster gateway publishes (each block then asks the gateway, which routes it to the
silo holding the shard); or an even split of the channels over the given servers (several sites each holding the
array). Only pipelines that keep channels apart can be split like this (the servers refuse the others).

Building the graph makes one small request (the pipeline on a single channel) to learn the result's time length
and dtype; every block is computed only when dask asks for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dask
import dask.array as da
import numpy as np

from ._requests import OperationSpec, TimeSpec
from .client import Client

SHARDS_KEY = "cluster.shards"


def reduce(servers: str | Sequence[str], name: str, ops: Iterable[OperationSpec] | str = (),
           channels: tuple | None = None, time: TimeSpec = None, *,
           shards: Sequence[tuple[str, int, int]] | None = None, timeout: float | None = None) -> da.Array:
    """A dask array [channel, ...] of ``ops`` applied to ``channels`` (``(start, stop[, step])``) and ``time``.

    ``servers``: one URL or a list of URLs (see the module documentation for how blocks are cut).
    """
    urls = [servers] if isinstance(servers, str) else list(servers)
    if not urls and not shards:
        raise ValueError("give at least one server URL or explicit shards")
    ops = [ops] if isinstance(ops, str) else list(ops)
    with Client(urls[0] if urls else shards[0][0], timeout=timeout, xarray=False) as client:
        info = client.info(name)
        start, stop, step = _channel_range(channels, info.shape[0])
        blocks = list(shards) if shards is not None else _blocks(info, urls)
        # One channel through the pipeline tells the shape of a row and the dtype without reducing everything.
        probe = client.reduce(name, ops, (start, start + 1), time)
    row_shape = probe.values.shape[1:]
    pieces = []
    for url, block_start, block_stop in blocks:
        first, last = _selected_in(start, stop, step, block_start, block_stop)
        if first is None:
            continue
        rows = (last - first) // step + 1
        task = dask.delayed(_reduce_block, pure=True)(url, name, ops, (first, last + 1, step), time, timeout)
        pieces.append(da.from_delayed(task, shape=(rows, *row_shape), dtype=probe.values.dtype))
    if not pieces:
        raise ValueError(f"channels {start}:{stop}:{step} fall in none of the shards")
    return da.concatenate(pieces, axis=0)


def _reduce_block(url: str, name: str, ops: list, channels: tuple[int, int, int], time: TimeSpec,
                  timeout: float | None) -> np.ndarray:
    # A client per block: blocks run on whichever dask worker, possibly in another process or host.
    with Client(url, timeout=timeout, xarray=False) as client:
        return client.reduce(name, ops, channels, time).values


def _channel_range(channels: tuple | None, count: int) -> tuple[int, int, int]:
    if channels is None:
        return 0, count, 1
    values = tuple(channels)
    start, stop, step = values + (1,) if len(values) == 2 else values
    stop = count if stop in (None, 0) else stop
    if not (0 <= start < stop <= count) or step < 1:
        raise ValueError(f"channels {channels} is not a range inside [0, {count}) with step >= 1")
    return int(start), int(stop), int(step)


def _blocks(info, urls: list[str]) -> list[tuple[str, int, int]]:
    """The gateway's shard map when it publishes one, else an even split of the channels over the servers."""
    published = info.metadata.get(SHARDS_KEY)
    if published:
        blocks = []
        for entry in published.split():
            channel_range = entry.split(":", 1)[1].split("@", 1)[0]
            first, stop = (int(v) for v in channel_range.split("-"))
            blocks.append((urls[0], first, stop))
        return blocks
    count = info.shape[0]
    return [(url, k * count // len(urls), (k + 1) * count // len(urls)) for k, url in enumerate(urls)]


def _selected_in(start: int, stop: int, step: int, block_start: int, block_stop: int) -> tuple[int | None, int]:
    """First and last selected channel inside [block_start, block_stop), or (None, 0) when there is none."""
    first = start + max(0, -(-(block_start - start) // step)) * step
    last_index = (min(stop, block_stop) - 1 - start) // step
    last = start + last_index * step
    if first >= min(stop, block_stop) or last < first:
        return None, 0
    return first, last
