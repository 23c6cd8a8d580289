"""`tf.print`: prints tensors when the op runs (at call time inside a `flowgrad.function`,
unlike Python's `print`, which runs once while tracing)."""

import sys

import numpy as np

from ..core.context import ctx
from ..core.tensor import Tensor
from ._common import to_tensor


def _fmt_scalar(x):
    if isinstance(x, (bytes, np.bytes_)):
        return x.decode("utf-8", "replace")
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x)).lower() if False else str(int(bool(x)))
    if isinstance(x, (float, np.floating)):
        return "%g" % x
    if isinstance(x, (complex, np.complexfloating)):
        return "(%g,%g)" % (x.real, x.imag)
    return str(x)


def format_for_print(array, summarize=3):
    """Formats an array as `tf.print` does: `[1 2.5]`, nested brackets per dimension, and at most
    `summarize` leading and trailing entries per dimension with `...` between (-1: all)."""
    a = np.asarray(array)
    if a.ndim == 0:
        return _fmt_scalar(a[()])

    def rec(x, depth):
        n = x.shape[0]
        if summarize is not None and summarize >= 0 and n > 2 * summarize:
            idx = list(range(summarize)) + [None] + list(range(n - summarize, n))
        else:
            idx = list(range(n))
        if x.ndim == 1:
            return "[" + " ".join("..." if i is None else _fmt_scalar(x[i]) for i in idx) + "]"
        sep = "\n" + " " * (depth + 1)
        return "[" + sep.join("..." if i is None else rec(x[i], depth + 1) for i in idx) + "]"
    return rec(a, 0)


def print_(*inputs, output_stream=None, summarize=3, sep=" ", end="\n", name=None):
    """Prints the inputs (tensors and Python values) separated by `sep` (`tf.print`).

    Output goes to stderr by default, as in TensorFlow; pass `output_stream=sys.stdout` to
    print to stdout. Inside a `flowgrad.function` it prints every time the function runs.
    """
    stream = output_stream if output_stream is not None else (lambda: sys.stderr)
    if isinstance(stream, str):
        if stream.startswith("file://"):
            path = stream[len("file://"):]
            stream = _FileStream(path)
        else:
            raise ValueError(f"tf.print: unsupported output_stream {stream!r}; pass a file object "
                             "such as sys.stdout or a 'file://path' string.")
    template, tensors = [], []
    for x in inputs:
        if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
            template.append(None)
            tensors.append(to_tensor(x))
        elif isinstance(x, str):
            template.append(x)
        else:
            template.append(_python_str(x))
    g = ctx.graph
    if g is not None:
        g.print_(tensors, {"template": template, "sep": sep, "end": end,
                           "output_stream": stream, "summarize": summarize})
        return None
    it = iter(tensors)
    parts = [p if p is not None else format_for_print(next(it)._value, summarize)
             for p in template]
    out = stream() if callable(stream) and not hasattr(stream, "write") else stream
    print(sep.join(parts), end=end, file=out)
    return None


def _python_str(x):
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_python_str(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{_python_str(k)}: {_python_str(v)}" for k, v in x.items()) + "}"
    if isinstance(x, Tensor):
        return format_for_print(x._value)
    return str(x)


class _FileStream:
    def __init__(self, path):
        self.path = path

    def write(self, text):
        with open(self.path, "a") as f:
            f.write(text)

    def flush(self):
        pass
