"""The gRPC client: catalog, operations, devices and reductions."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
import numpy as np

from . import _requests, _wire
from . import ingest as _ingest
from ._requests import ChannelSpec, DistanceSpec, OperationSpec, TimeSpec
from ._stubs import catalog_pb2, catalog_pb2_grpc, devices_pb2, devices_pb2_grpc, reduction_pb2, reduction_pb2_grpc
from .errors import ResifError
from .model import ArrayInfo, Devices, Estimate, OperationInfo, ReducedArray, ResultHeader
from .progress import ProgressBar
from .query import ArrayQuery
from .stream import ProgressCallback, ReduceStream, zstd_available

# Chunks are ~1 MB; the default 4 MB limit would still fit, this leaves room for large headers (explicit coords).
_MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def _channel_for(url: str, grpc_module=grpc):
    """``http://host:port`` or ``host:port`` → plaintext; ``https://host:port`` → TLS with the system roots.
    ``grpc_module`` is ``grpc`` or ``grpc.aio`` (same channel factories)."""
    options = [("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES)]
    scheme, separator, rest = url.partition("://")
    if not separator:
        scheme, rest = "http", url
    target = rest.rstrip("/")
    if not target:
        raise ValueError(f"no host:port in server url '{url}'")
    if scheme == "https":
        return grpc_module.secure_channel(target, grpc.ssl_channel_credentials(), options=options)
    if scheme in ("http", "grpc"):
        return grpc_module.insecure_channel(target, options=options)
    raise ValueError(f"unsupported scheme '{scheme}' in server url '{url}' (use http, https or host:port)")


def build_request(name: str, ops, channels, time, distance, max_output_bytes: int, output_dtype, int16_scale: float,
                  compression) -> reduction_pb2.ReduceRequest:
    """The ReduceRequest of :meth:`Client.reduce`'s arguments, with ``compression`` resolved (see
    :func:`wire_compression`)."""
    return _requests.reduce_request(name, ops, channels, time, max_output_bytes, distance=distance,
                                    output_dtype=output_dtype, int16_scale=int16_scale,
                                    compression=wire_compression(compression))


def wire_compression(compression: str | None) -> str | None:
    """``"auto"`` (the default) → zstd when the ``zstandard`` module can decode it here, else none;
    ``"zstd"`` → zstd, or ``ValueError`` without the module; ``None`` or ``"none"`` → uncompressed chunks."""
    if compression == "auto":
        return "zstd" if zstd_available() else None
    if compression == "zstd" and not zstd_available():
        raise ValueError("compression='zstd' needs the zstandard module (Debian: python3-zstandard); "
                         "use compression='auto' to fall back to none")
    return None if compression == "none" else compression


def progress_callback(progress) -> ProgressCallback | None:
    """``True`` → a :class:`ProgressBar` on stderr; a callable is used as is; None/False → nothing."""
    if progress is True:
        return ProgressBar()
    return progress or None


def decoded(values: np.ndarray, header: ResultHeader) -> np.ndarray:
    """int16 results as float32 values (``int16 * scale_factor``); other types as they came."""
    if values.dtype == np.int16:
        return (values * np.float32(header.scale_factor)).astype(np.float32)
    return values


def _xarray_available() -> bool:
    try:
        import xarray  # noqa: F401
    except ImportError:
        return False
    return True


class Client:
    """Talks to a Resif.Gpu server.

    ``timeout`` (seconds, None = no deadline) applies to every call, a whole Reduce stream included.
    ``xarray`` chooses what :meth:`reduce` returns: ``xarray.DataArray`` (True), :class:`ReducedArray`
    (False), or the former when xarray can be imported (None, the default).
    Server and transport failures are raised as :class:`ResifError`.
    """

    def __init__(self, url: str, timeout: float | None = None, *, xarray: bool | None = None):
        self.url = url
        self.timeout = timeout
        self._as_xarray = _xarray_available() if xarray is None else xarray
        self._channel = _channel_for(url)
        self._catalog = catalog_pb2_grpc.CatalogStub(self._channel)
        self._reduction = reduction_pb2_grpc.ReductionStub(self._channel)
        self._reduce = _wire.reduce_method(self._channel)
        self._devices = devices_pb2_grpc.DevicesStub(self._channel)
        self._operation_table: dict[str, OperationInfo] | None = None

    def list(self) -> list[ArrayInfo]:
        """Every array the server holds."""
        response = self._unary(self._catalog.ListArrays, catalog_pb2.ListArraysRequest())
        return [ArrayInfo.from_proto(message) for message in response.arrays]

    def info(self, name: str) -> ArrayInfo:
        """Dims, shape, dtype, coordinates, units and metadata of one array (NOT_FOUND if unknown)."""
        return ArrayInfo.from_proto(self._unary(self._catalog.DescribeArray, catalog_pb2.DescribeArrayRequest(name=name)))

    def operations(self) -> list[OperationInfo]:
        """The operations the server knows, with their parameters in order and their defaults."""
        response = self._unary(self._reduction.ListOperations, reduction_pb2.ListOperationsRequest())
        operations = [OperationInfo.from_proto(message) for message in response.operations]
        self._operation_table = {operation.name: operation for operation in operations}
        return operations

    def operation(self, name: str) -> OperationInfo | None:
        """One operation's description (listed once per client, then cached), or None if the server lacks it."""
        if self._operation_table is None:
            self.operations()
        assert self._operation_table is not None
        return self._operation_table.get(name)

    def devices(self) -> Devices:
        """The compute devices the server found and which one it uses."""
        return Devices.from_proto(self._unary(self._devices.ListDevices, devices_pb2.ListDevicesRequest()))

    def estimate(self, name: str, ops: Iterable[OperationSpec] | str = (), channels: ChannelSpec = None,
                 time: TimeSpec = None, *, distance: DistanceSpec = None, max_output_bytes: int = 0,
                 output_dtype: str | None = None, compression: str | None = "auto") -> Estimate:
        """Plans a reduction without reading data: result shape, coordinates, dtype, bytes and the budget."""
        request = build_request(name, ops, channels, time, distance, max_output_bytes, output_dtype, 0.0, compression)
        return Estimate.from_proto(self._unary(self._reduction.Estimate, request))

    def reduce_iter(self, name: str, ops: Iterable[OperationSpec] | str = (), channels: ChannelSpec = None,
                    time: TimeSpec = None, *, distance: DistanceSpec = None, max_output_bytes: int = 0,
                    output_dtype: str | None = None, int16_scale: float = 0.0, compression: str | None = "auto",
                    progress=None) -> ReduceStream:
        """Starts a reduction and returns the :class:`ReduceStream` of its chunks (see :meth:`reduce`): memory
        stays at about one chunk (~1 MB) whatever the size of the result."""
        request = build_request(name, ops, channels, time, distance, max_output_bytes, output_dtype, int16_scale,
                                compression)
        return ReduceStream(self._reduce(request, timeout=self.timeout), progress_callback(progress))

    def reduce(self, name: str, ops: Iterable[OperationSpec] | str = (), channels: ChannelSpec = None,
               time: TimeSpec = None, *, distance: DistanceSpec = None, max_output_bytes: int = 0,
               output_dtype: str | None = None, int16_scale: float = 0.0, compression: str | None = "auto",
               progress=None):
        """Runs ``ops`` on a selection of array ``name`` on the server and returns the reduced tensor.

        ``ops``: strings in the CLI syntax ``"bandpass:freqmin=1,freqmax=10"`` or ``(name, {params})`` tuples.
        ``channels``: None (all), an index, a slice or ``(start, stop[, step])``.
        ``distance``: instead of ``channels``, ``(start, end)`` in metres (both included) or a slice with a step.
        ``time``: None (all) or ``(start, end)``, seconds after the array's first sample or instants (ISO 8601
        strings, ``datetime``, ``numpy.datetime64``); the end is excluded.
        ``max_output_bytes``: the server refuses (RESOURCE_EXHAUSTED) a larger result; 0 = server default.
        ``output_dtype``: None (float32, complex64 for complex results), ``"float16"``, ``"int16"`` (returned
        as float32 ``int16 * scale_factor``; ``int16_scale`` 0 lets the server choose) or ``"complex64"``.
        ``compression``: ``"auto"`` (default) has the server zstd-compress chunks when the ``zstandard`` module
        is installed here (Debian: ``python3-zstandard``) and asks for none otherwise; ``"zstd"`` insists
        (``ValueError`` without the module); ``None``/``"none"`` turns compression off. Values are identical;
        under zstd the server compresses only the chunks zstd shrinks by a tenth, the others come as they are.
        ``progress``: ``True`` for a progress bar on stderr, or ``callback(fraction, bytes_sent)``.
        """
        with self.reduce_iter(name, ops, channels, time, distance=distance, max_output_bytes=max_output_bytes,
                              output_dtype=output_dtype, int16_scale=int16_scale, compression=compression,
                              progress=progress) as stream:
            values = np.empty(stream.header.shape, dtype=stream.header.dtype)
            flat = values.reshape(-1)
            for offset, chunk in stream:
                flat[offset:offset + chunk.size] = chunk
        assert stream.trailer is not None  # the stream raises unless it ended on a verified trailer
        result = ReducedArray.from_result(decoded(values, stream.header), stream.header, stream.trailer)
        return result.to_xarray() if self._as_xarray else result

    def ingest(self, name: str, data, **options) -> _ingest.IngestResult:
        """Pushes a ``[channels, samples]`` array (or an iterable of such blocks) into array ``name``, creating it
        (``dt=`` required, ``t0=``, ``x0=``, ``dx=``, ``units=``, ``metadata=``) or appending to it: see
        :func:`resif_gpu.ingest.ingest` for every option."""
        return _ingest.ingest(self._channel, name, data, timeout=self.timeout, **options)

    def array(self, name: str) -> ArrayQuery:
        """A fluent query on one array: ``client.array("a").sel(time=(0, 10)).bandpass(1, 10).get()``."""
        return ArrayQuery(self, name)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _unary(self, method, request):
        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as error:
            raise ResifError.from_rpc(error) from None
