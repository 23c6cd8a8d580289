"""Event files: TFRecord-framed, serialized `Event` protos.

A record is `uint64 length | uint32 masked_crc32c(length) | data | uint32 masked_crc32c(data)`
(little-endian). The CRC32C code is shared with `flowgrad.io` (`flowgrad/io/_crc32c.py`).
"""

import itertools
import os
import socket
import struct
import threading
import time

from ..io._crc32c import masked_crc32c
from ._protos import require

_FILE_COUNTER = itertools.count()
_COUNTER_LOCK = threading.Lock()


def frame_record(data):
    """One TFRecord-framed record (bytes) holding `data`."""
    data = bytes(data)
    header = struct.pack("<Q", len(data))
    return (header + struct.pack("<I", masked_crc32c(header)) + data
            + struct.pack("<I", masked_crc32c(data)))


def event_file_name(filename_suffix=""):
    """`events.out.tfevents.<unix time>.<host>.<pid>.<n><suffix>`, as TensorFlow names them."""
    with _COUNTER_LOCK:
        n = next(_FILE_COUNTER)
    return (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
            f"{os.getpid()}.{n}{filename_suffix or ''}")


class EventFileWriter:
    """Appends events to one new file in `logdir`; the first event holds the file version.

    Events are buffered: written out when `max_queue` are pending, when `flush_millis` have
    passed since the last flush (checked on each write), and on `flush()` / `close()`.
    """

    def __init__(self, logdir, max_queue=10, flush_millis=120000, filename_suffix=""):
        self._p = require()
        os.makedirs(logdir, exist_ok=True)
        self.logdir = logdir
        self.path = os.path.join(logdir, event_file_name(filename_suffix))
        self._file = open(self.path, "ab")  # noqa: SIM115 (kept open until close)
        self._pending = []
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = float(flush_millis) / 1000.0
        self._last_flush = time.monotonic()
        self._lock = threading.Lock()
        self.closed = False
        first = self._p.event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
        self._pending.append(frame_record(first.SerializeToString()))
        self.flush()

    def add_event(self, event):
        """Queues one `Event` proto (or its serialized bytes)."""
        data = event if isinstance(event, bytes) else event.SerializeToString()
        with self._lock:
            if self.closed:
                raise RuntimeError(f"The summary writer for {self.logdir!r} is closed.")
            self._pending.append(frame_record(data))
            due = (len(self._pending) >= self._max_queue
                   or time.monotonic() - self._last_flush >= self._flush_secs)
        if due:
            self.flush()

    def flush(self):
        with self._lock:
            if self._file is None:
                return
            if self._pending:
                self._file.write(b"".join(self._pending))
                self._pending.clear()
            self._file.flush()
            self._last_flush = time.monotonic()

    def close(self):
        if self.closed:
            return
        self.flush()
        with self._lock:
            self._file.close()
            self._file = None
            self.closed = True
