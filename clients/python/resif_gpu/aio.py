"""The asyncio variant of :class:`resif_gpu.Client`, on ``grpc.aio``::

    async with resif_gpu.AsyncClient(url) as client:
        da = await client.reduce("das1", ["bandpass:freqmin=1,freqmax=10"])
        async with client.reduce_iter("das1") as stream:
            async for offset, chunk in stream:
                ...
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
import grpc.aio
import numpy as np

from . import _wire
from ._requests import ChannelSpec, DistanceSpec, OperationSpec, TimeSpec
from ._stubs import catalog_pb2, catalog_pb2_grpc, reduction_pb2_grpc
from .client import _channel_for, _xarray_available, build_request, decoded, progress_callback
from .errors import ResifError
from .model import ArrayInfo, Estimate, ReducedArray
from .stream import AsyncReduceStream


class AsyncClient:
    """Same arguments and results as :class:`resif_gpu.Client`, as coroutines; use it inside a running loop."""

    def __init__(self, url: str, timeout: float | None = None, *, xarray: bool | None = None):
        self.url = url
        self.timeout = timeout
        self._as_xarray = _xarray_available() if xarray is None else xarray
        self._channel = _channel_for(url, grpc.aio)
        self._catalog = catalog_pb2_grpc.CatalogStub(self._channel)
        self._reduction = reduction_pb2_grpc.ReductionStub(self._channel)
        self._reduce = _wire.reduce_method(self._channel)

    async def list(self) -> list[ArrayInfo]:
        response = await self._unary(self._catalog.ListArrays, catalog_pb2.ListArraysRequest())
        return [ArrayInfo.from_proto(message) for message in response.arrays]

    async def info(self, name: str) -> ArrayInfo:
        return ArrayInfo.from_proto(await self._unary(self._catalog.DescribeArray, catalog_pb2.DescribeArrayRequest(name=name)))

    async def estimate(self, name: str, ops: Iterable[OperationSpec] | str = (), channels: ChannelSpec = None,
                       time: TimeSpec = None, *, distance: DistanceSpec = None, max_output_bytes: int = 0,
                       output_dtype: str | None = None, compression: str | None = "auto") -> Estimate:
        request = build_request(name, ops, channels, time, distance, max_output_bytes, output_dtype, 0.0, compression)
        return Estimate.from_proto(await self._unary(self._reduction.Estimate, request))

    def reduce_iter(self, name: str, ops: Iterable[OperationSpec] | str = (), channels: ChannelSpec = None,
                    time: TimeSpec = None, *, distance: DistanceSpec = None, max_output_bytes: int = 0,
                    output_dtype: str | None = None, int16_scale: float = 0.0, compression: str | None = "auto",
                    progress=None) -> AsyncReduceStream:
        """The chunks as they arrive (``async with`` reads the header; leaving it cancels the call)."""
        request = build_request(name, ops, channels, time, distance, max_output_bytes, output_dtype, int16_scale,
                                compression)
        return AsyncReduceStream(self._reduce(request, timeout=self.timeout), progress_callback(progress))

    async def reduce(self, name: str, ops: Iterable[OperationSpec] | str = (), channels: ChannelSpec = None,
                     time: TimeSpec = None, **options):
        """See :meth:`resif_gpu.Client.reduce`."""
        async with self.reduce_iter(name, ops, channels, time, **options) as stream:
            assert stream.header is not None
            values = np.empty(stream.header.shape, dtype=stream.header.dtype)
            flat = values.reshape(-1)
            async for offset, chunk in stream:
                flat[offset:offset + chunk.size] = chunk
        assert stream.header is not None and stream.trailer is not None
        result = ReducedArray.from_result(decoded(values, stream.header), stream.header, stream.trailer)
        return result.to_xarray() if self._as_xarray else result

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def _unary(self, method, request):
        try:
            return await method(request, timeout=self.timeout)
        except grpc.RpcError as error:
            raise ResifError.from_rpc(error) from None
