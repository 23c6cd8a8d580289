"""Per-thread execution state: active tapes and the device scope.

TensorFlow keeps tapes and device scopes per thread (a tf.data producer thread never records
onto the main thread's tape); so does flowgrad.
"""

import contextlib
import threading

from ..backend import DeviceSpec, backend_for, NUMPY


class _Context(threading.local):
    def __init__(self):
        self.tapes = []          # active GradientTapes, innermost last
        self.device_stack = []   # DeviceSpec scopes
        self.backend = NUMPY     # backend of the innermost device scope
        self.graph = None        # the active flowgrad.function Trace, if any


ctx = _Context()


@contextlib.contextmanager
def device(device_name):
    """Places the ops created in the scope on a device, e.g. `with flowgrad.device("/CPU:0"):`.

    A device type with no backend on this machine (a GPU without CuPy) runs on the CPU, as
    TensorFlow's soft device placement does.
    """
    spec = DeviceSpec.from_string(device_name) if device_name else None
    c = ctx
    c.device_stack.append(spec)
    prev = c.backend
    if spec is not None and spec.device_type:
        c.backend = backend_for(spec.device_type)
    try:
        yield spec
    finally:
        c.device_stack.pop()
        c.backend = prev


def executing_eagerly():
    """False while a `flowgrad.function` is being traced (or a compat.v1 graph is the default),
    True otherwise."""
    return ctx.graph is None
