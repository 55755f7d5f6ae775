"""Plain Python views of the server's messages: arrays, coordinates, operations, devices, result header."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from ._stubs import common_pb2
from .errors import data_loss

# Wire element types (always little-endian) as NumPy dtypes.
_DTYPES = {
    common_pb2.DATA_TYPE_FLOAT32: np.dtype("<f4"),
    common_pb2.DATA_TYPE_FLOAT64: np.dtype("<f8"),
    common_pb2.DATA_TYPE_INT16: np.dtype("<i2"),
    common_pb2.DATA_TYPE_INT32: np.dtype("<i4"),
    common_pb2.DATA_TYPE_COMPLEX64: np.dtype("<c8"),  # interleaved float32 (re, im) is NumPy's complex64 layout
    common_pb2.DATA_TYPE_FLOAT16: np.dtype("<f2"),
}

# Seconds per unit of a time coordinate whose offsets are turned into instants.
_SECONDS_PER_UNIT = {"s": 1.0, "": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}

_ISO_INSTANT = re.compile(
    r"^(?P<main>\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?)?)(?:\.(?P<fraction>\d+))?"
    r"(?P<zone>Z|[+-]\d\d(?::?\d\d)?)?$")


def dtype_of(wire_type: int) -> np.dtype:
    try:
        return _DTYPES[wire_type]
    except KeyError:
        raise ValueError(f"unsupported wire data type {common_pb2.DataType.Name(wire_type)}") from None


def parse_instant(text: str) -> np.datetime64:
    """An ISO 8601 instant as a naive-UTC ``datetime64[ns]``, keeping sub-microsecond digits that datetime drops."""
    match = _ISO_INSTANT.match(text.strip())
    if match is None:
        raise ValueError(f"'{text}' is not an ISO 8601 instant")
    instant = datetime.fromisoformat(match["main"].replace(" ", "T"))
    zone = match["zone"]
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        instant -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    nanoseconds = int((match["fraction"] or "0")[:9].ljust(9, "0"))
    return np.datetime64(instant, "ns") + np.timedelta64(nanoseconds, "ns")


@dataclass(frozen=True)
class Coordinate:
    """Coordinate of one dimension: regular (``start + i * step``) unless ``explicit`` values are given.

    ``origin`` (ISO 8601) is the instant that ``0`` refers to on time-like dimensions; ``labels`` name the
    positions (e.g. station codes) when the server has them.
    """

    dim: str
    units: str
    length: int
    start: float
    step: float
    explicit: tuple[float, ...] = ()
    origin: str = ""
    labels: tuple[str, ...] = ()

    @classmethod
    def from_proto(cls, message) -> "Coordinate":
        return cls(dim=message.dim, units=message.units, length=message.length, start=message.start,
                   step=message.step, explicit=tuple(message.values), origin=message.origin,
                   labels=tuple(message.labels))

    @property
    def is_regular(self) -> bool:
        return not self.explicit

    @property
    def values(self) -> np.ndarray:
        """The coordinate values as float64."""
        if self.explicit:
            return np.asarray(self.explicit, dtype=np.float64)
        return self.start + np.arange(self.length, dtype=np.float64) * self.step

    @property
    def instants(self) -> np.ndarray | None:
        """``origin + values`` as UTC ``datetime64[ns]``, or None when there is no origin or the units are not time."""
        if not self.origin or self.units not in _SECONDS_PER_UNIT:
            return None
        offsets = np.round(self.values * (_SECONDS_PER_UNIT[self.units] * 1e9)).astype("timedelta64[ns]")
        return parse_instant(self.origin) + offsets


def _coordinates(messages) -> dict[str, Coordinate]:
    return {message.dim: Coordinate.from_proto(message) for message in messages}


@dataclass(frozen=True)
class ArrayInfo:
    """A stored array as the catalog describes it."""

    name: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: np.dtype
    coords: dict[str, Coordinate]
    units: str
    metadata: dict[str, str]
    size_bytes: int

    @classmethod
    def from_proto(cls, message) -> "ArrayInfo":
        return cls(name=message.name, dims=tuple(message.dims), shape=tuple(message.shape),
                   dtype=dtype_of(message.dtype), coords=_coordinates(message.coords), units=message.units,
                   metadata=dict(message.metadata), size_bytes=message.size_bytes)


@dataclass(frozen=True)
class ParameterInfo:
    name: str
    kind: str  # "number", "integer", "flag", "choice"
    default: str | None  # None = required
    choices: tuple[str, ...]
    description: str

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class OperationInfo:
    name: str
    description: str
    parameters: tuple[ParameterInfo, ...]

    @classmethod
    def from_proto(cls, message) -> "OperationInfo":
        parameters = tuple(
            ParameterInfo(name=p.name, kind=p.kind, default=p.default_value or None, choices=tuple(p.choices),
                          description=p.description)
            for p in message.parameters)
        return cls(name=message.name, description=message.description, parameters=parameters)


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    name: str
    kind: str
    usable: bool
    reason: str
    memory_bytes: int


@dataclass(frozen=True)
class Devices:
    """The compute devices the server found and the ``active`` one's id."""

    devices: tuple[DeviceInfo, ...]
    active: str

    @classmethod
    def from_proto(cls, message) -> "Devices":
        devices = tuple(DeviceInfo(id=d.id, name=d.name, kind=d.kind, usable=d.usable, reason=d.reason,
                                   memory_bytes=d.memory_bytes) for d in message.devices)
        return cls(devices=devices, active=message.active)


