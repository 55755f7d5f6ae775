"""Stub generation from the repository's protos (no server needed)."""

import shutil

from resif_gpu import _codegen


def _copy_protos(tmp_path):
    root = _codegen.find_protos()
    assert root is not None, "tests run from a repository checkout, where protos/ exists"
    copy = tmp_path / "protos"
    shutil.copytree(root, copy)
    return copy


def test_generated_modules_import_each_other_relatively(tmp_path):
    protos = _copy_protos(tmp_path)
    out = tmp_path / "stubs"
    _codegen.generate(protos, out)
    names = {path.name for path in out.glob("*.py")}
    assert {"__init__.py", "common_pb2.py", "reduction_pb2.py", "reduction_pb2_grpc.py", "catalog_pb2_grpc.py"} <= names
    for path in out.glob("*.py"):
        assert "from resif.gpu" not in path.read_text(), path.name
    assert "from . import common_pb2" in (out / "reduction_pb2.py").read_text()


def test_stubs_are_regenerated_only_when_a_proto_changes(tmp_path):
    protos = _copy_protos(tmp_path)
    out = tmp_path / "stubs"
    _codegen.generate(protos, out)
    assert _codegen.is_current(out, _codegen.protos_digest(protos))

    proto = protos / "resif" / "gpu" / "v1" / "devices.proto"
    proto.write_text(proto.read_text() + "\nmessage AddedForTheTest { int32 value = 1; }\n")
    assert not _codegen.is_current(out, _codegen.protos_digest(protos))
    _codegen.generate(protos, out)
    assert _codegen.is_current(out, _codegen.protos_digest(protos))
    assert "AddedForTheTest" in (out / "devices_pb2.py").read_text()
