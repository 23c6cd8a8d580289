"""Shared by CIFAR-10 and CIFAR-100: find the extracted batches directory (or its archive),
read the pickled batches without running code."""

import os

import numpy as np

from . import _files


def batches_dir(dirname, archive, origin, file_hash):
    """The directory holding the extracted batches, extracting the archive when needed."""
    from ..utils import file_utils
    dirs = _files.env_dirs() + [_files.cache_dir(), _files.keras_cache_dir()]
    for d in dirs:
        for cand in (os.path.join(d, dirname), os.path.join(d, dirname + "-target", dirname)):
            if os.path.isdir(cand):
                return cand
    res = _files.Resource(archive, origin, file_hash, aliases=(dirname + ".tar.gz",
                                                               dirname + "-target.tar.gz"))
    path, _ = _files.locate(res)
    target = _files.cache_dir()
    os.makedirs(target, exist_ok=True)
    file_utils.extract_archive(path, target, "tar")
    out = os.path.join(target, dirname)
    if not os.path.isdir(out):
        raise ValueError(f"{path} did not contain the directory {dirname}/.")
    return out


def load_batch(fpath, label_key="labels"):
    """`(data (n, 3, 32, 32) uint8, labels)` of one pickled CIFAR batch."""
    if not os.path.exists(fpath):
        raise FileNotFoundError(f"CIFAR batch file {fpath} is missing.")
    with open(fpath, "rb") as f:
        d = _files.RestrictedUnpickler(f, encoding="bytes").load()
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = np.asarray(d["data"])
    labels = d[label_key]
    return data.reshape(data.shape[0], 3, 32, 32), labels
