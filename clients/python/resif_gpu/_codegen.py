"""Generates the gRPC stubs in ``resif_gpu/_generated`` from ``protos/resif/gpu/v1/*.proto``.

protoc writes modules that import each other as ``from resif.gpu.v1 import common_pb2``. Putting the
output folder on ``sys.path`` would claim the top-level name ``resif`` for the whole interpreter, so the
imports are rewritten to package-relative ones (``from . import common_pb2``) and the modules live flat
in the ``resif_gpu._generated`` subpackage.

A stamp file holds the SHA-256 of the protos the stubs came from: stubs are regenerated when they are
missing or when any proto changed (content, not mtime, so a fresh checkout does not confuse it).

This file imports nothing from ``resif_gpu`` so that ``setup.py`` can load it on its own.
Usage: ``python3 -m resif_gpu._codegen [--protos DIR] [--out DIR] [--force]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
import tempfile
from pathlib import Path

PROTO_PACKAGE = Path("resif", "gpu", "v1")
STAMP_NAME = "_protos.sha256"
PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = PACKAGE_DIR / "_generated"

_ABSOLUTE_IMPORT = re.compile(r"^from resif\.gpu\.v1 import (\w+)", re.MULTILINE)


class CodegenError(RuntimeError):
    """The stubs are missing or stale and cannot be (re)generated."""


def find_protos() -> Path | None:
    """The include root holding resif/gpu/v1/*.proto: $RESIF_GPU_PROTOS, else a ``protos`` folder above the package."""
    configured = os.environ.get("RESIF_GPU_PROTOS")
    if configured:
        root = Path(configured)
        if not (root / PROTO_PACKAGE).is_dir():
            raise CodegenError(f"RESIF_GPU_PROTOS={configured} has no {PROTO_PACKAGE} folder")
        return root
    for parent in PACKAGE_DIR.parents:
        candidate = parent / "protos"
        if (candidate / PROTO_PACKAGE).is_dir():
            return candidate
    return None


def proto_files(root: Path) -> list[Path]:
    files = sorted((root / PROTO_PACKAGE).glob("*.proto"))
    if not files:
        raise CodegenError(f"no .proto files in {root / PROTO_PACKAGE}")
    return files


def protos_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in proto_files(root):
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_current(out: Path, digest: str) -> bool:
    stamp = out / STAMP_NAME
    return stamp.is_file() and stamp.read_text().strip() == digest


def generate(root: Path, out: Path) -> None:
    """Runs protoc into a scratch folder, rewrites the imports and installs the modules into ``out``.

    Each file is written with an atomic rename and the stamp goes last, so a concurrent importer sees either
    the old complete set or the new one; two processes generating at once write identical bytes.
    """
    try:
        from grpc_tools import protoc
    except ImportError as error:
        raise CodegenError("grpc_tools is needed to generate the stubs (Debian: python3-grpc-tools)") from error

    digest = protos_digest(root)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="resif-gpu-stubs-") as scratch:
        # grpc_tools ships the well-known types (google/protobuf/wrappers.proto) next to its protoc.
        well_known = Path(protoc.__file__).parent / "_proto"
        args = ["grpc_tools.protoc", f"-I{root}", f"-I{well_known}", f"--python_out={scratch}", f"--grpc_python_out={scratch}"]
        args += [str(path.relative_to(root)) for path in proto_files(root)]
        if protoc.main(args) != 0:
            raise CodegenError(f"protoc failed on {root / PROTO_PACKAGE} (see its messages above)")
        produced = sorted((Path(scratch) / PROTO_PACKAGE).glob("*.py"))
        modules = {path.name: _ABSOLUTE_IMPORT.sub(r"from . import \1", path.read_text()) for path in produced}
        modules["__init__.py"] = '"""gRPC stubs generated from protos/resif/gpu/v1 by resif_gpu._codegen; do not edit."""\n'
        for name, text in modules.items():
            _write_atomically(out / name, text)
    _write_atomically(out / STAMP_NAME, digest + "\n")


def ensure(out: Path = DEFAULT_OUT) -> None:
    """Makes sure ``out`` holds stubs matching the protos (when the protos can be found)."""
    root = find_protos()
    if root is None:
        # Installed from a wheel: the stubs were generated at build time and the protos are not shipped.
        if not (out / STAMP_NAME).is_file():
            raise CodegenError(
                f"the gRPC stubs are missing in {out} and no protos folder was found; "
                "set RESIF_GPU_PROTOS to the repository's protos/ folder")
        return
    if not is_current(out, protos_digest(root)):
        generate(root, out)


def _write_atomically(path: Path, text: str) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m resif_gpu._codegen", description=__doc__.splitlines()[0])
    parser.add_argument("--protos", type=Path, help="include root holding resif/gpu/v1 (default: found above the package)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    parser.add_argument("--force", action="store_true", help="regenerate even when the stamp matches")
    options = parser.parse_args(argv)
    root = options.protos or find_protos()
    if root is None:
        parser.error("no protos folder found; pass --protos or set RESIF_GPU_PROTOS")
    if options.force or not is_current(options.out, protos_digest(root)):
        generate(root, options.out)
        print(f"generated stubs in {options.out} from {root / PROTO_PACKAGE}")
    else:
        print(f"stubs in {options.out} are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
