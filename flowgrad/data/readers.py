"""File readers: `TFRecordDataset`, `TextLineDataset`, `FixedLengthRecordDataset`.

Each takes one file name, a list of them, or a dataset of them (e.g. `Dataset.list_files`);
files are read one after another, or `num_parallel_reads` at a time, interleaved record by
record (deterministically, as TensorFlow does by default).
"""

import os

import numpy as np

from .. import dtypes as _dtypes
from ..errors import InvalidArgumentError, NotFoundError
from ..graph.function import TensorSpec
from .dataset_ops import AUTOTUNE, UNKNOWN, DatasetV2, TensorSliceDataset, _int


def _filenames_dataset(filenames):
    if isinstance(filenames, DatasetV2):
        spec = filenames.element_spec
        if not isinstance(spec, TensorSpec) or spec.dtype.name != "string" or \
                spec.shape.rank not in (0, None):
            raise TypeError("`filenames` must be a dataset of scalar strings; got element_spec "
                            f"{spec}.")
        return filenames
    value = filenames
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, (str, bytes, os.PathLike)):
        value = [value]
    if isinstance(value, np.ndarray):
        value = value.reshape(-1).tolist()
    names = []
    for v in value:
        if hasattr(v, "numpy"):
            v = v.numpy()
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        names.append(os.fspath(v))
    if not names:
        raise InvalidArgumentError(None, None, "`filenames` must not be empty.")
    return TensorSliceDataset(np.array([n.encode("utf-8") for n in names], dtype=object))


def _name(el):
    v = el[()] if isinstance(el, np.ndarray) else el
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


class _FileDataset(DatasetV2):
    def __init__(self, filenames, num_parallel_reads):
        files = _filenames_dataset(filenames)
        super().__init__((files,))
        self._files = files
        n = None if num_parallel_reads is None else _int(num_parallel_reads,
                                                         "num_parallel_reads")
        if n == AUTOTUNE:
            n = os.cpu_count() or 1
        self._parallel = n if n and n > 1 else 1

    def _compute_spec(self):
        return TensorSpec([], _dtypes.string)

    def _card(self):
        return UNKNOWN

    def _records(self, path):
        raise NotImplementedError

    def _file_iter(self, path):
        for r in self._records(path):
            yield np.array(r, dtype=object)

    def _iterate(self):
        names = (_name(el) for el in self._files._iterate())
        if self._parallel == 1:
            for path in names:
                yield from self._file_iter(path)
            return
        slots = [None] * self._parallel
        done = False
        idx = 0
        while True:
            if slots[idx] is None and not done:
                path = next(names, None)
                if path is None:
                    done = True
                else:
                    slots[idx] = self._file_iter(path)
            it = slots[idx]
            if it is not None:
                v = next(it, None)
                if v is None:
                    slots[idx] = None
                else:
                    yield v
            if done and all(s is None for s in slots):
                return
            idx = (idx + 1) % self._parallel


class TFRecordDataset(_FileDataset):
    """The records of TFRecord files, as scalar strings (`tf.data.TFRecordDataset`).

    Args:
        filenames: a file name, a list of them, or a dataset of them.
        compression_type: None / "" , "ZLIB" or "GZIP".
        buffer_size: accepted (reads are buffered in chunks of a few MB).
        num_parallel_reads: files read at a time, interleaved record by record.
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, num_parallel_reads)
        from ..io.tfrecord import _compression_name
        self._compression = _compression_name(compression_type)

    def _records(self, path):
        from ..io.tfrecord import read_records
        return read_records(path, self._compression)


class TextLineDataset(_FileDataset):
    """The lines of text files, without their line endings (`tf.data.TextLineDataset`)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None):
        super().__init__(filenames, num_parallel_reads)
        from ..io.tfrecord import _compression_name
        self._compression = _compression_name(compression_type)

    def _records(self, path):
        import gzip
        import zlib
        try:
            if self._compression == "GZIP":
                with gzip.open(path, "rb") as f:
                    data = f.read()
            else:
                with open(path, "rb") as f:
                    data = f.read()
                if self._compression == "ZLIB":
                    data = zlib.decompress(data)
        except FileNotFoundError:
            raise NotFoundError(None, None, f"{path}; No such file or directory") from None
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for line in lines:
            yield line[:-1] if line.endswith(b"\r") else line


class FixedLengthRecordDataset(_FileDataset):
    """Fixed-size records of binary files, after a header and before a footer
    (`tf.data.FixedLengthRecordDataset`)."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None, name=None):
        super().__init__(filenames, num_parallel_reads)
        self._record = _int(record_bytes, "record_bytes")
        self._header = _int(header_bytes or 0, "header_bytes")
        self._footer = _int(footer_bytes or 0, "footer_bytes")
        from ..io.tfrecord import _compression_name
        self._compression = _compression_name(compression_type)
        if self._record <= 0:
            raise InvalidArgumentError(None, None, "record_bytes must be positive.")

    def _records(self, path):
        import gzip
        import zlib
        try:
            if self._compression == "GZIP":
                with gzip.open(path, "rb") as f:
                    data = f.read()
            else:
                with open(path, "rb") as f:
                    data = f.read()
                if self._compression == "ZLIB":
                    data = zlib.decompress(data)
        except FileNotFoundError:
            raise NotFoundError(None, None, f"{path}; No such file or directory") from None
        body = data[self._header:len(data) - self._footer]
        if len(body) % self._record:
            raise InvalidArgumentError(
                None, None, f"Excluding the header ({self._header} bytes) and footer "
                f"({self._footer} bytes), input file \"{path}\" has body length {len(body)}, "
                f"which is not an exact multiple of the record length ({self._record} bytes).")
        for i in range(0, len(body), self._record):
            yield body[i:i + self._record]
