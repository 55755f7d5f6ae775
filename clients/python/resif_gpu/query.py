"""Fluent queries: ``client.array("name").sel(time=(0, 10), channels=(0, 100)).bandpass(1, 10).decimate(5).get()``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._requests import ChannelSpec, DistanceSpec, TimeSpec

if TYPE_CHECKING:
    from .client import Client
    from .stream import ReduceStream


class ArrayQuery:
    """An immutable description of one reduction; every method returns a new query.

    Besides the explicit filters below, every operation the server lists is available as a method whose
    positional arguments follow the server's parameter order, e.g. ``.sta_lta(0.5, 5)``; names with ``-``
    on the server are reached with ``_``.
    """

    def __init__(self, client: "Client", name: str, channels: ChannelSpec = None, time: TimeSpec = None,
                 operations: tuple[tuple[str, dict[str, Any]], ...] = (), distance: DistanceSpec = None):
        self._client = client
        self.name = name
        self.channels = channels
        self.distance = distance
        self.time = time
        self.operations = operations

    def sel(self, *, channels: ChannelSpec = None, time: TimeSpec = None, distance: DistanceSpec = None) -> "ArrayQuery":
        """Narrows the selection: ``channels`` by index or ``distance`` in metres (``(start, end)``, both
        included), ``time`` in seconds or as instants (ISO 8601, datetime64); an argument left out keeps the
        current value."""
        if channels is not None and distance is not None:
            raise ValueError("select channels by index or by distance, not both")
        keep_channels = channels is None and distance is None
        return ArrayQuery(self._client, self.name, self.channels if keep_channels else channels,
                          self.time if time is None else time, self.operations,
                          self.distance if keep_channels else distance)

    def apply(self, operation: str, **params: Any) -> "ArrayQuery":
        """Appends any operation by name."""
        return ArrayQuery(self._client, self.name, self.channels, self.time,
                          self.operations + ((operation, params),), self.distance)

    def bandpass(self, freqmin: float, freqmax: float, corners: int = 4, zerophase: bool = False) -> "ArrayQuery":
        """Butterworth bandpass as ObsPy's ``bandpass`` (frequencies in Hz)."""
        return self.apply("bandpass", freqmin=float(freqmin), freqmax=float(freqmax), corners=int(corners),
                          zerophase=bool(zerophase))

    def lowpass(self, freq: float, corners: int = 4, zerophase: bool = False) -> "ArrayQuery":
        return self.apply("lowpass", freq=float(freq), corners=int(corners), zerophase=bool(zerophase))

    def highpass(self, freq: float, corners: int = 4, zerophase: bool = False) -> "ArrayQuery":
        return self.apply("highpass", freq=float(freq), corners=int(corners), zerophase=bool(zerophase))

    def decimate(self, factor: int) -> "ArrayQuery":
        return self.apply("decimate", factor=int(factor))

    def get(self, **options: Any):
        """Runs the query (see ``Client.reduce`` for ``options`` and the return type)."""
        return self._client.reduce(self.name, self.operations, self.channels, self.time, distance=self.distance,
                                   **options)

    def estimate(self, **options: Any):
        """What :meth:`get` would return (shape, dtype, bytes), planned by the server without reading data."""
        return self._client.estimate(self.name, self.operations, self.channels, self.time, distance=self.distance,
                                     **options)

    def iter(self, **options: Any) -> "ReduceStream":
        """Runs the query as a stream of chunks (see ``Client.reduce_iter``)."""
        return self._client.reduce_iter(self.name, self.operations, self.channels, self.time,
                                        distance=self.distance, **options)

    def __getattr__(self, attribute: str):
        if attribute.startswith("_"):
            raise AttributeError(attribute)
        description = self._client.operation(attribute) or self._client.operation(attribute.replace("_", "-"))
        if description is None:
            raise AttributeError(f"the server has no operation '{attribute}'")
        order = [parameter.name for parameter in description.parameters]

        def add_operation(*args: Any, **kwargs: Any) -> "ArrayQuery":
            if len(args) > len(order):
                raise TypeError(f"{description.name} takes at most {len(order)} positional arguments ({', '.join(order)})")
            for key, value in zip(order, args):
                if key in kwargs:
                    raise TypeError(f"{description.name} got '{key}' both by position and by name")
                kwargs[key] = value
            return self.apply(description.name, **kwargs)

        add_operation.__name__ = attribute
        add_operation.__doc__ = description.description
        return add_operation

    def __repr__(self) -> str:
        steps = " → ".join(name + "(" + ", ".join(f"{k}={v!r}" for k, v in params.items()) + ")"
                           for name, params in self.operations) or "(no operation)"
        where = f"distance={self.distance!r}" if self.distance is not None else f"channels={self.channels!r}"
        return f"ArrayQuery({self.name!r}, {where}, time={self.time!r}: {steps})"
