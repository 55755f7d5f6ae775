"""Reading one Reduce stream: header, chunks (with progress), trailer — checked as they arrive."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import grpc
import numpy as np

from .errors import ResifError, data_loss
from .model import ResultHeader, ResultTrailer

ProgressCallback = Callable[[float, int], None]


class ReduceStream(Iterator[tuple[int, np.ndarray]]):
    """Iterates ``(offset, chunk)`` pairs of a reduction result without holding it all in memory.

    ``offset`` is the position of ``chunk[0]`` in the flattened C-order result, counted in elements of
    ``header.dtype``; ``chunk`` is a read-only 1-D NumPy view of the received bytes. ``header`` is available as
    soon as the stream is created (errors such as NOT_FOUND are raised then), ``trailer`` once the iteration
    has finished. At the trailer the stream checks that every byte arrived exactly once and that the SHA-256
    matches, and raises :class:`ResifError` (DATA_LOSS) otherwise. Use it as a context manager, or call
    :meth:`close`, to cancel the call when stopping early.
    """

    def __init__(self, call: grpc.Call, progress: ProgressCallback | None = None):
        self._call = call
        self._progress = progress
        first = self._next_message()
        if first is None or first.WhichOneof("payload") != "header":
            self.close()
            raise data_loss("the result stream did not start with a header")
        self.header = ResultHeader.from_proto(first.header)
        self.trailer: ResultTrailer | None = None
        self._total = self.header.nbytes
        if self.header.total_bytes != self._total:
            self.close()
            raise data_loss(f"header announces {self.header.total_bytes} bytes, shape {self.header.shape} of "
                            f"{self.header.dtype} is {self._total}")
        self._itemsize = self.header.dtype.itemsize
        # Bytes [0, _hashed) have been hashed; chunks that arrive ahead of that wait in _pending.
        self._hash = hashlib.sha256()
        self._hashed = 0
        self._pending: dict[int, bytes] = {}

    def __iter__(self) -> "ReduceStream":
        return self

    def __next__(self) -> tuple[int, np.ndarray]:
        while True:
            message = self._next_message()
            if message is None:
                if self.trailer is None:
                    raise data_loss(f"the result stream ended without a trailer after {self._hashed} of "
                                    f"{self._total} bytes")
                raise StopIteration
            if self.trailer is not None:
                raise data_loss("the result stream went on after its trailer")
            kind = message.WhichOneof("payload")
            if kind == "chunk":
                return self._accept(message.chunk.offset, message.chunk.data)
            if kind == "progress":
                if self._progress is not None:
                    self._progress(message.progress.fraction, message.progress.bytes_sent)
            elif kind == "trailer":
                self._finish(message.trailer)
            else:
                raise data_loss(f"unexpected '{kind}' message in the result stream")

    def close(self) -> None:
        """Cancels the call if it is still running."""
        self._call.cancel()

    def __enter__(self) -> "ReduceStream":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _next_message(self):
        try:
            return next(self._call)
        except StopIteration:
            return None
        except grpc.RpcError as error:
            raise ResifError.from_rpc(error) from None

    def _accept(self, offset: int, data: bytes) -> tuple[int, np.ndarray]:
        end = offset + len(data)
        if offset < 0 or end > self._total:
            raise data_loss(f"chunk [{offset}, {end}) lies outside the {self._total}-byte result")
        if offset % self._itemsize or len(data) % self._itemsize:
            raise data_loss(f"chunk [{offset}, {end}) is not aligned to {self._itemsize}-byte elements")
        if offset < self._hashed or offset in self._pending:
            raise data_loss(f"chunk at byte {offset} overlaps data already received")
        self._pending[offset] = data
        while self._hashed in self._pending:
            ready = self._pending.pop(self._hashed)
            self._hash.update(ready)
            self._hashed += len(ready)
        return offset // self._itemsize, np.frombuffer(data, dtype=self.header.dtype)

    def _finish(self, message) -> None:
        trailer = ResultTrailer(total_bytes=message.total_bytes, input_bytes=message.input_bytes,
                                elapsed_seconds=message.elapsed_seconds, sha256=message.sha256)
        if trailer.total_bytes != self._total:
            raise data_loss(f"trailer reports {trailer.total_bytes} bytes, header announced {self._total}")
        if self._hashed != self._total or self._pending:
            raise data_loss(f"received {self._hashed} contiguous bytes of {self._total} "
                            f"({len(self._pending)} chunk(s) after a gap)")
        if self._hash.hexdigest() != trailer.sha256.lower():
            raise data_loss(f"SHA-256 mismatch: received {self._hash.hexdigest()}, server sent {trailer.sha256}")
        self.trailer = trailer
