"""`tf.summary`: writes TensorBoard event files.

    writer = tf.summary.create_file_writer("logs/run1")
    with writer.as_default():
        for step in range(100):
            tf.summary.scalar("loss", loss, step=step)

Summaries go to the default writer (`writer.as_default()` / `writer.set_as_default()`); with none
they are not written and return False. A step comes from the `step` argument or the default step
(`tf.summary.experimental.set_step`, `as_default(step=...)`); with neither, writing raises
ValueError. Values use TensorBoard's v2 (tensor + plugin metadata) forms. The protobuf messages
come from the optional `tensorboard` package (`pip install flowgrad[tensorboard]`); without it
`create_file_writer` raises ImportError. See docs/tensorboard.md.

Summaries are written eagerly: calling a summary op while a `flowgrad.function` is being traced
raises NotImplementedError (there is no summary op in the graph).
"""

import atexit
import contextlib
import threading
import time
import types
import weakref

import numpy as np

from . import _encode
from ._protos import P, require
from ._writer import EventFileWriter

__all__ = ["SummaryWriter", "audio", "create_file_writer", "create_noop_writer", "experimental",
           "flush", "graph", "histogram", "image", "record_if", "scalar",
           "should_record_summaries", "text", "trace_export", "trace_off", "trace_on", "write"]


class _State(threading.local):
    def __init__(self):
        self.writer = None        # the default writer of this thread
        self.step = None          # the default step
        self.record = True        # bool or callable (record_if)


_state = _State()
_open_writers = weakref.WeakSet()


# -- writers --------------------------------------------------------------------------------
class SummaryWriter:
    """Writes summaries to one event file (`create_file_writer`)."""

    def __init__(self, logdir, max_queue=10, flush_millis=120000, filename_suffix=""):
        self._logdir = str(logdir)
        self._args = (max_queue, flush_millis, filename_suffix)
        self._events = None
        self.init()
        _open_writers.add(self)

    def init(self):
        """Opens the event file (done on creation; again after `close`)."""
        if self._events is None or self._events.closed:
            self._events = EventFileWriter(self._logdir, *self._args)

    @property
    def logdir(self):
        return self._logdir

    @property
    def path(self):
        """The event file being written."""
        return self._events.path

    def set_as_default(self, step=None):
        """Makes this the default writer (and `step` the default step, if given)."""
        _state.writer = self
        if step is not None:
            _state.step = step

    @contextlib.contextmanager
    def as_default(self, step=None):
        """A context in which this is the default writer; flushes on exit."""
        old_writer, old_step = _state.writer, _state.step
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            self.flush()
            _state.writer = old_writer
            if step is not None:
                _state.step = old_step

    def _add_event(self, event):
        self.init()
        self._events.add_event(event)

    def flush(self):
        if self._events is not None:
            self._events.flush()

    def close(self):
        if self._events is not None:
            self._events.close()

    def __repr__(self):
        return f"<SummaryWriter logdir={self._logdir!r}>"


class _NoopWriter:
    """A writer that drops everything (`create_noop_writer`)."""

    def set_as_default(self, step=None):
        _state.writer = self
        if step is not None:
            _state.step = step

    @contextlib.contextmanager
    def as_default(self, step=None):
        old_writer, old_step = _state.writer, _state.step
        _state.writer = self
        if step is not None:
            _state.step = step
        try:
            yield self
        finally:
            _state.writer = old_writer
            if step is not None:
                _state.step = old_step

    def init(self):
        pass

    def flush(self):
        pass

    def close(self):
        pass


def create_file_writer(logdir, max_queue=None, flush_millis=None, filename_suffix=None,
                       name=None, experimental_trackable=False, experimental_mesh=None):
    """A `SummaryWriter` appending to a new event file in `logdir` (created if needed).

    Args:
        logdir: the run directory.
        max_queue: events buffered before a write (default 10).
        flush_millis: the longest time between flushes, checked on each event (default 120000).
        filename_suffix: appended to the event file's name.

    Raises:
        ImportError: the `tensorboard` package (its protobuf messages) is not installed.
    """
    require()
    return SummaryWriter(logdir, 10 if max_queue is None else max_queue,
                         120000 if flush_millis is None else flush_millis,
                         filename_suffix or "")


