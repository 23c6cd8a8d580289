"""`flowgrad.function` (`tf.function`): trace Python once into a graph, then run the graph.

Calling a `Function` computes a cache key from the arguments (dtype and shape of each tensor,
the value of each Python argument, the identity of each Variable). A hit runs the cached
`ConcreteFunction`'s compiled plan; a miss traces the Python function with symbolic tensors
(`graph/tracer.py`), optimizes the graph (`graph/passes.py`) and compiles it
(`graph/executor.py`).

Calls made while a GradientTape records run the traced graph node by node through the normal
dispatch instead, so the tape sees every op and gradients (of any order) flow through the
function as they would eagerly.
"""

import functools
import inspect
import os
import warnings
import weakref

import numpy as np

from .. import dtypes as _dtypes
from .. import nest
from ..core.context import ctx
from ..core.tensor import Tensor, _wrap
from ..core.tensor_shape import TensorShape
from ..errors import InvalidArgumentError
from .tracer import SymbolicTensor, Trace
from . import control_flow  # noqa: F401  (registers graph control flow)


class TensorSpec:
    """Describes a tensor argument: shape (None for unknown dimensions) and dtype
    (`tf.TensorSpec`).

    Example:
        >>> import flowgrad as tf
        >>> tf.TensorSpec([None, 3], tf.float32)
        TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)
    """

    __slots__ = ("_shape", "_dtype", "name")

    def __init__(self, shape, dtype=_dtypes.float32, name=None):
        self._shape = TensorShape(shape)
        self._dtype = _dtypes.as_dtype(dtype)
        self.name = name

    @property
    def shape(self):
        return self._shape

    @property
    def dtype(self):
        return self._dtype

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, other):
        if isinstance(other, TensorSpec):
            return self._dtype == other._dtype and self._shape.is_compatible_with(other._shape)
        if isinstance(other, Tensor) or hasattr(other, "_is_variable"):
            return self._dtype == other.dtype and self._shape.is_compatible_with(other.shape)
        return False

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self._shape == other._shape
                and self._dtype == other._dtype and self.name == other.name)

    def __hash__(self):
        return hash((tuple(self._shape.as_list()) if self._shape.rank is not None else None,
                     self._dtype.name, self.name))

    def __repr__(self):
        shape = None if self._shape.rank is None else tuple(self._shape.as_list())
        return f"TensorSpec(shape={shape}, dtype=tf.{self._dtype.name}, name={self.name!r})"

    def _key(self):
        dims = None if self._shape.rank is None else tuple(self._shape.as_list())
        return (self._dtype.as_numpy_dtype if hasattr(self._dtype, "as_numpy_dtype") else
                self._dtype.name, dims)


# -- argument keys ---------------------------------------------------------------------------------
class _TensorLeaf:
    """Placeholder for a tensor argument in a structure template."""
    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index

    def __repr__(self):
        return f"<tensor {self.index}>"

    def __eq__(self, other):
        return type(other) is _TensorLeaf and other.index == self.index

    def __hash__(self):
        return hash(("leaf", self.index))


def _np_dtype(dt):
    return np.dtype(dt.as_numpy_dtype) if hasattr(dt, "as_numpy_dtype") else np.dtype(dt.name)


def _arg_key(x, tensors):
    """Returns the cache key of one argument and appends its tensor leaves to `tensors`."""
    t = type(x)
    if t is Tensor or isinstance(x, Tensor):
        tensors.append(x)
        v = x._value
        return (v.dtype, v.shape)
    if t is np.ndarray:
        tensors.append(x)
        return (x.dtype, x.shape)
    if x is None or t in (bool, int, float, str, bytes):
        return (t, x)
    if t is list or t is tuple:
        return (t, tuple(_arg_key(e, tensors) for e in x))
    if t is dict:
        return (dict, tuple((k, _arg_key(x[k], tensors)) for k in sorted(x, key=repr)))
    if hasattr(x, "_is_variable"):
        return ("var", id(x))
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return (t, tuple(_arg_key(e, tensors) for e in x))
    if isinstance(x, (np.generic,)):
        return (t, x.item())
    try:
        hash(x)
        return (t, x)
    except TypeError:
        return (t, id(x))