@dataclass(frozen=True)
class ProvenanceStep:
    """One operation as the server ran it, every parameter (defaults included) as text."""

    name: str
    params: dict[str, str]

    def __str__(self) -> str:
        """The step in the CLI syntax, ``name:key=value,...`` (keys sorted: a protobuf map has no order)."""
        if not self.params:
            return self.name
        return self.name + ":" + ",".join(f"{key}={self.params[key]}" for key in sorted(self.params))


@dataclass(frozen=True)
class ResultHeader:
    """What the server will send: layout of the result tensor, how it was produced, and by what."""

    array: str
    dims: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: np.dtype
    coords: dict[str, Coordinate]
    units: str
    provenance: tuple[ProvenanceStep, ...]
    backend: str
    device: str
    total_bytes: int
    channels: tuple[int, int, int]  # resolved (start, stop, step) into the source array
    time_window: tuple[float, float]  # resolved (start, end) in seconds
    server_version: str
    scale_factor: float = 0.0  # int16 results: value = int16 * scale_factor
    compression: int = 0  # reduction_pb2.COMPRESSION_NONE or COMPRESSION_ZSTD
    input_bytes: int = 0  # bytes the pipeline reads from the store

    @classmethod
    def from_proto(cls, message) -> "ResultHeader":
        selection = message.resolved_selection
        return cls(
            array=message.array, dims=tuple(message.dims), shape=tuple(message.shape),
            dtype=dtype_of(message.dtype), coords=_coordinates(message.coords), units=message.units,
            provenance=tuple(ProvenanceStep(step.name, dict(step.params)) for step in message.provenance),
            backend=message.backend, device=message.device, total_bytes=message.total_bytes,
            channels=(selection.channels.start, selection.channels.stop, selection.channels.step),
            time_window=(selection.time.start, selection.time.end), server_version=message.server_version,
            scale_factor=message.scale_factor, compression=message.compression, input_bytes=message.input_bytes)

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize


@dataclass(frozen=True)
class Estimate:
    """What a reduction would return, planned by the server without reading data."""

    header: ResultHeader
    budget_bytes: int  # the budget that applies; 0 = unlimited
    within_budget: bool

    @property
    def nbytes(self) -> int:
        return self.header.total_bytes

    @classmethod
    def from_proto(cls, message) -> "Estimate":
        return cls(ResultHeader.from_proto(message.header), message.budget_bytes, message.within_budget)


@dataclass(frozen=True)
class ResultTrailer:
    total_bytes: int
    input_bytes: int
    elapsed_seconds: float
    sha256: str


@dataclass
class ReducedArray:
    """A reduction result without xarray: ``values`` (NumPy), ``dims``, ``coords`` and ``attrs``.

    ``coords`` maps a name to ``(dim, values, attrs)``, the form ``xarray.DataArray`` accepts, so
    :meth:`to_xarray` is a plain conversion.
    """

    values: np.ndarray
    dims: tuple[str, ...]
    coords: dict[str, tuple] = field(default_factory=dict)
    attrs: dict = field(default_factory=dict)
    name: str = ""

    @classmethod
    def from_result(cls, values: np.ndarray, header: ResultHeader, trailer: ResultTrailer) -> "ReducedArray":
        """Names the axes and coordinates as the header says; time axes with an origin also get ``<dim>_utc``."""
        coords: dict[str, tuple] = {}
        for dim, coordinate in header.coords.items():
            if dim not in header.dims:
                raise data_loss(f"header has a coordinate for '{dim}', which is not one of its dims {header.dims}")
            axis_values = coordinate.values
            if len(axis_values) != header.shape[header.dims.index(dim)]:
                raise data_loss(f"coordinate '{dim}' has {len(axis_values)} values for an axis of "
                                f"{header.shape[header.dims.index(dim)]}")
            coords[dim] = (dim, axis_values, {"units": coordinate.units} if coordinate.units else {})
            instants = coordinate.instants
            if instants is not None:
                coords[f"{dim}_utc"] = (dim, instants, {"origin": coordinate.origin})
            if coordinate.labels:
                coords[f"{dim}_label"] = (dim, np.asarray(coordinate.labels), {})
        attrs = {
            "units": header.units,
            # One "name:key=value,..." line per step (the selection first, then each operation).
            "provenance": [str(step) for step in header.provenance],
            "backend": header.backend,
            "device": header.device,
            "server_version": header.server_version,
            "sha256": trailer.sha256,
        }
        if header.scale_factor:
            attrs["scale_factor"] = header.scale_factor
        return cls(values=values, dims=header.dims, coords=coords, attrs=attrs, name=header.array)

    def to_xarray(self):
        import xarray

        return xarray.DataArray(self.values, dims=self.dims, coords=self.coords, attrs=self.attrs,
                                name=self.name or None)
