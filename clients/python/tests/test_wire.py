"""The chunk reader in ``_wire`` against protobuf's own parser, the oracle: same fields from any encoding a
protobuf writer may produce (fields in any order, repeated, unknown ones), and for damaged bytes either what
protobuf reads from them or a DATA_LOSS error, never something else."""

import random

import grpc
import pytest

from resif_gpu import ResifError
from resif_gpu._stubs import reduction_pb2
from resif_gpu._wire import RawChunk, decode


def varint(value):
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, kind, payload):
    """One encoded field: a varint value, 8 or 4 raw bytes, or length-delimited bytes."""
    tag = varint(number << 3 | kind)
    if kind == 0:
        return tag + varint(payload)
    if kind == 2:
        return tag + varint(len(payload)) + payload
    return tag + payload


def chunk_message(fields):
    body = b"".join(fields)
    return field(2, 2, body)


def random_fields(rng):
    """A DataChunk body as some writer may lay it out: known fields shuffled, sometimes repeated, unknown ones mixed in."""
    fields = [field(1, 0, rng.choice([0, 1, 1 << 20, 1 << 40, -5])),
              field(2, 2, rng.randbytes(rng.choice([0, 1, 300, 70000]))),
              field(3, 0, rng.choice([0, 4, 1 << 20]))]
    for _ in range(rng.randrange(3)):
        number = rng.choice([1, 2, 3, 4, 15, 1000])
        kind = rng.choice([0, 1, 2, 5])
        if number in (1, 3) and kind != 0 or number == 2 and kind != 2:
            kind = 0 if number != 2 else 2
        payload = {0: rng.randrange(1 << 35), 1: rng.randbytes(8), 2: rng.randbytes(rng.randrange(20)), 5: rng.randbytes(4)}[kind]
        fields.append(field(number, kind, payload))
    rng.shuffle(fields)
    return fields


def assert_same(decoded, expected):
    assert isinstance(decoded, RawChunk)
    assert expected.WhichOneof("payload") == "chunk"
    assert decoded.offset == expected.chunk.offset
    assert bytes(decoded.data) == expected.chunk.data
    assert decoded.uncompressed_size == expected.chunk.uncompressed_size


def test_serialized_chunks_decode_to_their_fields_without_a_copy():
    for offset, data, size in [(0, b"", 0), (12, b"\x01\x02\x03\x04", 0), (1 << 40, bytes(range(256)) * 300, 1 << 20)]:
        raw = reduction_pb2.ReduceResponse(chunk=reduction_pb2.DataChunk(offset=offset, data=data, uncompressed_size=size)).SerializeToString()
        decoded = decode(raw)
        assert (decoded.offset, bytes(decoded.data), decoded.uncompressed_size) == (offset, data, size)
        assert decoded.data.obj is raw


def test_any_field_layout_reads_as_protobuf_reads_it():
    rng = random.Random(7)
    for _ in range(300):
        raw = chunk_message(random_fields(rng))
        assert_same(decode(raw), reduction_pb2.ReduceResponse.FromString(raw))


def test_other_messages_go_through_protobuf():
    for message in [reduction_pb2.ReduceResponse(header=reduction_pb2.ResultHeader(array="a", shape=[2, 3])),
                    reduction_pb2.ReduceResponse(progress=reduction_pb2.Progress(fraction=0.5)),
                    reduction_pb2.ReduceResponse(trailer=reduction_pb2.ResultTrailer(total_bytes=8, sha256="ab"))]:
        assert decode(message.SerializeToString()) == message
        assert decode(message) is message


@pytest.mark.filterwarnings("ignore:Unexpected end-group tag")  # protobuf's own, for some damaged inputs
def test_damaged_bytes_read_as_protobuf_reads_them_or_raise_data_loss():
    rng = random.Random(11)
    for trial in range(2000):
        raw = bytearray(chunk_message(random_fields(rng)) if trial % 4 else
                        reduction_pb2.ReduceResponse(trailer=reduction_pb2.ResultTrailer(total_bytes=9)).SerializeToString())
        if trial % 2:
            del raw[rng.randrange(len(raw)):]
        for _ in range(rng.randrange(1, 4)):
            if raw:
                raw[rng.randrange(min(len(raw), 24))] = rng.randrange(256)
        raw = bytes(raw)
        try:
            expected = reduction_pb2.ReduceResponse.FromString(raw)
        except Exception:
            with pytest.raises(ResifError) as caught:
                decode(raw)
            assert caught.value.code == grpc.StatusCode.DATA_LOSS
            continue
        decoded = decode(raw)
        if isinstance(decoded, RawChunk):
            assert_same(decoded, expected)
        else:
            assert decoded == expected
