"""User functions of tf.data transformations (`map`, `filter`, `scan`, ...).

As in TensorFlow, a function is traced once for the input's `element_spec` with
`flowgrad.function` (`input_signature` = the flattened element spec, so an unknown batch
dimension gives one shape-polymorphic trace) and the trace runs per element. Tracing is an
optimization only: when it fails (Python-only code such as `.numpy()`, string processing,
NumPy calls on the values), or a later element does not fit the trace, the function runs as
plain Python on eager tensors instead, for good.

Arguments are passed as TensorFlow does: a plain tuple element is unpacked into positional
arguments, anything else (a tensor, a dict, a namedtuple) is one argument.
"""

import contextlib
import threading
import warnings

import numpy as np

from .. import nest
from ..core.tensor import Tensor
from . import _structure

# Retraces tolerated (elements of new shapes that the first trace does not cover) before a
# function switches to eager execution.
_MAX_TRACES = 6


def _call_user(func, args):
    if type(args) is tuple:
        return func(*args)
    return func(args)


class StructuredFunction:
    """A user function of elements: traced when possible, eager otherwise.

    Args:
        func: the Python callable.
        input_spec: a callable returning the structure of TensorSpecs of the arguments (the
            element spec, or `(state_spec, element_spec)` for scan).
        trace: False to always run eagerly (functions returning datasets, for example).
        name: the transformation's name, for messages.
    """

    def __init__(self, func, input_spec, trace=True, name="map"):
        if not callable(func):
            raise TypeError(f"`{name}` expects a callable; got {type(func).__name__}.")
        self._func = func
        self._input_spec = input_spec
        self._name = name
        self._mode = "untraced" if trace else "eager"
        self._lock = threading.Lock()
        self._function = None
        self._concrete = None
        self._structure = None
        self._output_spec = None
        self._ok_shapes = set()
        self._packer = None     # (concrete, function: plan outputs -> output structure)

    # -- tracing ------------------------------------------------------------------------------
    def _make_function(self):
        from ..graph.function import function
        structure = self._input_spec()
        specs = nest.flatten(structure)
        from ..graph.function import TensorSpec
        if not specs or not all(isinstance(s, TensorSpec) for s in specs):
            return None
        func = self._func
        # AutoGraph converts Python control flow on tensors; a lambda has none (and its source
        # line often cannot be parsed alone, e.g. inside a chain of calls)
        if getattr(func, "__name__", "") != "<lambda>" and _has_source(func):
            try:
                from .. import autograph
                func = autograph.convert(func)
            except Exception:  # noqa: BLE001, S110 - run as written
                pass
        self._structure = structure

        def flat_function(*leaves):
            return _call_user(func, nest.pack_sequence_as(structure, list(leaves)))
        flat_function.__name__ = getattr(self._func, "__name__", self._name)
        return function(flat_function, input_signature=specs, autograph=False)

    def _trace(self, leaves):
        """Traces with the given example leaves (arrays) or with the spec's zeros (None);
        returns the outputs for the example, or None when tracing is not possible."""
        from ..graph.function import RetracingWarning
        try:
            fn = self._make_function()
            if fn is None:
                self._mode = "eager"
                return None
            with _quiet(RetracingWarning):
                if leaves is None:
                    concrete = fn.get_concrete_function()
                    out = None
                else:
                    tensors = [_wrap(a) for a in leaves]
                    out = fn(*tensors)
                    concrete = fn.get_concrete_function(*tensors)
        except Exception:  # noqa: BLE001 - untraceable: plain Python from now on
            self._mode = "eager"
            return None
        self._function = fn
        self._concrete = concrete
        self._mode = "traced"
        _relax_probed_dims(concrete, leaves)
        self._output_spec = self._spec_from_concrete(concrete)
        return out

    def _spec_from_concrete(self, concrete):
        from ..graph.function import TensorSpec
        outs = concrete.structured_outputs

        def leaf(x):
            if isinstance(x, TensorSpec):
                if concrete.polymorphic is False:
                    return TensorSpec(None if x.shape.rank is None else [None] * x.shape.rank,
                                      x.dtype)
                return x
            return _structure.spec_of_array(_structure.to_array(x))
        return nest.map_structure(leaf, _lists_to_tuples(outs))

    # -- calling ------------------------------------------------------------------------------
    def __call__(self, args):
        """Calls the function on an argument structure of arrays; returns the output
        structure of arrays (lists become tuples)."""
        mode = self._mode
        if mode == "traced":
            leaves = _structure.flatten(args)
            concrete = self._concrete
            shapes = tuple([a.shape for a in leaves])
            ok = self._ok_shapes
            if shapes not in ok and concrete.polymorphic is not False and _fits(
                    leaves, concrete._input_specs):
                ok.add(shapes)
            if shapes in ok or shapes == concrete.example_shapes:
                try:
                    return self._run_plan(concrete, leaves)
                except Exception:  # noqa: BLE001 - rerun eagerly (raises the user's error)
                    return self._eager_fallback(args)
            return self._retrace_call(args, leaves)
        if mode == "untraced":
            with self._lock:
                if self._mode == "untraced":
                    out = self._trace(_structure.flatten(args))
                    if self._mode == "traced" and out is not None:
                        return _structure.normalize_output(out)
            return self(args)
        return self._eager(args)

    def _run_plan(self, concrete, leaves):
        """Runs the trace's compiled plan on the NumPy leaves and builds the output structure
        of arrays directly: no Tensors made and unwrapped per element, and no tape recording
        (as in TF, where tf.data functions are never recorded by a GradientTape)."""
        packer = self._packer
        if packer is None or packer[0] is not concrete:
            packer = self._packer = (concrete, _output_packer(concrete._out_template))
        return packer[1](concrete._plan(*leaves))

    def _retrace_call(self, args, leaves):
        from ..graph.function import RetracingWarning
        fn = self._function
        if fn.experimental_get_tracing_count() >= _MAX_TRACES or not _fits(
                leaves, self._concrete._input_specs):
            return self._eager_fallback(args)
        try:
            with _quiet(RetracingWarning):
                out = fn(*[_wrap(a) for a in leaves])
        except Exception:  # noqa: BLE001
            return self._eager_fallback(args)
        return _structure.normalize_output(out)

    def _eager_fallback(self, args):
        out = self._eager(args)
        self._mode = "eager"
        return out

    def _eager(self, args):
        return _structure.normalize_output(_call_user(self._func, _structure.to_tensors(args)))

    def call_tensors(self, *args):
        """Calls the Python function directly on tensors (functions returning datasets)."""
        return self._func(*args)

    def error(self, error, index):
        """The exception to raise (`from error`) when the function raised `error` on element
        `index` of the input (see `function_error`)."""
        return function_error(error, self._func, self._name, index)

    # -- output spec ----------------------------------------------------------------------------
    def output_spec(self, first_args=None):
        """The structure of TensorSpecs of the outputs: from the trace, else from an eager call
        on `first_args()` (an example argument structure, or None when there is none)."""
        if self._output_spec is not None:
            return self._output_spec
        if self._mode == "untraced":
            with self._lock:
                if self._mode == "untraced":
                    self._trace(None)
            if self._output_spec is not None:
                return self._output_spec
        example = first_args() if first_args is not None else None
        if example is None:
            from ..graph.function import TensorSpec
            return TensorSpec(None, "float32")
        try:
            out = self._eager(example)
        except Exception as e:
            raise self.error(e, 0) from e
        spec = _structure.spec_of(out)
        self._output_spec = _relax_like_input(spec, self._input_spec(), example)
        return self._output_spec


