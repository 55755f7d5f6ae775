"""The client over real gRPC against a small scripted Python server: channels, status mapping and streaming.

This checks the transport path independently of the C# server (whose numerics test_server.py covers): the
scripted server answers one fixed array, sends its chunks out of order and reports errors with real status codes.
"""

import hashlib
from concurrent import futures

import grpc
import numpy as np
import pytest

import resif_gpu
from resif_gpu import ResifError
from resif_gpu._stubs import (catalog_pb2, catalog_pb2_grpc, common_pb2, devices_pb2, devices_pb2_grpc, reduction_pb2,
                              reduction_pb2_grpc)

VALUES = (np.arange(6 * 50, dtype=np.float32) / 7).reshape(6, 50)
CHUNK_BYTES = 256


def array_info():
    return common_pb2.ArrayInfo(
        name="fixed", dims=["channel", "time"], shape=list(VALUES.shape), dtype=common_pb2.DATA_TYPE_FLOAT32,
        coords=[common_pb2.Coordinate(dim="channel", units="m", length=6, start=0, step=2),
                common_pb2.Coordinate(dim="time", units="s", length=50, start=0, step=0.01,
                                      origin="2025-01-01T00:00:00Z")],
        units="strain_rate", size_bytes=VALUES.nbytes)


class Catalog(catalog_pb2_grpc.CatalogServicer):
    def ListArrays(self, request, context):
        return catalog_pb2.ListArraysResponse(arrays=[array_info()])

    def DescribeArray(self, request, context):
        if request.name != "fixed":
            context.abort(grpc.StatusCode.NOT_FOUND, f"array '{request.name}' does not exist")
        return array_info()


class Reduction(reduction_pb2_grpc.ReductionServicer):
    def Reduce(self, request, context):
        if request.array != "fixed":
            context.abort(grpc.StatusCode.NOT_FOUND, f"array '{request.array}' does not exist")
        if request.operations:
            operation = request.operations[0]
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"operations[0].{next(iter(operation.params), 'name')}: refused")
        info = array_info()
        payload = VALUES.tobytes()
        yield reduction_pb2.ReduceResponse(header=reduction_pb2.ResultHeader(
            array="fixed", dims=info.dims, shape=info.shape, dtype=info.dtype, coords=info.coords, units=info.units,
            backend="scripted", device="none", total_bytes=len(payload)))
        offsets = list(range(0, len(payload), CHUNK_BYTES))
        for offset in reversed(offsets):  # out of order on purpose: the client must place chunks by offset
            yield reduction_pb2.ReduceResponse(
                chunk=reduction_pb2.DataChunk(offset=offset, data=payload[offset:offset + CHUNK_BYTES]))
        yield reduction_pb2.ReduceResponse(trailer=reduction_pb2.ResultTrailer(
            total_bytes=len(payload), sha256=hashlib.sha256(payload).hexdigest()))

    def ListOperations(self, request, context):
        parameter = reduction_pb2.ParameterInfo(name="factor", kind="integer")
        return reduction_pb2.ListOperationsResponse(
            operations=[reduction_pb2.OperationInfo(name="decimate", parameters=[parameter])])


class Devices(devices_pb2_grpc.DevicesServicer):
    def ListDevices(self, request, context):
        device = devices_pb2.DeviceInfo(id="cpu", name="test cpu", kind="cpu", usable=True)
        return devices_pb2.ListDevicesResponse(devices=[device], active="cpu")


@pytest.fixture(scope="module")
def scripted_url():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    catalog_pb2_grpc.add_CatalogServicer_to_server(Catalog(), server)
    reduction_pb2_grpc.add_ReductionServicer_to_server(Reduction(), server)
    devices_pb2_grpc.add_DevicesServicer_to_server(Devices(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop(grace=None)


def test_catalog_operations_and_devices(scripted_url):
    with resif_gpu.Client(scripted_url, timeout=10) as client:
        assert [info.name for info in client.list()] == ["fixed"]
        assert client.info("fixed").coords["channel"].step == 2
        assert client.operations()[0].parameters[0].required
        assert client.devices().active == "cpu"


def test_out_of_order_chunks_are_placed_by_offset(scripted_url):
    with resif_gpu.Client(scripted_url.removeprefix("http://"), timeout=10) as client:
        result = client.reduce("fixed")
        np.testing.assert_array_equal(result.values, VALUES)
        assert result["time_utc"].values[-1] == np.datetime64("2025-01-01T00:00:00.49", "ns")


def test_status_codes_and_messages_come_through(scripted_url):
    with resif_gpu.Client(scripted_url, timeout=10) as client:
        with pytest.raises(ResifError) as caught:
            client.info("missing")
        assert caught.value.code == grpc.StatusCode.NOT_FOUND and "'missing'" in caught.value.message
        with pytest.raises(ResifError) as caught:
            client.array("fixed").decimate(0).get()
        assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
        assert caught.value.message == "operations[0].factor: refused"


def test_unreachable_server_is_unavailable():
    with resif_gpu.Client("http://127.0.0.1:1", timeout=5) as client:
        with pytest.raises(ResifError) as caught:
            client.list()
    assert caught.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


def test_url_schemes():
    with pytest.raises(ValueError, match="scheme"):
        resif_gpu.Client("ftp://localhost:1")
    with pytest.raises(ValueError, match="host:port"):
        resif_gpu.Client("http://")
