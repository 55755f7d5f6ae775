"""The one exception the client raises for server-side and transport failures."""

from __future__ import annotations

import grpc

from ._status import field_violations


class ResifError(Exception):
    """A failed call: ``code`` is the gRPC status (``grpc.StatusCode``), ``message`` the server's explanation.

    Invalid requests come back as ``INVALID_ARGUMENT`` with a message that starts with the offending field,
    e.g. ``operations[0].freqmax: ...``, and the same in ``field_violations`` (``(field, description)`` pairs
    from the google.rpc.BadRequest details); an unknown array is ``NOT_FOUND``. A result that arrives incomplete
    or corrupted (wrong size, SHA-256 mismatch, missing trailer) is ``DATA_LOSS``.
    """

    def __init__(self, code: grpc.StatusCode, message: str, field_violations: tuple[tuple[str, str], ...] = ()):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.field_violations = field_violations

    @classmethod
    def from_rpc(cls, error: grpc.RpcError) -> "ResifError":
        # Errors raised by a call object carry code()/details(); anything else is reported as UNKNOWN.
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        violations = field_violations(error.trailing_metadata()) if hasattr(error, "trailing_metadata") else ()
        return cls(code or grpc.StatusCode.UNKNOWN, details or "", violations)


def data_loss(message: str) -> ResifError:
    return ResifError(grpc.StatusCode.DATA_LOSS, message)
