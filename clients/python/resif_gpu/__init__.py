"""Python client for Resif.Gpu: run DAS reductions next to the data and get NumPy/xarray results.

    import resif_gpu
    client = resif_gpu.Client("http://localhost:5000")
    result = client.reduce("das1", ["bandpass:freqmin=1,freqmax=10", "decimate:factor=5"], time=(0, 60))
"""

from .client import Client
from .errors import ResifError
from .model import (ArrayInfo, Coordinate, DeviceInfo, Devices, OperationInfo, ParameterInfo, ProvenanceStep,
                    ReducedArray, ResultHeader, ResultTrailer)
from .query import ArrayQuery
from .stream import ReduceStream

__version__ = "0.1.0"

__all__ = [
    "ArrayInfo", "ArrayQuery", "Client", "Coordinate", "DeviceInfo", "Devices", "OperationInfo", "ParameterInfo",
    "ProvenanceStep", "ReduceStream", "ReducedArray", "ResifError", "ResultHeader", "ResultTrailer",
]
