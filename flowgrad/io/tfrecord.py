"""TFRecord files: `TFRecordWriter`, `TFRecordOptions` and the record reader behind
`tf.data.TFRecordDataset`.

Each record is framed as

    uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data |
    uint32 masked_crc32c(data)

with `masked(c) = ((c >> 15) | (c << 17)) + 0xa282ead8 (mod 2**32)`. Files may be compressed
as a whole with GZIP or ZLIB. Checksums are computed in batches (`_crc32c.crc32c_many`): the
writer buffers records until `flush()` / `close()` (or a few megabytes), the reader verifies a
chunk of records at a time.
"""

import gzip
import io
import os
import struct
import zlib

import numpy as np

from .. import errors
from ._crc32c import crc32c_many, mask, mask_many

_HEADER = struct.Struct("<QI")
_FOOTER = struct.Struct("<I")
_COMPRESSIONS = {None: "", "": "", "NONE": "", "GZIP": "GZIP", "ZLIB": "ZLIB"}
_COMPRESSION_NAMES = {0: "", 1: "ZLIB", 2: "GZIP"}


class TFRecordCompressionType:
    """The compression of a TFRecord file (`tf.io.TFRecordCompressionType`)."""
    NONE = 0
    ZLIB = 1
    GZIP = 2


def _compression_name(value):
    if isinstance(value, TFRecordOptions):
        return value.compression_type
    if isinstance(value, int) and not isinstance(value, bool):
        return _COMPRESSION_NAMES.get(value)
    if isinstance(value, bytes):
        value = value.decode()
    key = value.upper() if isinstance(value, str) else value
    if key not in _COMPRESSIONS:
        raise ValueError(f"Unsupported TFRecord compression_type {value!r}; expected None, '', "
                         "'ZLIB' or 'GZIP'.")
    return _COMPRESSIONS[key]


class TFRecordOptions:
    """Options of a TFRecord file (`tf.io.TFRecordOptions`): its compression.

    Args:
        compression_type: None / "" (none), "ZLIB" or "GZIP".
        compression_level: 0-9 for ZLIB / GZIP (default 6 for ZLIB, 9 for GZIP as gzip does).
    """

    compression_type_map = _COMPRESSION_NAMES

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None,
                 output_buffer_size=None, window_bits=None, compression_level=None,
                 compression_method=None, mem_level=None, compression_strategy=None):
        self.compression_type = _compression_name(compression_type)
        self.compression_level = compression_level

    @classmethod
    def get_compression_type_string(cls, options):
        if options is None:
            return ""
        return _compression_name(options)


# -- writing ---------------------------------------------------------------------------------------
class _ZlibWriter(io.RawIOBase):
    def __init__(self, raw, level):
        self._raw = raw
        self._z = zlib.compressobj(6 if level is None else level)

    def writable(self):
        return True

    def write(self, b):
        self._raw.write(self._z.compress(bytes(b)))
        return len(b)

    def flush(self):
        if self._z is not None:
            self._raw.write(self._z.flush(zlib.Z_SYNC_FLUSH))
            self._raw.flush()

    def close(self):
        if self._z is not None:
            self._raw.write(self._z.flush())
            self._z = None
            self._raw.close()
        super().close()


def _open_for_write(path, compression, level):
    path = os.fspath(path)
    if compression == "GZIP":
        return gzip.open(path, "wb", compresslevel=9 if level is None else level)
    raw = open(path, "wb")  # noqa: SIM115 - closed by the writer
    if compression == "ZLIB":
        return _ZlibWriter(raw, level)
    return raw


class TFRecordWriter:
    """Writes records (bytes) to a TFRecord file (`tf.io.TFRecordWriter`).

    Args:
        path: the file to create.
        options: a `TFRecordOptions` or a compression type string ("", "ZLIB", "GZIP").

    Example:
        >>> import os, tempfile, flowgrad as tf
        >>> path = os.path.join(tempfile.mkdtemp(), "a.tfrecord")
        >>> with tf.io.TFRecordWriter(path) as w:
        ...     w.write(b"hello")
        >>> [r.numpy() for r in tf.data.TFRecordDataset(path)]
        [b'hello']
    """

    _FLUSH_BYTES = 4 << 20

    def __init__(self, path, options=None):
        compression = _compression_name(options) if options is not None else ""
        level = options.compression_level if isinstance(options, TFRecordOptions) else None
        try:
            self._file = _open_for_write(path, compression, level)
        except OSError as e:
            raise errors.NotFoundError(None, None, f"{path}; {e.strerror}") from None
        self._pending = []
        self._pending_bytes = 0
        self._closed = False

    def write(self, record):
        """Appends one record (bytes, or a scalar string tensor)."""
        if self._closed:
            raise errors.FailedPreconditionError(None, None, "TFRecordWriter is closed.")
        record = _as_bytes(record)
        self._pending.append(record)
        self._pending_bytes += len(record) + 16
        if self._pending_bytes >= self._FLUSH_BYTES or len(self._pending) >= 65536:
            self._write_pending()

    def _write_pending(self):
        records = self._pending
        if not records:
            return
        self._pending, self._pending_bytes = [], 0
        lengths = [struct.pack("<Q", len(r)) for r in records]
        len_crcs = mask_many(crc32c_many(lengths))
        data_crcs = mask_many(crc32c_many(records))
        parts = []
        for r, lc, dc in zip(records, len_crcs.tolist(), data_crcs.tolist()):
            parts.append(_HEADER.pack(len(r), lc))
            parts.append(r)
            parts.append(_FOOTER.pack(dc))
        self._file.write(b"".join(parts))

    def flush(self):
        """Writes the buffered records to the file."""
        if not self._closed:
            self._write_pending()
            self._file.flush()

    def close(self):
        """Flushes and closes the file."""
        if not self._closed:
            self._write_pending()
            self._file.close()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001, S110 - interpreter shutdown
            pass


