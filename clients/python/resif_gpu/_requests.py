"""Builds ReduceRequest messages from Python values: operations, channel ranges, time windows."""

from __future__ import annotations

import numbers
import operator
from collections.abc import Iterable, Mapping
from typing import Any, Union

import numpy as np

from ._stubs import reduction_pb2

OperationSpec = Union[str, tuple[str, Mapping[str, Any]]]
ChannelSpec = Union[None, int, slice, tuple]
TimeSpec = Union[None, slice, tuple]


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


def time_window(time: TimeSpec) -> reduction_pb2.TimeWindow:
    """None (all), a slice or (start, end) in seconds after the first sample; end None/0 means "to the end"."""
    if time is None:
        return reduction_pb2.TimeWindow()
    if isinstance(time, slice):
        if time.step is not None:
            raise ValueError("time: a step is not supported; decimate instead")
        bounds = (time.start, time.stop)
    elif isinstance(time, tuple) and len(time) == 2:
        bounds = time
    else:
        raise TypeError(f"time must be (start, end) in seconds or a slice, not {time!r}")
    start, end = (0.0 if b is None else float(b) for b in bounds)
    return reduction_pb2.TimeWindow(start=start, end=end)


def reduce_request(array: str, operations: Iterable[OperationSpec] | str, channels: ChannelSpec, time: TimeSpec,
                   max_output_bytes: int) -> reduction_pb2.ReduceRequest:
    if isinstance(operations, str):
        operations = [operations]
    return reduction_pb2.ReduceRequest(
        array=array,
        selection=reduction_pb2.Selection(channels=channel_range(channels), time=time_window(time)),
        operations=[operation_message(spec) for spec in operations],
        max_output_bytes=max_output_bytes)
