"""Finding (or downloading) the files of the Keras datasets, offline first.

A dataset file is looked up, in order:

1. an explicit file path given to `load_data(path=...)` that exists: used as is, checked by
   content (array shapes and dtypes), not by hash;
2. the directories listed in `$FLOWGRAD_DATASETS_DIR` (separated by `os.pathsep`), as
   `<dir>/<file>` or `<dir>/<subdir>/<file>`: checked by content, not by hash (a copy of a
   dataset that was re-saved or re-compressed has another hash but the same arrays);
3. flowgrad's cache, `$FLOWGRAD_HOME/datasets` (default `~/.flowgrad/datasets`): verified
   against Keras's published sha256;
4. Keras's cache, `$KERAS_HOME/datasets` (default `~/.keras/datasets`): verified by hash;
5. a download from Keras's public URL (https://storage.googleapis.com/tensorflow/
   tf-keras-datasets/...) into flowgrad's cache, verified by hash.

When all fail (no network), `FileNotFoundError` says where to put the file.
"""

import os
import pickle

import numpy as np

from ..utils import file_utils

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
ENV_DIR = "FLOWGRAD_DATASETS_DIR"


class Resource:
    """One downloadable file: its cache name, URL, hash and cache subdirectory."""

    def __init__(self, fname, origin, file_hash=None, subdir="", aliases=(), loader=None):
        self.fname = fname
        self.loader = loader            # e.g. "mnist.load_data", for the offline message
        self.origin = origin
        self.file_hash = file_hash
        self.subdir = subdir
        self.aliases = tuple(aliases)   # other names the same file is cached under

    def names(self):
        return (self.fname,) + self.aliases


def env_dirs():
    value = os.environ.get(ENV_DIR, "")
    return [os.path.expanduser(d) for d in value.split(os.pathsep) if d]


def cache_dir(subdir=""):
    return os.path.join(file_utils.flowgrad_home(), "datasets", subdir)


def keras_cache_dir(subdir=""):
    return os.path.join(file_utils.keras_home(), "datasets", subdir)


def is_explicit(path, default):
    """Whether `load_data(path=...)` names a file of the user's rather than a cache name."""
    return path is not None and os.fspath(path) != default and (
        os.path.isabs(os.fspath(path)) or os.path.exists(os.fspath(path)))


def _candidates(res, dirs):
    for d in dirs:
        for name in res.names():
            yield os.path.join(d, res.subdir, name) if res.subdir else os.path.join(d, name)
            if res.subdir:
                yield os.path.join(d, name)


def locate(res, path=None, default=None):
    """The local path of a resource, downloading it if needed.

    Returns:
        `(path, verified_by_hash)`; callers check the content of files not verified by hash.
    """
    default = res.fname if default is None else default
    if path is not None and is_explicit(path, default):
        p = os.path.expanduser(os.fspath(path))
        if os.path.exists(p):
            return p, False
        return _download_or_explain(res, target=p), True
    for p in _candidates(res, env_dirs()):
        if os.path.isfile(p):
            return p, False
    cache_names = (res,)
    if path is not None and os.fspath(path) != res.fname:
        cache_names = (Resource(os.fspath(path), res.origin, res.file_hash, res.subdir,
                                loader=res.loader),)
    for r in cache_names:
        for d in (cache_dir(), keras_cache_dir()):
            for p in _candidates(r, [d]):
                if os.path.isfile(p) and (r.file_hash is None or file_utils.validate_file(
                        p, r.file_hash)):
                    return p, r.file_hash is not None
    return _download_or_explain(cache_names[0]), True


def _download_or_explain(res, target=None):
    fname = target if target is not None else res.fname
    try:
        return file_utils.get_file(fname, origin=res.origin, file_hash=res.file_hash,
                                   cache_subdir=os.path.join("datasets", res.subdir)
                                   if res.subdir else "datasets")
    except Exception as e:
        raise FileNotFoundError(missing_message(res, e, target)) from e