def _template(x, counter):
    """The argument structure with tensor leaves replaced by `_TensorLeaf`s (same order as
    `_arg_key` collects them)."""
    t = type(x)
    if isinstance(x, (Tensor, np.ndarray)):
        leaf = _TensorLeaf(counter[0])
        counter[0] += 1
        return leaf
    if t is list:
        return [_template(e, counter) for e in x]
    if t is tuple:
        return tuple(_template(e, counter) for e in x)
    if t is dict:
        return {k: _template(x[k], counter) for k in sorted(x, key=repr)}
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return t(*[_template(e, counter) for e in x])
    return x


def _flatten_up_to(sig, value, name):
    """The arguments matching the TensorSpec leaves of `sig`; a Python list or array standing
    where the signature has one TensorSpec is one argument (converted to a tensor later)."""
    if isinstance(sig, TensorSpec):
        return [value]
    if isinstance(sig, dict):
        if not isinstance(value, dict) or set(value) != set(sig):
            raise TypeError(f"{name}: expected a dict with keys {sorted(sig)} for the "
                            f"input_signature, got {_short(value)}.")
        return [x for k in sorted(sig) for x in _flatten_up_to(sig[k], value[k], name)]
    if isinstance(sig, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(sig):
            raise TypeError(f"{name}: expected a sequence of {len(sig)} for the "
                            f"input_signature, got {_short(value)}.")
        return [x for sp, v in zip(sig, value) for x in _flatten_up_to(sp, v, name)]
    return [value]


def _fill(template, leaves):
    t = type(template)
    if t is _TensorLeaf:
        return leaves[template.index]
    if t is list:
        return [_fill(e, leaves) for e in template]
    if t is tuple:
        return tuple(_fill(e, leaves) for e in template)
    if t is dict:
        return {k: _fill(v, leaves) for k, v in template.items()}
    if isinstance(template, tuple) and hasattr(template, "_fields"):
        return t(*[_fill(e, leaves) for e in template])
    if isinstance(template, (tuple, list)):
        return _rebuild(template, [_fill(e, leaves) for e in template])
    return template


def _rebuild(like, items):
    """A tuple / list subclass (e.g. a result type with attribute access) rebuilt with new items."""
    try:
        return type(like)(items)
    except TypeError:
        return tuple(items) if isinstance(like, tuple) else list(items)


def _describe(key):
    """Human-readable form of an argument key, for the retracing warning."""
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], np.dtype):
        return f"{_dtypes.from_numpy(key[0]).name}{list(key[1])}"
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "spec":
        return f"{key[1]}"
    if isinstance(key, tuple) and len(key) == 2 and key[0] == "var":
        return "a tf.Variable"
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], type):
        if key[0] in (list, tuple, dict):
            return f"a {key[0].__name__} of {len(key[1])}"
        return repr(key[1]) if key[0] in (bool, int, float, str, type(None)) else \
            f"a {key[0].__name__}"
    return repr(key)


