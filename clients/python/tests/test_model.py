"""Coordinates, instants and result assembly from header messages (no server needed)."""

import numpy as np
import pytest
import xarray

from resif_gpu import ReducedArray, ResifError, ResultHeader, ResultTrailer
from resif_gpu._stubs import common_pb2, reduction_pb2
from resif_gpu.model import Coordinate, parse_instant


@pytest.mark.parametrize("text, expected", [
    ("2024-03-01T12:00:00Z", "2024-03-01T12:00:00"),
    ("2024-03-01T12:00:00.123456789Z", "2024-03-01T12:00:00.123456789"),
    ("2024-03-01T14:30:00+02:30", "2024-03-01T12:00:00"),
    ("2024-03-01T10:00:00.5-02:00", "2024-03-01T12:00:00.5"),
    ("2024-03-01", "2024-03-01T00:00:00"),
])
def test_instants_are_converted_to_utc_nanoseconds(text, expected):
    assert parse_instant(text) == np.datetime64(expected, "ns")


def test_bad_instant_is_refused():
    with pytest.raises(ValueError):
        parse_instant("yesterday")


def test_regular_time_coordinate_gives_values_and_instants():
    time = Coordinate(dim="time", units="s", length=4, start=0.5, step=0.25, origin="2024-03-01T00:00:00Z")
    np.testing.assert_array_equal(time.values, [0.5, 0.75, 1.0, 1.25])
    assert time.instants[0] == np.datetime64("2024-03-01T00:00:00.5", "ns")
    assert time.instants[3] - time.instants[0] == np.timedelta64(750, "ms")
    assert Coordinate(dim="distance", units="m", length=2, start=0, step=4).instants is None


def _header(coords):
    message = reduction_pb2.ResultHeader(
        array="a", dims=["station", "time"], shape=[2, 3], dtype=common_pb2.DATA_TYPE_FLOAT32, coords=coords,
        units="strain_rate", provenance=[reduction_pb2.ProvenanceStep(name="decimate", params={"factor": "2"})],
        backend="cpu-vector", device="cpu", total_bytes=24)
    return ResultHeader.from_proto(message)


def test_result_gets_named_coordinates_instants_labels_and_provenance():
    header = _header([
        common_pb2.Coordinate(dim="station", units="m", length=2, values=[10.0, 35.5], labels=["A1", "B2"]),
        common_pb2.Coordinate(dim="time", units="s", length=3, start=0, step=0.5, origin="2024-01-01T00:00:00Z"),
    ])
    values = np.arange(6, dtype=np.float32).reshape(2, 3)
    result = ReducedArray.from_result(values, header, ResultTrailer(24, 48, 0.1, "ab"))
    array = result.to_xarray()
    assert array.dims == ("station", "time")
    np.testing.assert_array_equal(array["station"], [10.0, 35.5])
    assert array["station"].attrs["units"] == "m"
    assert list(array["station_label"].values) == ["A1", "B2"]
    np.testing.assert_array_equal(array["time"], [0.0, 0.5, 1.0])
    assert array["time_utc"].dtype == np.dtype("datetime64[ns]")
    assert array["time_utc"].values[2] == np.datetime64("2024-01-01T00:00:01", "ns")
    assert array.attrs["units"] == "strain_rate"
    assert array.attrs["provenance"] == ["decimate:factor=2"]
    assert isinstance(array, xarray.DataArray) and array.name == "a"


def test_coordinate_length_must_match_the_axis():
    header = _header([common_pb2.Coordinate(dim="time", units="s", length=5, start=0, step=1)])
    with pytest.raises(ResifError, match="coordinate 'time'"):
        ReducedArray.from_result(np.zeros((2, 3), np.float32), header, ResultTrailer(24, 0, 0, ""))