def to_bytes(value):
    """bytes from bytes-likes, str (UTF-8) and scalar string tensors / arrays; None otherwise."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return None


def _as_bytes(value):
    b = to_bytes(value)
    if b is None:
        raise TypeError(f"A TFRecord record must be bytes (or a scalar string tensor); got "
                        f"{type(value).__name__}.")
    return b


# -- reading ---------------------------------------------------------------------------------------
class _ZlibReader(io.RawIOBase):
    def __init__(self, raw):
        self._raw = raw
        self._z = zlib.decompressobj()
        self._buf = b""

    def readable(self):
        return True

    def read(self, n=-1):
        while (n < 0 or len(self._buf) < n) and not self._z.eof:
            chunk = self._raw.read(1 << 20)
            if not chunk:
                self._buf += self._z.flush()
                break
            self._buf += self._z.decompress(chunk)
        if n < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:n], self._buf[n:]
        return out

    def close(self):
        self._raw.close()
        super().close()


def _open_for_read(path, compression):
    path = os.fspath(path)
    try:
        if compression == "GZIP":
            return gzip.open(path, "rb")
        raw = open(path, "rb")  # noqa: SIM115 - closed by the reader
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    if compression == "ZLIB":
        return _ZlibReader(raw)
    return raw


def read_records(path, compression_type=None, chunk_size=8 << 20):
    """Yields the records (bytes) of a TFRecord file, verifying both checksums of each.

    Raises:
        DataLossError: a truncated record or a checksum mismatch (with the file offset).
    """
    compression = _compression_name(compression_type)
    f = _open_for_read(path, compression)
    try:
        buf = b""
        base = 0            # file offset of buf[0]
        eof = False
        while True:
            if not eof:
                more = f.read(chunk_size)
                if not more:
                    eof = True
                buf = buf + more if buf else more
            records, consumed = _parse(buf, base, path)
            yield from records
            buf = buf[consumed:]
            base += consumed
            if eof:
                if buf:
                    raise errors.DataLossError(
                        None, None, f"truncated record at {base} in {os.fspath(path)}: the file "
                        f"ends {len(buf)} bytes into a record.")
                return
            if not records and len(buf) >= _HEADER.size:
                need = _HEADER.unpack_from(buf, 0)[0] + 16
                while len(buf) < need:
                    more = f.read(max(chunk_size, need - len(buf)))
                    if not more:
                        eof = True
                        break
                    buf += more
    finally:
        f.close()


def _parse(buf, base, path):
    """Splits the complete records at the start of buf and checks their CRCs; returns
    (records, bytes consumed)."""
    pos = 0
    n = len(buf)
    offsets, lens, len_crcs, data_crcs = [], [], [], []
    unpack_header, unpack_footer = _HEADER.unpack_from, _FOOTER.unpack_from
    while pos + 12 <= n:
        length, lcrc = unpack_header(buf, pos)
        end = pos + 12 + length + 4
        if end > n:
            if mask(crc32c_many([buf[pos:pos + 8]])[0]) != lcrc:
                raise errors.DataLossError(
                    None, None, f"corrupted record at {base + pos} in {os.fspath(path)}: the "
                    "length's checksum does not match.")
            break
        offsets.append(pos)
        lens.append(length)
        len_crcs.append(lcrc)
        data_crcs.append(unpack_footer(buf, end - 4)[0])
        pos = end
    if not offsets:
        return [], 0
    view = memoryview(buf)
    headers = [bytes(view[o:o + 8]) for o in offsets]
    records = [bytes(view[o + 12:o + 12 + ln]) for o, ln in zip(offsets, lens)]
    got = mask_many(crc32c_many(headers))
    bad = np.nonzero(got != np.asarray(len_crcs, np.uint32))[0]
    if bad.size:
        off = base + offsets[int(bad[0])]
        raise errors.DataLossError(None, None, f"corrupted record at {off} in "
                                   f"{os.fspath(path)}: the length's checksum does not match.")
    got = mask_many(crc32c_many(records))
    bad = np.nonzero(got != np.asarray(data_crcs, np.uint32))[0]
    if bad.size:
        off = base + offsets[int(bad[0])]
        raise errors.DataLossError(None, None, f"corrupted record at {off} in "
                                   f"{os.fspath(path)}: the data's checksum does not match.")
    return records, pos


def tf_record_iterator(path, options=None):
    """Yields the records of a TFRecord file (`tf.compat.v1.io.tf_record_iterator`)."""
    return read_records(path, options)


__all__ = [
    "TFRecordCompressionType",
    "TFRecordOptions",
    "TFRecordWriter",
    "mask",
    "read_records",
    "tf_record_iterator",
]
