"""Pushing data into the server's store through the client-streaming Ingest RPC (needs the ``ingest`` right)."""

from __future__ import annotations

import datetime as _datetime
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import grpc
import numpy as np

from . import _stubs  # noqa: F401  (generates the stubs when the protos changed)
from ._generated import common_pb2, ingest_pb2, ingest_pb2_grpc
from .errors import ResifError

# The server accepts messages of up to 4 MB; ~1 MB chunks keep memory low on both sides.
DEFAULT_CHUNK_BYTES = 1 << 20

_WIRE_TYPES = {np.dtype(np.float32): common_pb2.DATA_TYPE_FLOAT32, np.dtype(np.int16): common_pb2.DATA_TYPE_INT16,
               np.dtype(np.int32): common_pb2.DATA_TYPE_INT32}


@dataclass(frozen=True)
class IngestResult:
    """What the server committed: ``samples_committed`` samples of every channel (NaN gaps included) from
    index ``first_sample`` of the array's time axis, in ``fragments_committed`` fragments."""

    name: str
    created: bool
    first_sample: int
    samples_committed: int
    fragments_committed: int
    gap_samples: int
    array_samples: int

    @classmethod
    def from_proto(cls, message) -> "IngestResult":
        return cls(message.name, message.created, message.first_sample, message.samples_committed,
                   message.fragments_committed, message.gap_samples, message.array_samples)


def _instant(value) -> str:
    """ISO 8601 text of a string, ``datetime`` (naive = UTC) or ``numpy.datetime64``."""
    if value is None or isinstance(value, str):
        return value or ""
    if isinstance(value, np.datetime64):
        return np.datetime_as_string(value.astype("datetime64[us]"), unit="us") + "Z"
    if isinstance(value, _datetime.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=_datetime.timezone.utc)).isoformat()
    raise TypeError(f"t0 must be an ISO 8601 string, a datetime or a numpy.datetime64, not {type(value).__name__}")


def _blocks(data) -> Iterator[np.ndarray]:
    """One 2-D array is one block; anything else is iterated as blocks."""
    if isinstance(data, np.ndarray):
        yield data
    else:
        yield from data


def _wire(block: np.ndarray) -> np.ndarray:
    """float32, int16 and int32 go as they are (little-endian); other floats become float32."""
    block = np.asarray(block)
    if block.ndim != 2:
        raise ValueError(f"blocks must be 2-D [channels, samples], got shape {block.shape}")
    if block.dtype.kind == "f" and block.dtype != np.float32:
        block = block.astype(np.float32)
    if block.dtype.newbyteorder("=") not in _WIRE_TYPES:
        raise ValueError(f"blocks must be float32, int16 or int32, got {block.dtype}")
    return block.astype(block.dtype.newbyteorder("<"), copy=False)


def _messages(name: str, blocks: Iterator[np.ndarray], header_fields: dict, chunk_bytes: int):
    block = next(blocks, None)
    if block is None:
        raise ValueError("no data to ingest")
    block = _wire(block)
    channels, dtype = block.shape[0], block.dtype
    yield ingest_pb2.IngestRequest(header=ingest_pb2.IngestHeader(
        name=name, channels=channels, dtype=_WIRE_TYPES[dtype.newbyteorder("=")], **header_fields))
    while block is not None:
        if block.shape[0] != channels or block.dtype != dtype:
            raise ValueError(f"every block must be [{channels}, samples] {dtype}, got {block.shape} {block.dtype}")
        step = max(1, chunk_bytes // (channels * dtype.itemsize))
        for start in range(0, block.shape[1], step):
            part = np.ascontiguousarray(block[:, start:start + step])
            yield ingest_pb2.IngestRequest(chunk=ingest_pb2.IngestChunk(channels=channels, data=part.tobytes()))
        following = next(blocks, None)
        block = None if following is None else _wire(following)


def ingest(channel: grpc.Channel, name: str, data: np.ndarray | Iterable[np.ndarray], *, dt: float | None = None,
           t0=None, x0: float = 0.0, dx: float | None = None, units: str | None = None,
           distance_units: str | None = None, metadata: Mapping[str, str] | None = None, scale: float | None = None,
           chunk_bytes: int = DEFAULT_CHUNK_BYTES, timeout: float | None = None) -> IngestResult:
    """Pushes ``data`` (a 2-D ``[channels, samples]`` array, or an iterable of such blocks consecutive in time)
    into array ``name``. If the array does not exist it is created with sample interval ``dt`` (s, required),
    start ``t0``, channel positions ``x0 + i*dx`` (m), ``units`` and string ``metadata``; otherwise the data is
    appended after its end (``dt``, when given, must agree). float32, int16 and int32 blocks are sent as they are
    (other floats as float32); integers are stored as ``value * scale``. The server commits whole blocks of a
    few MB as they fill and the rest when the data ends; if the call fails, what was committed stays.
    """
    header_fields = {"time_step": dt or 0.0, "time_origin": _instant(t0), "distance_start": x0,
                     "distance_step": dx or 0.0, "units": units or "", "distance_units": distance_units or "",
                     "metadata": dict(metadata or {}), "scale": scale or 0.0}
    stub = ingest_pb2_grpc.IngestStub(channel)
    failures: list[BaseException] = []

    def requests():
        # gRPC cancels the call when the request iterator raises and reports only "Exception iterating requests":
        # keep the real error (a bad block, the caller's own generator failing) to raise it instead.
        try:
            yield from _messages(name, _blocks(data), header_fields, chunk_bytes)
        except BaseException as error:
            failures.append(error)
            raise

    try:
        response = stub.Ingest(requests(), timeout=timeout)
    except grpc.RpcError as error:
        if failures:
            raise failures[0] from None
        raise ResifError.from_rpc(error) from None
    return IngestResult.from_proto(response)
