"""Reads the google.rpc rich error details (``grpc-status-details-bin``) without the googleapis packages.

Debian ships no ``google.rpc`` Python module, so the two messages the server sends — ``google.rpc.Status`` and
``google.rpc.BadRequest`` — are declared here from their public field numbers, in a private descriptor pool so
they never clash with an installed googleapis-common-protos.
"""

from __future__ import annotations

from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool

try:
    from google.protobuf.message_factory import GetMessageClass as _message_class
except ImportError:  # protobuf < 4.21
    from google.protobuf.message_factory import MessageFactory

    def _message_class(descriptor):
        return MessageFactory().GetPrototype(descriptor)

_F = descriptor_pb2.FieldDescriptorProto


def _field(name: str, number: int, kind: int, label: int = _F.LABEL_OPTIONAL, type_name: str | None = None):
    field = _F(name=name, number=number, type=kind, label=label)
    if type_name:
        field.type_name = type_name
    return field


def _build():
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    file = descriptor_pb2.FileDescriptorProto(name="resif_gpu/google_rpc_subset.proto", package="google.rpc",
                                              syntax="proto3", dependency=["google/protobuf/any.proto"])
    status = file.message_type.add(name="Status")
    status.field.extend([_field("code", 1, _F.TYPE_INT32), _field("message", 2, _F.TYPE_STRING),
                         _field("details", 3, _F.TYPE_MESSAGE, _F.LABEL_REPEATED, ".google.protobuf.Any")])
    bad_request = file.message_type.add(name="BadRequest")
    violation = bad_request.nested_type.add(name="FieldViolation")
    violation.field.extend([_field("field", 1, _F.TYPE_STRING), _field("description", 2, _F.TYPE_STRING)])
    bad_request.field.extend([_field("field_violations", 1, _F.TYPE_MESSAGE, _F.LABEL_REPEATED,
                                     ".google.rpc.BadRequest.FieldViolation")])
    pool.Add(file)
    return (_message_class(pool.FindMessageTypeByName("google.rpc.Status")),
            _message_class(pool.FindMessageTypeByName("google.rpc.BadRequest")))


_Status, _BadRequest = _build()
_BAD_REQUEST_URL = "type.googleapis.com/google.rpc.BadRequest"


def field_violations(trailing_metadata) -> tuple[tuple[str, str], ...]:
    """``(field, description)`` pairs of the BadRequest details in a call's trailing metadata, if any."""
    for key, value in trailing_metadata or ():
        if key != "grpc-status-details-bin":
            continue
        status = _Status.FromString(value)
        return tuple((violation.field, violation.description)
                     for detail in status.details if detail.type_url == _BAD_REQUEST_URL
                     for violation in _BadRequest.FromString(detail.value).field_violations)
    return ()