def create_noop_writer():
    """A writer that records nothing."""
    return _NoopWriter()


def flush(writer=None, name=None):
    """Flushes `writer` (default: the default writer)."""
    w = writer if writer is not None else _state.writer
    if w is not None:
        w.flush()


@atexit.register
def _flush_all():  # pragma: no cover - runs at interpreter exit
    for w in list(_open_writers):
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            w.flush()


# -- recording conditions and steps ----------------------------------------------------------
@contextlib.contextmanager
def record_if(condition):
    """A context in which summaries are recorded only if `condition` (a bool, a boolean
    tensor, or a callable returning one) is true."""
    old = _state.record
    _state.record = condition
    try:
        yield
    finally:
        _state.record = old


def _truth(value):
    if callable(value):
        value = value()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return bool(np.asarray(value))


def should_record_summaries():
    """Whether a summary written now would be recorded (a default writer and record_if)."""
    w = _state.writer
    return w is not None and not isinstance(w, _NoopWriter) and _truth(_state.record)


def _get_step():
    return _state.step


def _set_step(step):
    _state.step = step


def _resolve_step(step):
    if step is None:
        step = _state.step
    if step is None:
        raise ValueError("No step set. Please specify one either through the `step` argument "
                         "or through tf.summary.experimental.set_step()")
    if hasattr(step, "numpy"):
        step = step.numpy()
    elif hasattr(step, "read_value"):
        step = step.read_value().numpy()
    return int(np.asarray(step))


def _numpy(value):
    if hasattr(value, "numpy"):
        from ..core.context import ctx
        if ctx.graph is not None:
            raise NotImplementedError(
                "flowgrad.summary writes eagerly: summaries inside a flowgrad.function are not "
                "supported. Return the value from the function and write it outside.")
        return value.numpy()
    return np.asarray(value)


def _check_not_tracing():
    from ..core.context import ctx
    if ctx.graph is not None:
        raise NotImplementedError(
            "flowgrad.summary writes eagerly: summaries inside a flowgrad.function are not "
            "supported. Return the value from the function and write it outside.")


def _write_value(tag, tensor_proto, step, metadata):
    """Writes one Summary.Value to the default writer; returns whether it was written."""
    if not should_record_summaries():
        return False
    step = _resolve_step(step)
    value = P.summary_pb2.Summary.Value(tag=tag, tensor=tensor_proto)
    if metadata is not None:
        value.metadata.CopyFrom(metadata)
    event = P.event_pb2.Event(wall_time=time.time(), step=step,
                              summary=P.summary_pb2.Summary(value=[value]))
    _state.writer._add_event(event)
    return True


def _plugin_metadata(plugin, display_name=None, description=None, **kwargs):
    mod = __import__(f"tensorboard.plugins.{plugin}.metadata", fromlist=["metadata"])
    return mod.create_summary_metadata(display_name=display_name, description=description,
                                       **kwargs)


# -- summary ops ------------------------------------------------------------------------------
def write(tag, tensor, step=None, metadata=None, name=None):
    """Writes `tensor` (a value, or a callable returning one) under `tag` with optional
    `SummaryMetadata` (a proto or its serialized bytes)."""
    _check_not_tracing()
    if not should_record_summaries():
        return False
    require()
    if callable(tensor):
        tensor = tensor()
    arr = _numpy(tensor)
    if isinstance(metadata, (bytes, bytearray)):
        metadata = P.summary_pb2.SummaryMetadata.FromString(bytes(metadata))
    return _write_value(tag, P.tensor_util.make_tensor_proto(arr), step, metadata)