def missing_message(res, error=None, target=None):
    where = target or os.path.join(cache_dir(res.subdir), res.fname)
    check = f"verified by sha256 {res.file_hash}" if res.file_hash and len(
        res.file_hash) == 64 else (f"verified by md5 {res.file_hash}" if res.file_hash else
                                   "checked by content")
    reason = f" ({type(error).__name__}: {error})" if error is not None else ""
    env = os.environ.get(ENV_DIR)
    env_note = f" (currently {env!r})" if env else ""
    sub = f"{res.subdir}/" if res.subdir else ""
    return (f"{res.fname} is not available locally and could not be downloaded from "
            f"{res.origin}{reason}. To use it offline, do one of:\n"
            f"  * put the file at {where} ({check});\n"
            f"  * set the environment variable {ENV_DIR}{env_note} to a directory holding "
            f"{sub}{res.fname} (checked by content, not by hash)"
            + (f";\n  * or pass its path: {res.loader}(path=\"/path/to/{res.fname}\")."
               if res.loader else "."))


# -- NumPy archives with pickled (ragged) arrays, loaded without arbitrary code ------------------
_RECONSTRUCT = np.zeros(1).__reduce__()[0]
_SCALAR = np.float64(1).__reduce__()[0]


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles NumPy arrays and plain Python containers only (no other globals), so a
    tampered file cannot run code."""

    _ALLOWED = {  # noqa: RUF012 - read only
        ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
        ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
        ("numpy.core.multiarray", "scalar"): _SCALAR,
        ("numpy._core.multiarray", "scalar"): _SCALAR,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
    }

    def find_class(self, module, name):
        fn = self._ALLOWED.get((module, name))
        if fn is not None:
            return fn
        if (module, name) == ("_codecs", "encode"):
            import codecs
            return codecs.encode
        raise pickle.UnpicklingError(f"Refusing to load {module}.{name} from a dataset file: "
                                     "only NumPy arrays are allowed.")


def load_npz(path):
    """The arrays of an .npz file as a dict; object arrays are unpickled restrictedly."""
    import zipfile
    out = {}
    with zipfile.ZipFile(path) as z:
        for member in z.namelist():
            if not member.endswith(".npy"):
                continue
            with z.open(member) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                if dtype.hasobject:
                    arr = RestrictedUnpickler(f, encoding="latin1").load()
                    if not isinstance(arr, np.ndarray):
                        arr = np.asarray(arr, dtype=object)
                else:
                    data = f.read()
                    arr = np.frombuffer(data, dtype, count=int(np.prod(shape)) if shape else 1)
                    arr = arr.reshape(shape, order="F" if fortran else "C").copy()
            out[member[:-4]] = arr
    return out


def check_arrays(path, arrays, expected):
    """Raises ValueError when `arrays` lack a key or have another shape / dtype than
    `expected` (`{key: (shape with None for any size, dtype or None)}`)."""
    for key, (shape, dtype) in expected.items():
        if key not in arrays:
            raise ValueError(f"{path} is not a valid dataset file: it has no array {key!r} "
                             f"(found {sorted(arrays)}).")
        a = arrays[key]
        if len(a.shape) != len(shape) or any(s is not None and s != d
                                             for s, d in zip(shape, a.shape)):
            raise ValueError(f"{path} is not a valid dataset file: {key!r} has shape "
                             f"{a.shape}, expected {shape}.")
        if dtype is not None and a.dtype != np.dtype(dtype):
            raise ValueError(f"{path} is not a valid dataset file: {key!r} has dtype "
                             f"{a.dtype}, expected {np.dtype(dtype)}.")


def ragged_object_array(seqs):
    """A 1-D object array holding one Python list per sequence."""
    out = np.empty(len(seqs), dtype=object)
    for i, s in enumerate(seqs):
        out[i] = s
    return out
