#!/usr/bin/python3
"""Converts the conformance vendor DAS files to [channel, time] float32 .npy files, for the storage filter survey
(`Resif.Gpu.Bench filter-survey`): compression ratios measured on real acquisitions, not on synthetic noise.
   bench/das_samples.py OUT_DIR"""
import os
import sys

import h5py
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
formats = os.path.join(here, "..", "..", "shared", "conformance", "das-formats")
# file, dataset, True when the dataset is stored [time, channel]
SOURCES = [
    ("prodml_2.0.h5", "Acquisition/Raw[0]/RawData", True),
    ("iDAS005_hdf5_example.626.h5", None, True),
    ("silixa_h5_1.hdf5", "Acoustic", True),
    ("ap_sensing_1.hdf5", "DAS", True),
    ("terra15_v5_test_file.hdf5", "data_product/data", True),
    ("decimated_optodas.hdf5", "data", True),
    ("deformation_rate_event_1.hdf5", None, True),
    ("gdr_1.h5", "DasRawData/RawData", True),
]


def largest_dataset(f):
    found = []
    f.visititems(lambda name, obj: found.append(obj) if isinstance(obj, h5py.Dataset) and obj.ndim == 2 else None)
    return max(found, key=lambda d: d.size)


def main(out):
    os.makedirs(out, exist_ok=True)
    for name, path, time_first in SOURCES:
        with h5py.File(os.path.join(formats, name), "r") as f:
            data = f[path] if path else largest_dataset(f)
            values = np.asarray(data[...], dtype=np.float32)
            source_type = data.dtype
        if time_first:
            values = values.T
        target = os.path.join(out, os.path.splitext(name)[0] + ".npy")
        np.save(target, np.ascontiguousarray(values))
        print(f"{target} {values.shape[0]} channels x {values.shape[1]} samples (stored as {source_type})")


if __name__ == "__main__":
    main(sys.argv[1])
