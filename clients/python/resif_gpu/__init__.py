"""Python client for Resif.Gpu: run DAS reductions next to the data and get NumPy/xarray results.

    import resif_gpu
    client = resif_gpu.Client("http://localhost:5000")
    result = client.reduce("das1", ["bandpass:freqmin=1,freqmax=10", "decimate:factor=5"], time=(0, 60))
"""

from .aio import AsyncClient
from .client import Client
from .errors import ResifError
from .ingest import IngestResult
from .model import (ArrayInfo, Coordinate, DeviceInfo, Devices, Estimate, OperationInfo, ParameterInfo,
                    ProvenanceStep, ReducedArray, ResultHeader, ResultTrailer)
from .progress import ProgressBar
from .query import ArrayQuery
from .stream import AsyncReduceStream, ReduceStream

__version__ = "0.1.0"

__all__ = [
    "ArrayInfo", "ArrayQuery", "AsyncClient", "AsyncReduceStream", "Client", "Coordinate", "DeviceInfo", "Devices",
    "Estimate", "IngestResult", "OperationInfo", "ParameterInfo", "ProgressBar", "ProvenanceStep", "ReduceStream",
    "ReducedArray", "ResifError", "ResultHeader", "ResultTrailer",
]