# how messages name the transformation of a StructuredFunction's `name`
_TRANSFORMATIONS = {
    "map": "Dataset.map", "filter": "Dataset.filter", "take_while": "Dataset.take_while",
    "scan": "Dataset.scan", "reduce": "Dataset.reduce",
    "key_func": "the key_func of Dataset.group_by_window",
    "element_length_func": "the element_length_func of Dataset.bucket_by_sequence_length",
}


def describe_function(func):
    """`qualname (file.py:line)` of a user function, for messages."""
    import functools
    import os
    while isinstance(func, functools.partial):
        func = func.func
    target = getattr(func, "__func__", func)
    name = getattr(target, "__qualname__", None) or getattr(target, "__name__", None)
    if name is None:                          # a callable object
        target = type(func).__call__
        name = type(func).__qualname__
    code = getattr(target, "__code__", None)
    if code is None:
        return f"`{name}`"
    return f"`{name}` ({os.path.basename(code.co_filename)}:{code.co_firstlineno})"


def function_error(error, func, transformation, index):
    """The error for `error`, raised by the user function `func` of `transformation` on the
    element at position `index` of the transformation's input (counted from 0 in each
    iteration). The message names the transformation, the function and the index, then gives
    the original message. The type is `error`'s own when it can be rebuilt from a message
    (flowgrad / tf.errors classes, ValueError, KeyError, custom exceptions taking one message
    argument); otherwise `InvalidArgumentError`, as TF reports a failed Python function. The
    caller raises it `from error`, so the original exception and its traceback stay attached.
    """
    from ..errors import InvalidArgumentError, OpError
    what = _TRANSFORMATIONS.get(transformation, transformation)
    message = (f"{what}: the function {describe_function(func)} raised "
               f"{type(error).__name__} on element {index} of its input dataset: {error}")
    cls = type(error)
    new = None
    try:
        if isinstance(error, OpError):
            new = cls(error.node_def, error.op, message)
        else:
            new = cls(message)
            if type(new) is not cls or new.args != (message,):
                new = None
    except Exception:  # noqa: BLE001 - a class with another constructor
        new = None
    if new is None:
        new = InvalidArgumentError(None, None, message)
    new.element_index = index
    return new


def _has_source(func):
    import inspect
    target = getattr(func, "__func__", func)
    if not (inspect.isfunction(target) or inspect.ismethod(target)):
        target = getattr(type(func), "__call__", None)
    try:
        inspect.getsource(target)
        return True
    except (OSError, TypeError):
        return False


