"""Builds ReduceRequest messages from Python values: operations, channel ranges, time windows."""

from __future__ import annotations

import datetime
import numbers
import operator
from collections.abc import Iterable, Mapping
from typing import Any, Union

import numpy as np
from google.protobuf import wrappers_pb2

from ._stubs import common_pb2, reduction_pb2

OperationSpec = Union[str, tuple[str, Mapping[str, Any]]]
ChannelSpec = Union[None, int, slice, tuple]
TimeSpec = Union[None, slice, tuple]
DistanceSpec = Union[None, slice, tuple]

OUTPUT_DTYPES = {
    None: common_pb2.DATA_TYPE_UNSPECIFIED,
    "float32": common_pb2.DATA_TYPE_FLOAT32,
    "float16": common_pb2.DATA_TYPE_FLOAT16,
    "int16": common_pb2.DATA_TYPE_INT16,
    "complex64": common_pb2.DATA_TYPE_COMPLEX64,
}
COMPRESSIONS = {None: reduction_pb2.COMPRESSION_NONE, "zstd": reduction_pb2.COMPRESSION_ZSTD}


def parse_operation(spec: str) -> tuple[str, dict[str, str]]:
    """``"bandpass:freqmin=1,freqmax=10"`` → ``("bandpass", {"freqmin": "1", "freqmax": "10"})``."""
    name, _, arguments = spec.partition(":")
    name = name.strip()
    if not name:
        raise ValueError(f"operation '{spec}' has no name")
    params: dict[str, str] = {}
    for argument in filter(None, (part.strip() for part in arguments.split(","))):
        key, equals, value = argument.partition("=")
        key = key.strip()
        if not equals or not key:
            raise ValueError(f"operation '{spec}': '{argument}' is not key=value")
        if key in params:
            raise ValueError(f"operation '{spec}': '{key}' is given twice")
        params[key] = value.strip()
    return name, params


def param_value(key: str, value: Any) -> reduction_pb2.ParamValue:
    """A typed ParamValue: bool → flag, integer → integer, real → number, str → text (parsed by the server)."""
    # bool is tested first because it is also an Integral.
    if isinstance(value, (bool, np.bool_)):
        return reduction_pb2.ParamValue(flag=bool(value))
    if isinstance(value, numbers.Integral):
        return reduction_pb2.ParamValue(integer=int(value))
    if isinstance(value, numbers.Real):
        return reduction_pb2.ParamValue(number=float(value))
    if isinstance(value, str):
        return reduction_pb2.ParamValue(text=value)
    raise TypeError(f"parameter '{key}': {type(value).__name__} is not a number, bool or str")


def operation_message(spec: OperationSpec) -> reduction_pb2.Operation:
    if isinstance(spec, str):
        name, params = parse_operation(spec)
    elif isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str) and isinstance(spec[1], Mapping):
        name, params = spec
    else:
        raise TypeError(f"an operation is 'name:key=value,...' or (name, {{params}}), not {spec!r}")
    message = reduction_pb2.Operation(name=name)
    for key, value in params.items():
        message.params[key].CopyFrom(param_value(key, value))
    return message


def channel_range(channels: ChannelSpec) -> reduction_pb2.IndexRange:
    """None (all), an index, a slice or (start, stop[, step]); stop None/0 means "to the end"."""
    if channels is None:
        return reduction_pb2.IndexRange(start=0, stop=0, step=1)
    if isinstance(channels, numbers.Integral) and not isinstance(channels, (bool, np.bool_)):
        index = operator.index(channels)
        return reduction_pb2.IndexRange(start=index, stop=index + 1, step=1)
    if isinstance(channels, slice):
        bounds = (channels.start, channels.stop, channels.step)
    elif isinstance(channels, tuple) and len(channels) in (2, 3):
        bounds = channels + (None,) * (3 - len(channels))
    else:
        raise TypeError(f"channels must be an index, a slice or (start, stop[, step]), not {channels!r}")
    start, stop, step = (None if b is None else operator.index(b) for b in bounds)
    return reduction_pb2.IndexRange(start=start or 0, stop=stop or 0, step=1 if step is None else step)


