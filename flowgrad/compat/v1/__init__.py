"""`tf.compat.v1`: the TensorFlow 1 API.

Everything of flowgrad's TF2 namespace is available here too (unknown names are looked up in
`flowgrad`); on top of it come the TF1 graph-mode pieces: `disable_eager_execution`, `Graph`,
`placeholder`, `Session`, `Variable` / `get_variable` with `variable_scope`, initializers,
`assign*`, `group` / `control_dependencies`, `gradients`, `train.*Optimizer` and `losses`.
Functions looked up from flowgrad honour TF1's `name=` in a v1 graph (the node gets that name,
so `graph.get_tensor_by_name("name:0")` finds it).

See docs/compat_v1.md for what runs how.
"""

import functools as _functools
import inspect as _inspect

from ... import dtypes as _dtypes
from ...core.context import executing_eagerly  # noqa: F401
from ...core.tape import UnconnectedGradients  # noqa: F401
from ...graph.tracer import SymbolicTensor as _SymbolicTensor
from . import _graph as _graph_mod
from . import _variables as _vars
from . import layers, logging, losses, nn, train  # noqa: F401
from ._graph import (  # noqa: F401
    Graph,
    GraphDef,
    GraphKeys,
    Operation,
    control_dependencies,
    disable_eager_execution,
    enable_eager_execution,
    executing_eagerly_outside_functions,
    get_default_graph,
    gradients,
    group,
    no_op,
    reset_default_graph,
)
from ._graph import current_graph as _current_graph
from ._session import InteractiveSession, Session, get_default_session  # noqa: F401
from ._session import eval_tensor as _eval_tensor
from ._variables import (  # noqa: F401
    AUTO_REUSE,
    VariableScope,
    add_to_collection,
    add_to_collections,
    all_variables,
    assign,
    assign_add,
    assign_sub,
    constant_initializer,
    get_collection,
    get_collection_ref,
    get_variable,
    get_variable_scope,
    global_variables,
    global_variables_initializer,
    glorot_normal_initializer,
    glorot_uniform_initializer,
    initialize_all_variables,
    initialize_local_variables,
    initialize_variables,
    local_variables,
    local_variables_initializer,
    model_variables,
    moving_average_variables,
    name_scope,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    trainable_variables,
    truncated_normal_initializer,
    variable_scope,
    variables_initializer,
    variance_scaling_initializer,
    zeros_initializer,
)
from ._variables import RefVariable as Variable

VariableV1 = Variable


class _Initializers:
    """`tf.compat.v1.initializers`."""

    zeros = zeros_initializer
    ones = ones_initializer
    constant = constant_initializer
    random_normal = random_normal_initializer
    truncated_normal = truncated_normal_initializer
    random_uniform = random_uniform_initializer
    glorot_uniform = staticmethod(glorot_uniform_initializer)
    glorot_normal = staticmethod(glorot_normal_initializer)
    variance_scaling = variance_scaling_initializer
    he_normal = staticmethod(_vars.he_normal)
    he_uniform = staticmethod(_vars.he_uniform)
    lecun_normal = staticmethod(_vars.lecun_normal)
    lecun_uniform = staticmethod(_vars.lecun_uniform)
    global_variables = staticmethod(global_variables_initializer)
    local_variables = staticmethod(local_variables_initializer)
    variables = staticmethod(variables_initializer)


initializers = _Initializers()


# -- eager / v2 switches ------------------------------------------------------------------------------
def disable_v2_behavior():
    """TF1 behaviour: graphs and Sessions instead of eager execution."""
    disable_eager_execution()


def enable_v2_behavior():
    enable_eager_execution()


def disable_resource_variables():
    pass


def enable_resource_variables():
    pass


def resource_variables_enabled():
    return True


def disable_control_flow_v2():
    pass


def enable_control_flow_v2():
    pass


def disable_tensor_equality():
    pass


def enable_tensor_equality():
    pass


def disable_v2_tensorshape():
    pass


def enable_v2_tensorshape():
    pass


# -- placeholders --------------------------------------------------------------------------------------
def placeholder(dtype, shape=None, name=None):
    """A graph input that `Session.run` must feed (`feed_dict={x: value}`).

    Args:
        dtype: the fed values' dtype.
        shape: the static shape; None dimensions (or `shape=None`) accept any size.
        name: the op name; the tensor is `name:0`.
    """
    g = _current_graph()
    if g is None:
        raise RuntimeError("tf.placeholder() is not compatible with eager execution.")
    return g._placeholder(dtype, shape, name)