# -- the compiled function -------------------------------------------------------------------------
class ConcreteFunction:
    """One trace of a `Function`: a graph for one input signature, compiled to a plan.

    Attributes:
        graph: the optimized Graph (`flowgrad.graph.ir.Graph`); `raw_graph` is the trace before
            the passes.
        structured_input_signature: the (args, kwargs) the trace was made for, tensors as
            TensorSpecs.
        structured_outputs: the Python function's return value with tensors as TensorSpecs.
    """

    def __init__(self, name, raw_graph, graph, where, in_template, out_template, out_leaves,
                 input_specs, captures, variables, python_function, plan, polymorphic):
        self.name = name
        self.raw_graph = raw_graph
        self.graph = graph
        self._where = where
        self._in_template = in_template
        self._out_template = out_template
        self._out_leaves = out_leaves   # per output leaf: graph output index
        self._input_specs = input_specs
        self._captures = captures       # kept alive: constants and variables the graph uses
        self.variables = variables
        self._python_function = python_function
        self._plan = plan
        self._replay = None
        self.polymorphic = polymorphic
        self.example_shapes = None
        n_out = len(graph.outputs)
        single = out_template.__class__ is _TensorLeaf
        self._fast_single = single and n_out == 1

    @property
    def structured_input_signature(self):
        specs = self._input_specs
        return _fill(self._in_template, specs)

    @property
    def structured_outputs(self):
        specs = [TensorSpec(self.graph.values[o].shape, self.graph.values[o].dtype)
                 for o in self.graph.outputs]
        return _fill(self._out_template, specs)

    @property
    def inputs(self):
        return list(self._input_specs)

    @property
    def outputs(self):
        return nest.flatten(self.structured_outputs)

    @property
    def trainable_variables(self):
        return [v for v in self.variables if v.trainable]

    def pretty_printed_signature(self):
        return str(self.graph)

    def __call__(self, *args, **kwargs):
        """Calls with tensors in the order of the input signature (positional), or with the
        same structure the function was traced for."""
        tensors = []
        if len(args) == len(self._input_specs) and not kwargs and all(
                isinstance(a, (Tensor, np.ndarray)) or hasattr(a, "_is_variable") or
                np.isscalar(a) for a in args):
            from ..ops._common import to_tensor
            tensors = [to_tensor(a, dtype=s.dtype) for a, s in zip(args, self._input_specs)]
        else:
            _arg_key((args, kwargs), tensors)
        for t, spec in zip(tensors, self._input_specs):
            if not spec.is_compatible_with(t if isinstance(t, Tensor) else _wrap(np.asarray(t))):
                raise InvalidArgumentError(
                    None, self.name, f"ConcreteFunction {self.name} was traced for inputs "
                    f"{self._input_specs}; got a {getattr(t, 'dtype', None)} tensor of shape "
                    f"{tuple(np.shape(t))}. Call the tf.function itself to trace a new one.")
        return self._call_flat(tensors)

    def _call_flat(self, tensors):
        arrays = [t._value if isinstance(t, Tensor) else t for t in tensors]
        if ctx.tapes or ctx.graph is not None:
            return self._call_replay(tensors)
        outs = self._plan(*arrays)
        if self._fast_single:
            r = Tensor.__new__(Tensor)
            r._value = outs[0]
            return r
        return _fill(self._out_template, [_wrap(a) for a in outs])

    def _call_replay(self, tensors):
        """Runs the unoptimized graph op by op through dispatch (recorded by tapes, or inlined
        into an enclosing trace)."""
        from .replay import replay
        from ..ops._common import to_tensor
        ins = [t if isinstance(t, Tensor) else to_tensor(t) for t in tensors]
        outs = replay(self.raw_graph, ins)
        return _fill(self._out_template, outs)


