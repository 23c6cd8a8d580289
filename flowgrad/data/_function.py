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
            shapes = tuple(a.shape for a in leaves)
            ok = self._ok_shapes
            if shapes not in ok and concrete.polymorphic is not False and _fits(
                    leaves, concrete._input_specs):
                ok.add(shapes)
            if shapes in ok or shapes == concrete.example_shapes:
                try:
                    return _structure.normalize_output(concrete._call_flat(leaves))
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
        out = self._eager(example)
        spec = _structure.spec_of(out)
        self._output_spec = _relax_like_input(spec, self._input_spec(), example)
        return self._output_spec


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