def placeholder_with_default(input, shape, name=None):
    """A placeholder that takes the value of `input` when it is not fed."""
    import numpy as np
    g = _current_graph()
    if g is None:
        from ...ops.array_ops import identity
        return identity(input)
    value = input.numpy() if hasattr(input, "numpy") else np.asarray(input)
    if not isinstance(value, np.ndarray):
        value = np.asarray(value)
    if value.dtype.kind == "f" and value.dtype != np.float32 and not hasattr(input, "dtype"):
        value = value.astype(np.float32)
    if value.dtype == np.int64 and not hasattr(input, "dtype"):
        value = value.astype(np.int32)
    return g._placeholder(_dtypes.from_numpy(value.dtype), shape, name or "PlaceholderWithDefault",
                          default=value)


# -- TF1 signatures of TF2 functions --------------------------------------------------------------
def _reducer(fn):
    @_functools.wraps(fn)
    def reduce(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None):
        if axis is None:
            axis = reduction_indices
        if keepdims is None:
            keepdims = bool(keep_dims)
        return _named(fn, name, input_tensor, axis=axis, keepdims=keepdims)
    return reduce


def _named(fn, _name, *args, **kwargs):
    name = _name
    g = _current_graph() if name else None
    if g is None:
        return fn(*args, **kwargs)
    n0 = len(g._trace.graph.nodes)
    out = fn(*args, **kwargs)
    g._name_result(out, name, n0)
    return out


def _tf():
    import flowgrad
    return flowgrad


def __getattr__(name):
    import flowgrad
    if name.startswith("reduce_") and hasattr(flowgrad, name):
        fn = _reducer(getattr(flowgrad, name))
    else:
        try:
            obj = getattr(flowgrad, name)
        except AttributeError:
            raise AttributeError(f"module 'tf.compat.v1' has no attribute {name!r}") from None
        fn = _with_name(obj)
    globals()[name] = fn
    return fn


def _with_name(obj):
    """Wraps a flowgrad function so that its `name=` names the node it creates in a v1
    graph."""
    if not _inspect.isfunction(obj):
        return obj
    try:
        params = _inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return obj
    if "name" not in params:
        return obj

    @_functools.wraps(obj)
    def call(*args, **kwargs):
        name = kwargs.get("name")
        if not name:
            return obj(*args, **kwargs)
        return _named(obj, name, *args, **kwargs)
    return call


def argmax(input, axis=None, name=None, dimension=None, output_type=_dtypes.int64):
    """TF1 argmax: `axis` (or `dimension`) defaults to 0."""
    a = axis if axis is not None else (dimension if dimension is not None else 0)
    return _named(_tf().argmax, name, input, axis=a, output_type=output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=_dtypes.int64):
    a = axis if axis is not None else (dimension if dimension is not None else 0)
    return _named(_tf().argmin, name, input, axis=a, output_type=output_type)


arg_max = argmax
arg_min = argmin


def squeeze(input, axis=None, name=None, squeeze_dims=None):
    return _named(_tf().squeeze, name, input, axis=axis if axis is not None else squeeze_dims)


def expand_dims(input, axis=None, name=None, dim=None):
    return _named(_tf().expand_dims, name, input, axis if axis is not None else dim)


def to_float(x, name="ToFloat"):
    return _tf().cast(x, _dtypes.float32)


def to_double(x, name="ToDouble"):
    return _tf().cast(x, _dtypes.float64)


def to_int32(x, name="ToInt32"):
    return _tf().cast(x, _dtypes.int32)


def to_int64(x, name="ToInt64"):
    return _tf().cast(x, _dtypes.int64)


