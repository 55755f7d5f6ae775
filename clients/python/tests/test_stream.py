"""Checks on the Reduce stream that a healthy server never triggers: a scripted message sequence stands in for
the gRPC call so that lost, duplicated, misplaced or corrupted chunks can be produced on purpose."""

import hashlib

import grpc
import numpy as np
import pytest

from resif_gpu import ReduceStream, ResifError
from resif_gpu.stream import zstd_available
from resif_gpu._stubs import common_pb2, reduction_pb2

VALUES = np.arange(12, dtype="<f4").reshape(3, 4)
PAYLOAD = VALUES.tobytes()


class ScriptedCall:
    """Yields the given responses like a grpc server-streaming call, then optionally raises an RPC error.

    The client's calls yield each response's bytes (see ``_wire``); ``as_bytes`` False yields the messages."""

    as_bytes = True

    def __init__(self, responses, error=None):
        self._responses = iter(responses)
        self._error = error
        self.cancelled = False

    def __next__(self):
        try:
            message = next(self._responses)
            return message.SerializeToString() if self.as_bytes else message
        except StopIteration:
            if self._error is not None:
                raise self._error from None
            raise

    def cancel(self):
        self.cancelled = True


@pytest.fixture(autouse=True, params=["bytes", "messages"])
def response_form(request, monkeypatch):
    monkeypatch.setattr(ScriptedCall, "as_bytes", request.param == "bytes")


class FailedCall(grpc.RpcError):
    def __init__(self, code, details):
        super().__init__()
        self._code, self._details = code, details

    def code(self):
        return self._code

    def details(self):
        return self._details


def header(total=len(PAYLOAD), compression=reduction_pb2.COMPRESSION_NONE):
    message = reduction_pb2.ResultHeader(array="a", dims=["channel", "time"], shape=[3, 4],
                                         dtype=common_pb2.DATA_TYPE_FLOAT32, total_bytes=total, compression=compression)
    return reduction_pb2.ReduceResponse(header=message)


def chunk(start, stop, data=PAYLOAD):
    return reduction_pb2.ReduceResponse(chunk=reduction_pb2.DataChunk(offset=start, data=data[start:stop]))


def trailer(digest=hashlib.sha256(PAYLOAD).hexdigest(), total=len(PAYLOAD)):
    return reduction_pb2.ReduceResponse(trailer=reduction_pb2.ResultTrailer(total_bytes=total, sha256=digest))


def assemble(responses):
    stream = ReduceStream(ScriptedCall(responses))
    flat = np.zeros(VALUES.size, dtype="<f4")
    for offset, values in stream:
        flat[offset:offset + values.size] = values
    return flat.reshape(VALUES.shape), stream


def test_chunks_in_any_order_assemble_and_verify():
    progress = reduction_pb2.ReduceResponse(progress=reduction_pb2.Progress(fraction=0.5, bytes_sent=16))
    result, stream = assemble([header(), chunk(32, 48), progress, chunk(0, 16), chunk(16, 32), trailer()])
    np.testing.assert_array_equal(result, VALUES)
    assert stream.trailer.sha256 == hashlib.sha256(PAYLOAD).hexdigest()


def test_progress_is_reported():
    reports = []
    progress = reduction_pb2.ReduceResponse(progress=reduction_pb2.Progress(fraction=1.0, bytes_sent=48))
    stream = ReduceStream(ScriptedCall([header(), chunk(0, 48), progress, trailer()]), lambda f, n: reports.append((f, n)))
    list(stream)
    assert reports == [(1.0, 48)]


@pytest.mark.parametrize("responses, reason", [
    ([header(), chunk(0, 48)], "without a trailer"),
    ([header(), chunk(0, 16), chunk(32, 48), trailer()], "contiguous"),
    ([header(), chunk(0, 48), trailer(digest="00" * 32)], "SHA-256 mismatch"),
    ([header(), chunk(0, 32), chunk(16, 48), trailer()], "overlaps"),
    ([header(), chunk(0, 48), trailer(total=44)], "trailer reports"),
    ([header(), chunk(2, 18)], "not aligned"),
    ([header(), chunk(40, 56, PAYLOAD * 2)], "outside"),
    ([header(), chunk(0, 48), trailer(), chunk(0, 4)], "after its trailer"),
])
def test_damaged_streams_raise_data_loss(responses, reason):
    with pytest.raises(ResifError, match=reason) as caught:
        assemble(responses)
    assert caught.value.code == grpc.StatusCode.DATA_LOSS


def test_header_must_match_its_shape_and_come_first():
    with pytest.raises(ResifError, match="announces"):
        ReduceStream(ScriptedCall([header(total=40)]))
    with pytest.raises(ResifError, match="did not start with a header"):
        ReduceStream(ScriptedCall([chunk(0, 48)]))


def test_server_errors_keep_their_code_and_message():
    error = FailedCall(grpc.StatusCode.INVALID_ARGUMENT, "operations[0].freqmax: must be below Nyquist")
    with pytest.raises(ResifError) as caught:
        ReduceStream(ScriptedCall([], error))
    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.message == "operations[0].freqmax: must be below Nyquist"

    stream = ReduceStream(ScriptedCall([header(), chunk(0, 16)], FailedCall(grpc.StatusCode.CANCELLED, "stopped")))
    with pytest.raises(ResifError) as caught:
        list(stream)
    assert caught.value.code == grpc.StatusCode.CANCELLED


def test_closing_cancels_the_call():
    call = ScriptedCall([header(), chunk(0, 48), trailer()])
    with ReduceStream(call) as stream:
        next(stream)
    assert call.cancelled


@pytest.mark.skipif(not zstd_available(), reason="needs python3-zstandard")
def test_a_zstd_stream_may_send_chunks_as_they_are():
    import zstandard

    frame = zstandard.ZstdCompressor().compress(PAYLOAD[16:48])
    compressed = reduction_pb2.ReduceResponse(chunk=reduction_pb2.DataChunk(offset=16, data=frame, uncompressed_size=32))
    result, _ = assemble([header(compression=reduction_pb2.COMPRESSION_ZSTD), chunk(0, 16), compressed, trailer()])
    np.testing.assert_array_equal(result, VALUES)


def test_a_negative_uncompressed_size_is_data_loss():
    bad = reduction_pb2.ReduceResponse(chunk=reduction_pb2.DataChunk(offset=0, data=PAYLOAD, uncompressed_size=-1))
    with pytest.raises(ResifError, match="announces -1 bytes") as caught:
        assemble([header(compression=reduction_pb2.COMPRESSION_ZSTD), bad, trailer()])
    assert caught.value.code == grpc.StatusCode.DATA_LOSS