class Function:
    """A Python function compiled to graphs on demand (`tf.function`).

    Args:
        python_function: the function (or method) to trace.
        input_signature: a list of TensorSpecs fixing the tensor arguments' dtypes and shapes
            (None dimensions accept any size without retracing).
        autograph: convert Python `if`/`while`/`for` on tensors into graph control flow.
        reduce_retracing: generalize shapes that change between calls to None instead of
            retracing for every new shape.
        jit_compile: accepted for compatibility (flowgrad always compiles its graphs).
    """

    def __init__(self, python_function, name=None, input_signature=None, autograph=True,
                 reduce_retracing=False, jit_compile=None, experimental_relax_shapes=None,
                 **unused):
        self._python_function = python_function
        functools.update_wrapper(self, python_function)
        self._name = name or getattr(python_function, "__name__", "function")
        self._input_signature = None if input_signature is None else list(input_signature)
        self._autograph = autograph
        self._reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)
        self._jit_compile = jit_compile
        self._cache = {}
        self._by_structure = {}   # structural key -> generalized keys seen (reduce_retracing)
        self._tracing_count = 0
        self._keys = []
        self._created_variables = False
        self._instances = weakref.WeakKeyDictionary()
        self._by_id = {}          # instances that cannot be weak dict keys (id -> Function)
        self._bound_instance = None
        self._arg_history = []    # per trace: [(argument name, key)], for the retrace warning
        self._signature = None
        self._simple = None
        self._n_params = None

    # -- decorator plumbing ---------------------------------------------------------------------
    @property
    def python_function(self):
        return self._python_function

    @property
    def input_signature(self):
        return self._input_signature

    @property
    def function_spec(self):
        return inspect.signature(self._python_function)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        try:
            bound = self._instances.get(instance)
            by_id = False
        except TypeError:  # unhashable instance: keyed by identity instead
            bound = self._by_id.get(id(instance))
            by_id = True
        if bound is None:
            bound = Function(self._python_function.__get__(instance, owner), self._name,
                             self._input_signature, self._autograph, self._reduce_retracing,
                             self._jit_compile)
            bound._bound_instance = weakref.ref(instance) if _weakrefable(instance) else None
            if not by_id:
                try:
                    self._instances[instance] = bound
                    return bound
                except TypeError:
                    pass
            key = id(instance)
            self._by_id[key] = bound
            if _weakrefable(instance):  # forget the entry (and its traces) with the instance
                weakref.finalize(instance, self._by_id.pop, key, None)
        return bound

    def experimental_get_tracing_count(self):
        """How many times the Python function has been traced."""
        return self._tracing_count

    # -- calling --------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if ctx.graph is not None:
            # Called while tracing another function: trace inline into the enclosing graph.
            return self._converted()(*args, **kwargs)
        if self._input_signature is not None:
            tensors, key, template = self._signature_args(args, kwargs)
        else:
            if kwargs or not self._positional_only_call(args):
                args, kwargs = self._canonical(args, kwargs)
            tensors = []
            key = _arg_key((args, kwargs), tensors)
            template = None
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._lookup_relaxed(key, tensors)
            if concrete is None:
                concrete = self._trace(args, kwargs, key, tensors, template)
        if concrete.polymorphic is False:
            concrete = self._exact(concrete, key, tensors)
        return concrete._call_flat(tensors)

    def _exact(self, concrete, key, tensors):
        """A trace whose graph baked in a size its signature leaves open serves only calls of
        the shapes it was traced with; other shapes get their own (exact) trace."""
        shapes = tuple(np.shape(t._value if isinstance(t, Tensor) else t) for t in tensors)
        if shapes == concrete.example_shapes:
            return concrete
        ekey = ("exact", key, shapes)
        c = self._cache.get(ekey)
        if c is None:
            specs = [TensorSpec(sh, s.dtype, s.name) for sh, s in
                     zip(shapes, concrete._input_specs)]
            self._keys.append(("exact-shapes", tuple(
                (np.dtype(_np_dtype(sp.dtype)), tuple(sp.shape.as_list()))
                for sp in concrete._input_specs)))
            c = self._trace_concrete(concrete._in_template, specs, tensors)
            self._cache[ekey] = c
            self._keys.append(ekey)
        return c

    def _signature_args(self, args, kwargs):
        sig = self._input_signature
        bound = self._bind(args, kwargs)
        if len(bound) != len(sig):
            raise TypeError(
                f"{self._name}: the input_signature has {len(sig)} tensors but the call passed "
                f"{len(bound)} arguments ({_short(bound)}). Pass exactly the arguments the "
                "signature describes.")
        flat = _flatten_up_to(sig, bound, self._name)
        specs = nest.flatten(sig)
        if len(flat) != len(specs):
            raise TypeError(
                f"{self._name}: the input_signature has {len(specs)} tensors but the call passed "
                f"{len(flat)} arguments ({_short(bound)}). Pass exactly the arguments the "
                "signature describes.")
        from ..ops._common import to_tensor
        tensors = []
        for k, (x, spec) in enumerate(zip(flat, specs)):
            try:
                t = to_tensor(x, dtype=spec.dtype) if not isinstance(x, Tensor) else x
            except (TypeError, ValueError) as e:
                raise TypeError(f"{self._name}: argument {k} ({_short(x)}) cannot be converted "
                                f"to {spec}: {e}") from None
            if t.dtype != spec.dtype or not spec.shape.is_compatible_with(t.shape):
                raise TypeError(
                    f"{self._name}: argument {k} is a {t.dtype.name} tensor of shape "
                    f"{tuple(t.shape)}, which does not match the input_signature's {spec}. "
                    "Cast or reshape it, or relax the signature (None for variable dims).")
            tensors.append(t)
        return tensors, ("signature",), None

    def _positional_only_call(self, args):
        """True when `args` binds one-to-one to the parameters (the fast, common case)."""
        n = self._n_params
        if n is None:
            try:
                params = list(self.function_spec.parameters.values())
                simple = all(p.kind == p.POSITIONAL_OR_KEYWORD for p in params)
                n = self._n_params = len(params) if simple else -1
            except (TypeError, ValueError):
                n = self._n_params = -1
        return n == len(args)

    def _canonical(self, args, kwargs):
        """Binds a call to the signature with defaults applied, so f(x), f(x=x), f(x, 2) and
        f(x, n=2) share one trace (TF's canonicalization)."""
        try:
            sig = self.function_spec
        except (TypeError, ValueError):
            return args, kwargs
        try:
            ba = sig.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._name}(): {e}") from None
        ba.apply_defaults()
        pos, kw = [], {}
        for name, p in sig.parameters.items():
            if name not in ba.arguments:
                continue
            v = ba.arguments[name]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
                pos.append(v)
            elif p.kind == p.VAR_POSITIONAL:
                pos.extend(v)
            elif p.kind == p.KEYWORD_ONLY:
                kw[name] = v
            else:
                kw.update(v)
        return tuple(pos), kw

    def _bind(self, args, kwargs):
        if not kwargs and self._positional_only():
            return list(args)
        args, kwargs = self._canonical(args, kwargs)
        return list(args) + [kwargs[k] for k in kwargs]

    def _positional_only(self):
        if self._simple is None:
            try:
                params = self.function_spec.parameters.values()
                self._simple = all(p.kind == p.POSITIONAL_OR_KEYWORD for p in params)
            except (TypeError, ValueError):
                self._simple = False
        return self._simple

    def _lookup_relaxed(self, key, tensors):
        if not self._reduce_retracing or not tensors:
            return None
        gkey = self._generalized_key(key)
        return self._cache.get(gkey)

    def _generalized_key(self, key):
        """For reduce_retracing: the key with every tensor dimension that differs from an
        earlier call of the same structure replaced by None."""
        skey = _strip_shapes(key)
        seen = self._by_structure.get(skey)
        if seen is None:
            return key
        return _merge_shapes(seen, key)

    def _converted(self):
        fn = self._python_function
        if self._autograph:
            try:
                from .. import autograph
                fn = autograph.convert(fn)
            except (ImportError, AttributeError):
                pass
        return fn

    # -- tracing --------------------------------------------------------------------------------
    def _trace(self, args, kwargs, key, tensors, template):
        if self._input_signature is not None:
            specs = [TensorSpec(s.shape, s.dtype, s.name) for s in nest.flatten(
                self._input_signature)]
            in_template = nest.pack_sequence_as(self._input_signature,
                                                [_TensorLeaf(i) for i in range(len(specs))])
            in_template = (tuple(in_template), {})
        else:
            in_template = _template((args, kwargs), [0])
            self._record_args(args, kwargs)
            trace_key = key
            if self._reduce_retracing:
                skey = _strip_shapes(key)
                prev = self._by_structure.get(skey)
                trace_key = key if prev is None else _merge_shapes(prev, key)
                self._by_structure[skey] = trace_key
            dims = _shapes_in_key(trace_key)
            specs = [TensorSpec(d if d is not None else t.shape, _tensor_dtype(t))
                     for t, d in zip(tensors, dims)]
            key = trace_key
        concrete = self._trace_concrete(in_template, specs, tensors)
        self._cache[key] = concrete
        self._keys.append(key)
        return concrete

    def _trace_concrete(self, in_template, specs, example_tensors):
        n = self._tracing_count
        if n >= 2:
            self._warn_retrace(specs)
        self._tracing_count += 1
        trace = Trace(self._name)
        with trace:
            placeholders = []
            for k, spec in enumerate(specs):
                if example_tensors is not None and k < len(example_tensors):
                    ex = example_tensors[k]
                    shadow = ex._value if isinstance(ex, Tensor) else np.asarray(ex)
                    if shadow.dtype != _np_dtype(spec.dtype):
                        shadow = shadow.astype(_np_dtype(spec.dtype))
                else:
                    shadow = _example_array(spec)
                placeholders.append(trace.placeholder(shadow, _spec_dims(spec, shadow),
                                                      name=spec.name or f"arg{k}"))
            call_args, call_kwargs = _fill(in_template, placeholders)
            fn = self._converted()
            try:
                result = fn(*call_args, **call_kwargs)
            except Exception:
                trace.finish()
                raise
        if trace.created_variables:
            if self._created_variables or n > 0:
                trace.finish()
                raise ValueError(
                    f"tf.function {self._name!r} created variables on a call other than the "
                    "first trace (it was traced again for new argument types or shapes). "
                    "tf.function only supports creating variables on the first trace: create "
                    "them outside the function, or once (e.g. `if self.v is None:` guarded by "
                    "an attribute) so a retrace does not make new ones.")
            self._created_variables = True
        c = _finish_concrete(self._name, trace, in_template, specs, result,
                             self._python_function)
        if example_tensors:
            c.example_shapes = tuple(np.shape(t._value if isinstance(t, Tensor) else t)
                                     for t in example_tensors)
        return c

    def _record_args(self, args, kwargs):
        try:
            names = [n for n, p in self.function_spec.parameters.items()
                     if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        except (TypeError, ValueError):
            names = []
        named = [(names[k] if k < len(names) else f"argument {k}", _arg_key(a, []), a)
                 for k, a in enumerate(args)]
        named += [(k, _arg_key(v, []), v) for k, v in sorted(kwargs.items())]
        self._arg_history.append(named)

    def _warn_retrace(self, specs):
        change = self._explain(specs)
        _warn_at_caller(
            f"{self._tracing_count + 1} traces of tf.function {self._name!r}: retracing is "
            f"expensive. {change}Pass input_signature=[tf.TensorSpec(shape=[None, ...])] or "
            "reduce_retracing=True to accept changing shapes, and pass tensors rather than "
            "Python numbers for values that change between calls.", RetracingWarning)

    def _explain(self, specs):
        """Names the argument whose type, shape or Python value differs from the last trace."""
        hist = self._arg_history
        if len(hist) >= 2:
            for (name, k1, _), (_, k2, v2) in zip(hist[-2], hist[-1]):
                if k1 != k2:
                    return (f"This trace is for argument {name!r} = {_describe(k2)} "
                            f"(previously {_describe(k1)}). ")
        last = self._keys[-1] if self._keys else None
        return _explain_change(last, specs, self._python_function)

    def get_concrete_function(self, *args, **kwargs):
        """The ConcreteFunction for these arguments (TensorSpecs or example values), tracing
        it if needed."""
        if not args and not kwargs and self._input_signature is not None:
            args = tuple(self._input_signature)
        has_spec = any(isinstance(x, TensorSpec) for x in nest.flatten([list(args), kwargs]))
        if not has_spec:
            if self._input_signature is not None:
                tensors, key, _ = self._signature_args(args, kwargs)
            else:
                tensors = []
                key = _arg_key((args, kwargs), tensors)
            c = self._cache.get(key) or self._lookup_relaxed(key, tensors)
            if c is None:
                c = self._trace(args, kwargs, key, tensors, None)
            return c
        if self._input_signature is not None:
            key = ("signature",)
            if key in self._cache:
                return self._cache[key]
            specs = [TensorSpec(s.shape, s.dtype, s.name) for s in nest.flatten(
                self._input_signature)]
            in_template = (tuple(nest.pack_sequence_as(
                self._input_signature, [_TensorLeaf(i) for i in range(len(specs))])), {})
            c = self._trace_concrete(in_template, specs, None)
            self._cache[key] = c
            return c
        specs = []
        counter = [0]

        def tmpl(x):
            if isinstance(x, TensorSpec):
                specs.append(x)
                leaf = _TensorLeaf(counter[0])
                counter[0] += 1
                return leaf
            if isinstance(x, (Tensor, np.ndarray)):
                specs.append(TensorSpec(x.shape, _tensor_dtype(x)))
                leaf = _TensorLeaf(counter[0])
                counter[0] += 1
                return leaf
            if type(x) in (list, tuple):
                return type(x)(tmpl(e) for e in x)
            if type(x) is dict:
                return {k: tmpl(x[k]) for k in sorted(x, key=repr)}
            return x
        in_template = tmpl((args, kwargs))
        key = ("specs", tuple(s._key() for s in specs), repr(in_template))
        c = self._cache.get(key)
        if c is None:
            c = self._trace_concrete(in_template, specs, None)
            self._cache[key] = c
            self._keys.append(key)
        return c

    def experimental_get_compiler_ir(self, *args, **kwargs):
        return lambda stage="hlo": str(self.get_concrete_function(*args, **kwargs).graph)

    def __repr__(self):
        return f"<flowgrad.function {self._name}>"


def _warn_at_caller(message, category):
    """warnings.warn attributed to the first stack frame outside flowgrad (the user's call)."""
    import sys
    f = sys._getframe(1)
    while f is not None and (f.f_globals.get("__name__", "") or "").startswith("flowgrad"):
        f = f.f_back
    if f is None:
        warnings.warn(message, category, stacklevel=2)
        return
    warnings.warn_explicit(message, category, f.f_code.co_filename, f.f_lineno,
                           module=f.f_globals.get("__name__"),
                           registry=f.f_globals.setdefault("__warningregistry__", {}))


class RetracingWarning(UserWarning):
    """A tf.function was traced again for new argument types, shapes or Python values."""


def _weakrefable(obj):
    try:
        weakref.ref(obj)
        return True
    except TypeError:
        return False


def _short(x):
    r = repr(x)
    return r if len(r) < 80 else r[:77] + "..."


def _tensor_dtype(t):
    if isinstance(t, Tensor):
        return t.dtype
    return _dtypes.from_numpy(np.asarray(t).dtype)


def _spec_dims(spec, shadow):
    if spec.shape.rank is None:
        return tuple(shadow.shape)
    return tuple(spec.shape.as_list())


def _example_array(spec):
    """A trace-time example for a spec with no example value: zeros, unknown dims of size 2."""
    if spec.shape.rank is None:
        shape = ()
    else:
        shape = tuple(2 if d is None else d for d in spec.shape.as_list())
    return np.zeros(shape, dtype=_np_dtype(spec.dtype))


def _strip_shapes(key):
    if isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], np.dtype):
        return (key[0], len(key[1]))
    if isinstance(key, tuple):
        return tuple(_strip_shapes(k) for k in key)
    return key


