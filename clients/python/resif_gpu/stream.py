"""Reading one Reduce stream: header, chunks (with progress), trailer — checked as they arrive.

:class:`ReduceStream` reads a blocking ``grpc`` call, :class:`AsyncReduceStream` a ``grpc.aio`` one; both hand
every message to the same :class:`_Assembler`, which holds at most the chunks that arrived ahead of a gap.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator

import grpc
import numpy as np

from . import _wire
from ._stubs import reduction_pb2
from .errors import ResifError, data_loss
from .model import ResultHeader, ResultTrailer

ProgressCallback = Callable[[float, int], None]


def zstd_available() -> bool:
    """Whether compressed chunks can be decoded here (Debian: ``python3-zstandard``)."""
    try:
        import zstandard  # noqa: F401
    except ImportError:
        return False
    return True


class _Assembler:
    """Checks one result: the header against its shape, each chunk's place, the size and SHA-256 at the trailer."""

    def __init__(self, first, progress: ProgressCallback | None):
        first = _wire.decode(first)
        if first is None or isinstance(first, _wire.RawChunk) or first.WhichOneof("payload") != "header":
            raise data_loss("the result stream did not start with a header")
        self.header = ResultHeader.from_proto(first.header)
        self.trailer: ResultTrailer | None = None
        self._progress = progress
        self._total = self.header.nbytes
        if self.header.total_bytes != self._total:
            raise data_loss(f"header announces {self.header.total_bytes} bytes, shape {self.header.shape} of "
                            f"{self.header.dtype} is {self._total}")
        self._itemsize = self.header.dtype.itemsize
        self._decompressor = None
        if self.header.compression == reduction_pb2.COMPRESSION_ZSTD:
            if not zstd_available():
                raise data_loss("the server sent zstd chunks, but the zstandard module is missing")
            import zstandard
            self._decompressor = zstandard.ZstdDecompressor()
        # Bytes [0, _hashed) have been hashed; chunks that arrive ahead of that wait in _pending.
        self._hash = hashlib.sha256()
        self._hashed = 0
        self._pending: dict[int, bytes | memoryview] = {}

    def take(self, message) -> tuple[int, np.ndarray] | None:
        """Handles one message (its bytes, or decoded) after the header; returns ``(offset, values)`` for a chunk, else None."""
        if self.trailer is not None:
            raise data_loss("the result stream went on after its trailer")
        message = _wire.decode(message)
        if isinstance(message, _wire.RawChunk):
            return self._accept(message)
        kind = message.WhichOneof("payload")
        if kind == "chunk":
            return self._accept(message.chunk)
        if kind == "progress":
            if self._progress is not None:
                self._progress(message.progress.fraction, message.progress.bytes_sent)
        elif kind == "trailer":
            self._finish(message.trailer)
        else:
            raise data_loss(f"unexpected '{kind}' message in the result stream")
        return None

    def end(self) -> None:
        """The call ended: fine only after a verified trailer."""
        if self.trailer is None:
            raise data_loss(f"the result stream ended without a trailer after {self._hashed} of {self._total} bytes")

    def _accept(self, chunk) -> tuple[int, np.ndarray]:
        offset, data = chunk.offset, chunk.data
        if chunk.uncompressed_size < 0:
            raise data_loss(f"chunk at byte {offset} announces {chunk.uncompressed_size} bytes")
        # In a zstd stream, a chunk zstd would not shrink comes as it is (uncompressed_size 0).
        if self._decompressor is not None and chunk.uncompressed_size:
            try:
                data = self._decompressor.decompress(data, max_output_size=chunk.uncompressed_size)
            except Exception as error:  # zstandard raises its own ZstdError
                raise data_loss(f"chunk at byte {offset} is not valid zstd: {error}") from None
            if len(data) != chunk.uncompressed_size:
                raise data_loss(f"chunk at byte {offset} decompressed to {len(data)} bytes, "
                                f"announced {chunk.uncompressed_size}")
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


class ReduceStream(Iterator[tuple[int, np.ndarray]]):
    """Iterates ``(offset, chunk)`` pairs of a reduction result without holding it all in memory.

    ``offset`` is the position of ``chunk[0]`` in the flattened C-order result, counted in elements of
    ``header.dtype``; ``chunk`` is a read-only 1-D NumPy view of the received bytes (decompressed when the
    server compressed them; int16 results are the raw integers, ``value = int16 * header.scale_factor``).
    ``header`` is available as soon as the stream is created (errors such as NOT_FOUND are raised then),
    ``trailer`` once the iteration has finished. At the trailer the stream checks that every byte arrived exactly
    once and that the SHA-256 matches, and raises :class:`ResifError` (DATA_LOSS) otherwise. Use it as a context
    manager, or call :meth:`close`, to cancel the call when stopping early: the server then stops working.
    """

    def __init__(self, call: grpc.Call, progress: ProgressCallback | None = None):
        self._call = call
        try:
            self._assembler = _Assembler(self._next_message(), progress)
        except ResifError:
            self.close()
            raise
        self.header = self._assembler.header

    @property
    def trailer(self) -> ResultTrailer | None:
        return self._assembler.trailer

    def __iter__(self) -> "ReduceStream":
        return self

    def __next__(self) -> tuple[int, np.ndarray]:
        while True:
            message = self._next_message()
            if message is None:
                self._assembler.end()
                raise StopIteration
            piece = self._assembler.take(message)
            if piece is not None:
                return piece

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


class AsyncReduceStream(AsyncIterator[tuple[int, np.ndarray]]):
    """The ``grpc.aio`` counterpart of :class:`ReduceStream`: ``await stream.start()`` (or ``async with``) reads
    the header, then ``async for offset, chunk in stream``."""

    def __init__(self, call, progress: ProgressCallback | None = None):
        self._call = call
        self._progress = progress
        self._assembler: _Assembler | None = None
        self.header: ResultHeader | None = None

    @property
    def trailer(self) -> ResultTrailer | None:
        return None if self._assembler is None else self._assembler.trailer

    async def start(self) -> "AsyncReduceStream":
        if self._assembler is None:
            try:
                self._assembler = _Assembler(await self._next_message(), self._progress)
            except ResifError:
                self.close()
                raise
            self.header = self._assembler.header
        return self

    def __aiter__(self) -> "AsyncReduceStream":
        return self

    async def __anext__(self) -> tuple[int, np.ndarray]:
        assembler = self._assembler or (await self.start())._assembler
        assert assembler is not None
        while True:
            message = await self._next_message()
            if message is None:
                assembler.end()
                raise StopAsyncIteration
            piece = assembler.take(message)
            if piece is not None:
                return piece

    def close(self) -> None:
        """Cancels the call if it is still running."""
        self._call.cancel()

    async def __aenter__(self) -> "AsyncReduceStream":
        return await self.start()

    async def __aexit__(self, *exc_info) -> None:
        self.close()

    async def _next_message(self):
        try:
            message = await self._call.read()
        except grpc.RpcError as error:
            raise ResifError.from_rpc(error) from None
        return None if message is grpc.aio.EOF else message
