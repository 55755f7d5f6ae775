"""Generates the gRPC stubs into the wheel at build time (the protos live outside this folder, in protos/)."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _load_codegen():
    # Loaded from its file: importing the resif_gpu package would need the stubs this step produces.
    spec = importlib.util.spec_from_file_location("resif_gpu_codegen", HERE / "resif_gpu" / "_codegen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithStubs(build_py):
    def run(self):
        super().run()
        codegen = _load_codegen()
        protos = codegen.find_protos()
        if protos is None:
            raise SystemExit("resif-gpu: protos/resif/gpu/v1 not found above clients/python; "
                             "build from a repository checkout or set RESIF_GPU_PROTOS")
        codegen.generate(protos, Path(self.build_lib) / "resif_gpu" / "_generated")


setup(cmdclass={"build_py": BuildWithStubs})