def _merge_shapes(a, b):
    if isinstance(a, tuple) and len(a) == 2 and isinstance(a[0], np.dtype):
        if a[1] == b[1]:
            return a
        return (a[0], tuple(x if x == y else None for x, y in zip(a[1], b[1])))
    if isinstance(a, tuple):
        return tuple(_merge_shapes(x, y) for x, y in zip(a, b))
    return a


def _shapes_in_key(key):
    out = []

    def rec(k):
        if isinstance(k, tuple) and len(k) == 2 and isinstance(k[0], np.dtype):
            out.append(k[1])
        elif isinstance(k, tuple):
            for e in k:
                rec(e)
    rec(key)
    return out


def _explain_change(last, specs, fn):
    if last is None:
        return ""
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    prev = _shapes_in_key(last)
    now = [tuple(s.shape.as_list()) if s.shape.rank is not None else None for s in specs]
    for k, (p, q) in enumerate(zip(prev, now)):
        if p != q:
            return (f"This trace is for tensor argument {k} with shape {list(q)} "
                    f"(previously {list(p)}). ")
    if isinstance(last, tuple) and len(last) == 2 and isinstance(last[0], tuple):
        pass
    arg_names = f" (arguments: {', '.join(names)})" if names else ""
    return f"A Python argument value or a tensor dtype changed{arg_names}. "