def _bounds(spec, what: str) -> tuple[Any, Any]:
    if isinstance(spec, slice):
        if spec.step is not None and what == "time":
            raise ValueError("time: a step is not supported; decimate instead")
        return spec.start, spec.stop
    if isinstance(spec, tuple) and len(spec) == 2:
        return spec
    raise TypeError(f"{what} must be (start, end) or a slice, not {spec!r}")


def _is_instant(value: Any) -> bool:
    return isinstance(value, (str, datetime.datetime, np.datetime64))


def _instant_text(value: Any) -> str:
    """An instant as ISO 8601 for the server (naive = UTC), or a number of seconds as text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value.astype("datetime64[ns]"), unit="ns")) + "Z"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return repr(float(value))


def time_selection(time: TimeSpec) -> dict:
    """Seconds after the first sample ``(2.5, 10)``, or instants (ISO 8601 strings, ``datetime``,
    ``numpy.datetime64``) ``("2024-01-01T00:00:02.5Z", None)``; the end is excluded, None = to the end."""
    if time is None:
        return {}
    start, end = _bounds(time, "time")
    if _is_instant(start) or _is_instant(end):
        return {"instants": reduction_pb2.InstantWindow(start=_instant_text(start), end=_instant_text(end))}
    return {"time": reduction_pb2.TimeWindow(start=0.0 if start is None else float(start),
                                             end=0.0 if end is None else float(end))}


def time_window(time: TimeSpec) -> reduction_pb2.TimeWindow:
    """None (all), a slice or (start, end) in seconds after the first sample; end None/0 means "to the end"."""
    selection = time_selection(time)
    if "instants" in selection:
        raise TypeError("time_window takes seconds; instants go through time_selection")
    return selection.get("time", reduction_pb2.TimeWindow())


def distance_window(distance: DistanceSpec) -> reduction_pb2.DistanceWindow | None:
    """Channels whose distance (m) lies in ``[start, end]``, both included; a slice may carry a channel step."""
    if distance is None:
        return None
    step = distance.step if isinstance(distance, slice) else None
    start, end = _bounds(distance, "distance")
    window = reduction_pb2.DistanceWindow(step=1 if step is None else operator.index(step))
    if start is not None:
        window.start.CopyFrom(wrappers_pb2.DoubleValue(value=float(start)))
    if end is not None:
        window.end.CopyFrom(wrappers_pb2.DoubleValue(value=float(end)))
    return window


def reduce_request(array: str, operations: Iterable[OperationSpec] | str, channels: ChannelSpec, time: TimeSpec,
                   max_output_bytes: int, *, distance: DistanceSpec = None, output_dtype: str | None = None,
                   int16_scale: float = 0.0, compression: str | None = None) -> reduction_pb2.ReduceRequest:
    if isinstance(operations, str):
        operations = [operations]
    if channels is not None and distance is not None:
        raise ValueError("select channels by index or by distance, not both")
    if output_dtype not in OUTPUT_DTYPES:
        raise ValueError(f"output_dtype must be one of {[k for k in OUTPUT_DTYPES if k]}, not {output_dtype!r}")
    if compression not in COMPRESSIONS:
        raise ValueError(f"compression must be 'auto', 'zstd', 'none' or None, not {compression!r}")
    selection = reduction_pb2.Selection(**time_selection(time))
    if channels is not None:
        selection.channels.CopyFrom(channel_range(channels))
    window = distance_window(distance)
    if window is not None:
        selection.distance.CopyFrom(window)
    return reduction_pb2.ReduceRequest(
        array=array, selection=selection, operations=[operation_message(spec) for spec in operations],
        max_output_bytes=max_output_bytes, output_dtype=OUTPUT_DTYPES[output_dtype], int16_scale=int16_scale,
        compression=COMPRESSIONS[compression])
