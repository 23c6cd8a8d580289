"""`tf.io.gfile`: file helpers over the local file system (TensorFlow's names and errors)."""

import glob as _glob
import os
import shutil

from ..errors import AlreadyExistsError, NotFoundError

__all__ = [
    "GFile",
    "copy",
    "exists",
    "get_registered_schemes",
    "glob",
    "isdir",
    "join",
    "listdir",
    "makedirs",
    "mkdir",
    "remove",
    "rename",
    "rmtree",
    "stat",
    "walk",
]


class GFile:
    """A file object (`tf.io.gfile.GFile`): `open()` with TensorFlow's NotFoundError."""

    def __init__(self, name, mode="r"):
        try:
            self._f = open(os.fspath(name), mode)  # noqa: SIM115 - a file wrapper
        except FileNotFoundError:
            raise NotFoundError(None, None, f"{name}; No such file or directory") from None
        self.name = os.fspath(name)
        self.mode = mode

    def __getattr__(self, attr):
        return getattr(self._f, attr)

    def __iter__(self):
        return iter(self._f)

    def size(self):
        return os.path.getsize(self.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()
        return False


Open = GFile


def exists(path):
    return os.path.exists(os.fspath(path))


def glob(pattern):
    if isinstance(pattern, (list, tuple)):
        out = []
        for p in pattern:
            out.extend(glob(p))
        return out
    return sorted(_glob.glob(os.fspath(pattern)))


def isdir(path):
    return os.path.isdir(os.fspath(path))


def listdir(path):
    if not os.path.isdir(os.fspath(path)):
        raise NotFoundError(None, None, f"Could not find directory {path}")
    return sorted(os.listdir(os.fspath(path)))


def makedirs(path):
    os.makedirs(os.fspath(path), exist_ok=True)


def mkdir(path):
    try:
        os.mkdir(os.fspath(path))
    except FileExistsError:
        raise AlreadyExistsError(None, None, f"{path}; File exists") from None


def remove(path):
    try:
        os.remove(os.fspath(path))
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None


def rename(src, dst, overwrite=False):
    if not overwrite and os.path.exists(os.fspath(dst)):
        raise AlreadyExistsError(None, None, f"{dst}; File exists")
    os.replace(os.fspath(src), os.fspath(dst))


def rmtree(path):
    if not os.path.exists(os.fspath(path)):
        raise NotFoundError(None, None, f"{path}; No such file or directory")
    shutil.rmtree(os.fspath(path))


def copy(src, dst, overwrite=False):
    if not overwrite and os.path.exists(os.fspath(dst)):
        raise AlreadyExistsError(None, None, f"{dst}; File exists")
    shutil.copyfile(os.fspath(src), os.fspath(dst))


class _Stat:
    def __init__(self, st, is_dir):
        self.length = st.st_size
        self.mtime_nsec = st.st_mtime_ns
        self.is_directory = is_dir


def stat(path):
    try:
        st = os.stat(os.fspath(path))
    except FileNotFoundError:
        raise NotFoundError(None, None, f"{path}; No such file or directory") from None
    return _Stat(st, os.path.isdir(os.fspath(path)))


def walk(top, topdown=True, onerror=None):
    return os.walk(os.fspath(top), topdown=topdown, onerror=onerror)


def join(path, *paths):
    return os.path.join(os.fspath(path), *[os.fspath(p) for p in paths])


def get_registered_schemes():
    return ["file", ""]