def div(x, y, name=None):
    """TF1 division: floor division for integers, true division for floats."""
    tf = _tf()
    t = tf.convert_to_tensor(x) if not hasattr(x, "dtype") else x
    if getattr(t, "dtype", None) is not None and t.dtype.is_integer:
        return _named(tf.math.floordiv, name, x, y)
    return _named(tf.divide, name, x, y)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Normal samples (`tf.compat.v1.random_normal`); a new draw at every Session run."""
    return _named(_tf().random.normal, name, shape, mean, stddev, dtype, seed=seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    return _named(_tf().random.truncated_normal, name, shape, mean, stddev, dtype, seed=seed)


def random_uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    return _named(_tf().random.uniform, name, shape, minval, maxval, dtype, seed=seed)


def random_shuffle(value, seed=None, name=None):
    return _named(_tf().random.shuffle, name, value, seed=seed)


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    kw = {} if output_dtype is None else {"dtype": output_dtype}
    return _tf().random.categorical(logits, num_samples, seed=seed, **kw)


def set_random_seed(seed):
    """Sets the graph-level random seed (flowgrad's global seed)."""
    tf = _tf()
    tf.random.set_seed(seed)
    g = _current_graph()
    if g is not None:
        g.seed = seed


def get_seed(op_seed):
    from ...ops.random_ops import get_seed as _get_seed
    return _get_seed(op_seed)


def Print(input_, data, message=None, first_n=None, summarize=None, name=None):
    """TF1's `tf.Print`: returns `input_`; evaluating the result prints `message` and `data`."""
    import sys
    tf = _tf()
    g = _current_graph()
    parts = ([message] if message else []) + list(data)
    if g is None:
        tf.print(*parts, output_stream=sys.stderr, summarize=summarize or 3, sep="")
        return input_
    n0 = len(g._trace.graph.nodes)
    tf.print(*parts, output_stream=sys.stderr, summarize=summarize or 3, sep="")
    nodes = g._trace.graph.nodes[n0:]
    with g._ctrl_scope([n for n in nodes if n.op == "PrintV2"]):
        return _named(tf.identity, name, input_)


def print(*inputs, **kwargs):
    """`tf.print`; in a v1 graph it returns the print op (fetch it, or use it as a control
    dependency, to print)."""
    tf = _tf()
    g = _current_graph()
    if g is None:
        return tf.print(*inputs, **kwargs)
    n0 = len(g._trace.graph.nodes)
    tf.print(*inputs, **kwargs)
    nodes = [n for n in g._trace.graph.nodes[n0:] if n.op == "PrintV2"]
    return g._op(nodes[-1]) if nodes else None


def tensor_eval(tensor, feed_dict=None, session=None):
    """`tensor.eval()` for a graph tensor (symbolic tensors have no `eval` method in flowgrad):
    its value in `session`, default the default session."""
    if isinstance(tensor, _SymbolicTensor) or hasattr(tensor, "_is_variable"):
        return _eval_tensor(tensor, feed_dict, session)
    return tensor.numpy()


def get_local_variable(name, shape=None, dtype=None, initializer=None, **kwargs):
    kwargs.setdefault("collections", [GraphKeys.LOCAL_VARIABLES])
    return get_variable(name, shape, dtype, initializer, trainable=False, **kwargs)


def device(device_name_or_function):
    """Device scopes are accepted (flowgrad places on the CPU unless a GPU backend exists)."""
    import contextlib
    if callable(device_name_or_function):
        return contextlib.nullcontext()
    return _tf().device(device_name_or_function)


def colocate_with(op, ignore_existing=False):
    import contextlib
    return contextlib.nullcontext()


def min_max_variable_partitioner(*args, **kwargs):
    return None


def fixed_size_partitioner(*args, **kwargs):
    return None


# -- session configuration (accepted, ignored) -----------------------------------------------------
class _Proto:
    """A settings record: any keyword is stored as an attribute."""

    _nested = ()

    def __init__(self, **kwargs):
        for k, cls in self._nested:
            setattr(self, k, cls())
        for k, v in kwargs.items():
            setattr(self, k, v)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

    def CopyFrom(self, other):
        self.__dict__.update(other.__dict__)

    def __repr__(self):
        fields = ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items())
        return f"{type(self).__name__}({fields})"


class GPUOptions(_Proto):
    """GPU settings (ignored)."""


class GraphOptions(_Proto):
    """Graph optimizer settings (ignored)."""


class OptimizerOptions(_Proto):
    pass


class ConfigProto(_Proto):
    """Session settings (`tf.compat.v1.ConfigProto`): accepted and ignored."""

    _nested = (("gpu_options", GPUOptions), ("graph_options", GraphOptions))


class RunOptions(_Proto):
    FULL_TRACE = 3
    NO_TRACE = 0
    SOFTWARE_TRACE = 1
    HARDWARE_TRACE = 2


class RunMetadata(_Proto):
    pass


class _Flags:
    """`tf.compat.v1.flags` / `app.flags`: defined flags become attributes of `FLAGS`."""

    class _Values:
        pass

    def __init__(self):
        self.FLAGS = self._Values()

    def _define(self, name, default, *args, **kwargs):
        setattr(self.FLAGS, name, default)

    DEFINE_string = DEFINE_integer = DEFINE_float = DEFINE_boolean = DEFINE_bool = _define
    DEFINE_enum = DEFINE_list = _define


flags = _Flags()


class _App:
    flags = flags

    @staticmethod
    def run(main=None, argv=None):
        import sys
        main = main or sys.modules["__main__"].main
        sys.exit(main(argv or sys.argv))


app = _App()


tuple = _graph_mod.tuple_  # tf.compat.v1.tuple (shadows the builtin only here, at the end)
