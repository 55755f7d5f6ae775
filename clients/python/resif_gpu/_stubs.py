"""Imports the generated gRPC modules, generating them first when they are missing or stale."""

from __future__ import annotations

from . import _codegen

_codegen.ensure()

from ._generated import catalog_pb2, catalog_pb2_grpc, common_pb2, devices_pb2, devices_pb2_grpc  # noqa: E402
from ._generated import reduction_pb2, reduction_pb2_grpc  # noqa: E402

__all__ = [
    "catalog_pb2", "catalog_pb2_grpc", "common_pb2", "devices_pb2", "devices_pb2_grpc",
    "reduction_pb2", "reduction_pb2_grpc",
]