def scalar(name, data, step=None, description=None):
    """Writes a scalar (as a float32 rank-0 tensor, plugin "scalars")."""
    _check_not_tracing()
    if not should_record_summaries():
        return False
    arr = np.asarray(_numpy(data), np.float32)
    if arr.ndim != 0:
        raise ValueError(f"tf.summary.scalar {name!r} needs a scalar; got shape {arr.shape}.")
    md = _plugin_metadata("scalar", description=description)
    return _write_value(name, P.tensor_util.make_tensor_proto(arr), step, md)


def histogram(name, data, step=None, buckets=None, description=None):
    """Writes a histogram of `data` in `buckets` equal-width buckets (default 30) as a float64
    `[buckets, 3]` tensor of (left, right, count), plugin "histograms"."""
    _check_not_tracing()
    if not should_record_summaries():
        return False
    table = _encode.histogram_buckets(_numpy(data), buckets)
    md = _plugin_metadata("histogram", description=description)
    return _write_value(name, P.tensor_util.make_tensor_proto(table), step, md)


def image(name, data, step=None, max_outputs=3, description=None):
    """Writes up to `max_outputs` images of `data` `[k, h, w, c]` (c in 1, 3, 4; floats in
    [0, 1], or uint8) as PNGs: a string tensor `[width, height, png...]`, plugin "images"."""
    _check_not_tracing()
    if not should_record_summaries():
        return False
    arr = _numpy(data)
    if arr.ndim != 4 or arr.shape[-1] not in (1, 3, 4):
        raise ValueError(f"tf.summary.image {name!r} needs a [k, h, w, c] tensor with c in "
                         f"(1, 3, 4); got shape {arr.shape}.")
    k = min(int(max_outputs), arr.shape[0])
    h, w = arr.shape[1], arr.shape[2]
    items = [str(w).encode(), str(h).encode()] + [_encode.encode_png(arr[i]) for i in range(k)]
    md = _plugin_metadata("image", description=description)
    return _write_value(name, P.tensor_util.make_tensor_proto(np.array(items, dtype=object)),
                        step, md)


def text(name, data, step=None, description=None):
    """Writes a string (or a tensor of strings, shown as a table), plugin "text"."""
    _check_not_tracing()
    if not should_record_summaries():
        return False
    arr = _numpy(data)
    flat = [x if isinstance(x, bytes) else str(x).encode() for x in np.asarray(arr).reshape(-1)]
    arr = np.array(flat, dtype=object).reshape(np.shape(arr))
    md = _plugin_metadata("text", description=description)
    return _write_value(name, P.tensor_util.make_tensor_proto(arr), step, md)


def audio(name, data, sample_rate, step=None, max_outputs=3, encoding=None, description=None):
    """Writes up to `max_outputs` clips of `data` `[k, t, c]` (floats in [-1, 1]) as 16-bit WAV:
    a string tensor `[k, 2]` of (wav, label), plugin "audio"."""
    _check_not_tracing()
    if not should_record_summaries():
        return False
    if encoding not in (None, "wav"):
        raise ValueError(f"Unknown audio encoding {encoding!r}; only 'wav' is supported.")
    arr = _numpy(data)
    if arr.ndim != 3:
        raise ValueError(f"tf.summary.audio {name!r} needs a [k, t, c] tensor; got shape "
                         f"{arr.shape}.")
    rate = int(np.asarray(_numpy(sample_rate)))
    k = min(int(max_outputs), arr.shape[0])
    items = np.array([[_encode.encode_wav(arr[i], rate), b""] for i in range(k)],
                     dtype=object).reshape(k, 2)
    from tensorboard.plugins.audio import metadata as audio_md
    md = _plugin_metadata("audio", description=description,
                          encoding=audio_md.Encoding.Value("WAV"))
    return _write_value(name, P.tensor_util.make_tensor_proto(items), step, md)


