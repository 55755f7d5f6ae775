"""Reduce responses straight from their wire bytes.

The call hands over each message's bytes undecoded. A data chunk (nearly all of a result's bytes) is read here
without protobuf: its ``data`` is a view into the received bytes, where protobuf would copy it twice (into the
message, then into a new ``bytes`` on access), ~0.03 CPU-s per 48 MB. Anything else, and any chunk this reader
does not take apart exactly as protobuf would, goes through the generated parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import DecodeError

from ._stubs import reduction_pb2
from .errors import data_loss

# ReduceResponse.chunk is field 2, length-delimited; DataChunk's offset (1) and uncompressed_size (3) are varints,
# its data (2) length-delimited.
_CHUNK_TAG = (2 << 3) | 2
_VARINT, _FIXED64, _DELIMITED, _FIXED32 = 0, 1, 2, 5

_REDUCE_PATH = f"/{reduction_pb2.DESCRIPTOR.services_by_name['Reduction'].full_name}/Reduce"


def reduce_method(channel):
    """Reduction.Reduce on ``channel`` (``grpc`` or ``grpc.aio``) yielding each response's bytes, for :func:`decode`."""
    return channel.unary_stream(_REDUCE_PATH, request_serializer=reduction_pb2.ReduceRequest.SerializeToString,
                                response_deserializer=None)


@dataclass(frozen=True)
class RawChunk:
    """The fields of a ``DataChunk`` (same names), ``data`` viewing the message's bytes."""

    offset: int
    data: memoryview
    uncompressed_size: int


def _varint(buffer: memoryview, position: int, end: int) -> tuple[int, int]:
    """The varint at ``position`` and the position after it; IndexError when it runs past ``end`` or 10 bytes."""
    value = shift = 0
    while True:
        if position >= end or shift > 63:
            raise IndexError
        byte = buffer[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, position
        shift += 7


def _int64(value: int) -> int:
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


def _chunk(buffer: memoryview) -> RawChunk | None:
    """The chunk a ReduceResponse holding only ``chunk`` carries, or None for any other shape of message."""
    try:
        length, start = _varint(buffer, 1, len(buffer))
        if start + length != len(buffer):
            return None
        offset = uncompressed_size = 0
        data = buffer[0:0]
        position = start
        while position < len(buffer):
            tag, position = _varint(buffer, position, len(buffer))
            field, kind = tag >> 3, tag & 7
            if kind == _VARINT:
                value, position = _varint(buffer, position, len(buffer))
                if field == 1:
                    offset = _int64(value)
                elif field == 3:
                    uncompressed_size = _int64(value)
            elif kind == _DELIMITED:
                size, position = _varint(buffer, position, len(buffer))
                if position + size > len(buffer):
                    return None
                if field == 2:
                    data = buffer[position:position + size]
                elif field in (1, 3):
                    return None  # a known field with the wrong wire type: let protobuf decide
                position += size
            elif kind in (_FIXED64, _FIXED32) and field not in (1, 2, 3):
                position += 8 if kind == _FIXED64 else 4
            else:
                return None
        if position != len(buffer):
            return None
    except IndexError:
        return None
    return RawChunk(offset, data, uncompressed_size)


def decode(raw) -> reduction_pb2.ReduceResponse | RawChunk:
    """One Reduce response from its bytes (a protobuf message, or None, passes through unchanged)."""
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        return raw
    buffer = memoryview(raw)
    if len(buffer) > 1 and buffer[0] == _CHUNK_TAG:
        chunk = _chunk(buffer)
        if chunk is not None:
            return chunk
    try:
        return reduction_pb2.ReduceResponse.FromString(bytes(raw))  # the same object when raw is bytes already
    except DecodeError as error:
        raise data_loss(f"a {len(buffer)}-byte message of the result stream is not a ReduceResponse: {error}") from None