def _finish_concrete(name, trace, in_template, specs, result, python_function):
    """Turns a finished trace into a ConcreteFunction: outputs, passes, plan, polymorphism probe."""
    from . import passes
    from .executor import Plan
    g = trace.graph
    flat = []
    counter = [0]

    def out_tmpl(x):
        if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
            if hasattr(x, "_is_variable"):
                with trace:
                    x = x.read_value()
            flat.append(x)
            leaf = _TensorLeaf(counter[0])
            counter[0] += 1
            return leaf
        if type(x) in (list, tuple):
            return type(x)(out_tmpl(e) for e in x)
        if type(x) is dict:
            return {k: out_tmpl(v) for k, v in x.items()}
        if isinstance(x, tuple) and hasattr(x, "_fields"):
            return type(x)(*[out_tmpl(e) for e in x])
        if isinstance(x, (tuple, list)):
            return _rebuild(x, [out_tmpl(e) for e in x])
        return x
    out_template = out_tmpl(result)
    g.outputs = [trace.value_id(t) for t in flat]
    shadows = [t._value for t in flat]
    variables = list(trace.variables.values())
    g.verify()
    raw = g
    debug = os.environ.get("FLOWGRAD_DEBUG", "")
    if debug:
        print(f"--- flowgrad.function {name}: traced graph ---\n{raw}")
    opt = passes.optimize(raw.copy())
    if debug:
        print(f"--- flowgrad.function {name}: after passes ---\n{opt}")
    plan = Plan(opt, trace.where)
    polymorphic = None
    open_dims = any(None in s.shape.as_list() for s in specs if s.shape.rank)
    if open_dims:
        polymorphic = trace.alt_ok and _probe(raw, trace, specs, shadows, opt)
        if not trace.alt_ok and debug:
            print(f"--- {name}: not shape-polymorphic, specializing per shape: "
                  f"{trace.alt_reason}")
    captures = list(trace._const_keep)
    trace.finish()
    return ConcreteFunction(name, raw, opt, trace.where, in_template, out_template,
                            list(range(len(flat))), specs, captures, variables,
                            python_function, plan, polymorphic)