@contextlib.contextmanager
def _quiet(category):
    """Silences `category` in the main thread. `warnings.catch_warnings` swaps the process-wide
    filter list, so using it from the prefetch thread while another thread does the same
    could leave a filter installed for good; other threads let the warning through."""
    if threading.current_thread() is threading.main_thread():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category)
            yield
    else:
        yield


def _wrap(a):
    t = Tensor.__new__(Tensor)
    t._value = a
    return t


def _fits(leaves, specs):
    for a, s in zip(leaves, specs):
        if a.dtype != s.dtype._np and not (a.dtype == object and s.dtype.name == "string"):
            return False
        if s.shape.rank is not None:
            dims = s.shape.as_list()
            if len(dims) != a.ndim:
                return False
            for d, n in zip(dims, a.shape):
                if d is not None and d != n:
                    return False
    return True


def _output_packer(template):
    """A function turning the plan's output list into the normalized output structure (what
    `normalize_output(_call_flat(...))` gives), with fast cases for one tensor and a flat
    tuple / list of tensors."""
    from ..graph.function import _fill, _TensorLeaf

    def arr(a):
        return a if type(a) is np.ndarray and a.dtype.kind not in "US" else \
            _structure.normalize_output(a)
    if type(template) is _TensorLeaf:
        i = template.index
        return lambda outs: arr(outs[i])
    if type(template) in (tuple, list) and all(type(e) is _TensorLeaf for e in template):
        idx = [e.index for e in template]
        return lambda outs: tuple([arr(outs[i]) for i in idx])
    return lambda outs: _structure.normalize_output(_fill(template, list(outs)))


def _relax_probed_dims(concrete, leaves):
    """Marks unknown the output dims that depend on the inputs in ways one trace cannot see.

    TF infers output shapes statically: `x[:3]` of a `[None]` input, or `tf.fill([n], v)` /
    `tf.range(n)` with `n` read from the element, have an unknown dimension. flowgrad's trace
    computes shapes from one example (plus one with unknown dims one larger), so the optimized
    graph runs again, sandboxed, on unknown dims of size 0 and on other values; output dims
    whose size changes become None. A probe that fails tells nothing and is skipped; graphs
    with effects (random draws, assignments, prints) are not probed.
    """
    from ..graph.executor import Plan
    g = concrete.graph
    for node in g.nodes:
        if (node.opdef is not None and node.opdef.stateful) or node.attrs.get("_effects"):
            return
    specs = concrete._input_specs
    if leaves is None:
        leaves = [np.zeros(() if s.shape.rank is None else
                           [2 if d is None else d for d in s.shape.as_list()], s.dtype._np)
                  for s in specs]
    empty = [np.zeros([0 if d is None else n for d, n in zip(s.shape.as_list(), a.shape)],
                      a.dtype) if s.shape.rank is not None and a.dtype != object else a
             for s, a in zip(specs, leaves)]
    changed = [~a if a.dtype == np.bool_ else a if a.dtype == object else a + 1
               for a in leaves]
    probes = [changed]
    if any(x.shape != a.shape for x, a in zip(empty, leaves)):
        probes.append(empty)
    if not g.outputs:
        return
    try:
        plan = Plan(g, sandbox=True)
    except Exception:  # noqa: BLE001 - no probe
        return
    for inputs in probes:
        try:
            with np.errstate(all="ignore"):
                outs = plan(*inputs)
        except Exception:  # noqa: BLE001, S112 - this probe tells nothing
            continue
        for o, b in zip(g.outputs, outs):
            v = g.values[o]
            if v.shape is None:
                continue
            if np.ndim(b) != len(v.shape):
                v.shape = None
                continue
            v.shape = tuple(None if x is None or x != y else x
                            for x, y in zip(v.shape, np.shape(b)))


def _lists_to_tuples(x):
    if type(x) is list:
        return tuple(_lists_to_tuples(v) for v in x)
    if type(x) is tuple:
        return tuple(_lists_to_tuples(v) for v in x)
    if type(x) is dict:
        return {k: _lists_to_tuples(v) for k, v in x.items()}
    return x


def _relax_like_input(spec, input_spec, example):
    """Output dims equal to the size of an unknown input dim become unknown (an eager call
    sees one example only)."""
    from ..graph.function import TensorSpec
    unknown_sizes = set()
    for s, a in zip(nest.flatten(input_spec), _structure.flatten(example)):
        if isinstance(s, TensorSpec) and s.shape.rank is not None and hasattr(a, "shape"):
            for d, n in zip(s.shape.as_list(), a.shape):
                if d is None:
                    unknown_sizes.add(n)
        elif isinstance(s, TensorSpec) and hasattr(a, "shape"):
            unknown_sizes.update(a.shape)

    def leaf(sp):
        if not isinstance(sp, TensorSpec) or sp.shape.rank is None or not unknown_sizes:
            return sp
        return TensorSpec([None if d in unknown_sizes else d for d in sp.shape.as_list()],
                          sp.dtype)
    return nest.map_structure(leaf, spec)