def _as_graph(graph_data):
    from ..graph.ir import Graph
    if isinstance(graph_data, Graph):
        return graph_data
    g = getattr(graph_data, "graph", None)          # ConcreteFunction
    if isinstance(g, Graph):
        return g
    raise TypeError("tf.summary.graph needs a flowgrad Graph, a ConcreteFunction or a GraphDef; "
                    f"got {type(graph_data).__name__}. For a tf.function, pass "
                    "f.get_concrete_function(...).")


def graph(graph_data, step=None):
    """Writes a graph (a flowgrad `Graph`, a `ConcreteFunction`, or a `GraphDef` proto) to the
    default writer's `Event.graph_def`. Returns whether it was written."""
    _check_not_tracing()
    if not should_record_summaries():
        return False
    require()
    if isinstance(graph_data, P.graph_pb2.GraphDef):
        gd = graph_data
    else:
        gd = _encode.graph_to_graphdef(_as_graph(graph_data))
    event = P.event_pb2.Event(wall_time=time.time(), step=0 if step is None else int(step),
                              graph_def=gd.SerializeToString())
    _state.writer._add_event(event)
    return True


# -- tracing ----------------------------------------------------------------------------------
class _Tracer:
    active = False
    graph = None
    original_call = None


_tracer = _Tracer()


def trace_on(graph=True, profiler=False, profiler_outdir=None):
    """Starts recording the graph of the next `flowgrad.function` call (traced or cached):
    `ConcreteFunction._call_flat` is wrapped until `trace_export` / `trace_off`.
    `profiler` is accepted but there is no profiler: a warning is issued."""
    if profiler:
        import warnings
        warnings.warn("flowgrad has no profiler; trace_on(profiler=True) records the graph "
                      "only.", stacklevel=2)
    if _tracer.active:
        return
    from ..graph import function as _function

    original = _function.ConcreteFunction._call_flat

    def recording_call_flat(self, tensors):
        if graph and _tracer.graph is None:
            _tracer.graph = self.graph
        return original(self, tensors)

    _tracer.original_call = original
    _function.ConcreteFunction._call_flat = recording_call_flat
    _tracer.active = True
    _tracer.graph = None


def trace_off():
    """Stops recording and drops what was recorded."""
    if _tracer.active:
        from ..graph import function as _function
        _function.ConcreteFunction._call_flat = _tracer.original_call
    _tracer.active = False
    _tracer.graph = None


def trace_export(name, step=None, profiler_outdir=None):
    """Writes the graph recorded since `trace_on` to the default writer (as `Event.graph_def`,
    and under the run metadata tag `name`), then stops tracing."""
    try:
        if not _tracer.active:
            import warnings
            warnings.warn("trace_export called without trace_on; nothing to export.",
                          stacklevel=2)
            return False
        g = _tracer.graph
        if g is None or not should_record_summaries():
            return False
        step = _resolve_step(step)
        gd = _encode.graph_to_graphdef(g)
        event = P.event_pb2.Event(wall_time=time.time(), step=step,
                                  graph_def=gd.SerializeToString())
        _state.writer._add_event(event)
        return True
    finally:
        trace_off()


# -- tf.summary.experimental -----------------------------------------------------------------
experimental = types.ModuleType("flowgrad.summary.experimental")
experimental.get_step = _get_step
experimental.set_step = _set_step
experimental.write_raw_pb = None  # replaced below


def _write_raw_pb(tensor, step=None, name=None):
    """Writes serialized `Summary` protos (bytes, or a tensor of bytes) as they are."""
    if not should_record_summaries():
        return False
    require()
    step = _resolve_step(step)
    for blob in np.asarray(_numpy(tensor), dtype=object).reshape(-1):
        summ = P.summary_pb2.Summary.FromString(bytes(blob))
        _state.writer._add_event(P.event_pb2.Event(wall_time=time.time(), step=step,
                                                   summary=summ))
    return True


experimental.write_raw_pb = _write_raw_pb