def _probe(raw, trace, specs, shadows, opt):
    """Checks that a graph traced with unknown dimensions really works for other sizes: runs it
    once (variables untouched) with every unknown dimension one larger. Output dims that change
    become None; a failure means the trace baked a size in, so the caller specializes."""
    from .executor import Plan
    inputs = []
    for vid, spec in zip(raw.inputs, specs):
        v = raw.values[vid]
        shape = [d if d is not None else None for d in (v.shape or ())]
        base = _trace_input_shadow(trace, vid)
        arr = base
        for ax, d in enumerate(shape):
            if d is None:
                arr = np.concatenate([arr, np.take(arr, [0], axis=ax) if arr.shape[ax] else
                                      np.zeros(arr.shape[:ax] + (1,) + arr.shape[ax + 1:],
                                               arr.dtype)], axis=ax)
        inputs.append(arr)
    try:
        with np.errstate(all="ignore"):
            outs = Plan(opt, sandbox=True)(*inputs)
    except Exception as e:  # noqa: BLE001 - any failure means "not polymorphic"
        if os.environ.get("FLOWGRAD_DEBUG"):
            print(f"--- shape probe failed, specializing per shape: {type(e).__name__}: {e}")
        return False
    for o, a, b in zip(opt.outputs, shadows, outs):
        v = opt.values[o]
        if np.ndim(b) != np.ndim(a):
            return False
        v.shape = tuple(None if x != y else x for x, y in zip(np.shape(a), np.shape(b)))
    return True


def _trace_input_shadow(trace, vid):
    for t in trace.symbols:
        if t._graph_value == vid and t._trace is trace:
            return t._value
    raise KeyError(vid)


def function(func=None, input_signature=None, autograph=True, jit_compile=None,
             reduce_retracing=False, experimental_implements=None,
             experimental_autograph_options=None, experimental_relax_shapes=None,
             experimental_compile=None, experimental_follow_type_hints=None, name=None):
    """Compiles a Python function into a graph (`tf.function`), as a decorator or a call.

    Example:
        >>> import flowgrad as tf
        >>> @tf.function
        ... def f(x):
        ...     return x * x + 1.0
        >>> float(f(tf.constant(3.0)))
        10.0
        >>> f.experimental_get_tracing_count()
        1
    """
    def decorate(fn):
        if isinstance(fn, Function):
            return fn
        return Function(fn, name=name, input_signature=input_signature, autograph=autograph,
                        reduce_retracing=reduce_retracing, jit_compile=jit_compile,
                        experimental_relax_shapes=experimental_relax_shapes)
    if func is None:
        return decorate
    return decorate(func)
