"""File plumbing shared by the formats: atomic writes, format sniffing, h5py import."""

import os
import tempfile
import zipfile

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
ZIP_MAGIC = b"PK\x03\x04"


class CorruptFileError(ValueError):
    """A saved file that cannot be read: truncated, corrupt, or not the expected format."""


def require_h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading and writing HDF5 files (.keras, .h5, .weights.h5) needs the "
                          "h5py package: `pip install flowgrad[h5]` (or `pip install h5py`).") \
            from None
    return h5py


def sniff(path):
    """'dir', 'zip', 'hdf5' or None (missing / unknown), from the content, not the name."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return "dir"
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith((ZIP_MAGIC, b"PK\x05\x06")):
        return "zip"
    if head == HDF5_SIGNATURE:
        return "hdf5"
    # HDF5 allows a user block: the signature may sit at 512, 1024, 2048, ...
    size = os.path.getsize(path)
    off = 512
    with open(path, "rb") as f:
        while off + 8 <= size:
            f.seek(off)
            if f.read(8) == HDF5_SIGNATURE:
                return "hdf5"
            off *= 2
    return "unknown"


def atomic_write(path, write):
    """Calls `write(tmp_path)` for a temporary file in `path`'s directory, then `os.replace`s it
    onto `path`; on any failure the temporary file is removed and `path` is left untouched."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def open_h5(path, mode="r"):
    """h5py.File with errors on unreadable files turned into CorruptFileError naming the file."""
    h5py = require_h5py()
    try:
        return h5py.File(path, mode)
    except OSError as e:
        raise CorruptFileError(f"Cannot read HDF5 file {os.fspath(path)!r}: it is truncated or "
                               f"corrupt ({e}).") from None


def open_zip(path):
    try:
        z = zipfile.ZipFile(path, "r")
        bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise CorruptFileError(f"Cannot read the Keras zip archive {os.fspath(path)!r}: it is "
                               f"truncated or corrupt ({e}).") from None
    if bad is not None:
        z.close()
        raise CorruptFileError(f"The Keras zip archive {os.fspath(path)!r} is corrupt: member "
                               f"{bad!r} fails its CRC check.")
    return z
