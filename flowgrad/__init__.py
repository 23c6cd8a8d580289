"""flowgrad: TensorFlow 2 and Keras, rebuilt as a lean Python framework.

`import flowgrad as tf` and TensorFlow 2 tutorial code runs unchanged. This file only
re-exports; the namespaces (`tf.math`, `tf.nn`, `tf.linalg`, `tf.random`, ...) are modules of
their own, loaded lazily where they are heavy.
"""

import warnings as _warnings

# NumPy reports overflow / division by zero as RuntimeWarnings; TensorFlow computes inf / nan
# silently. Only warnings raised from flowgrad's own modules are silenced.
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"flowgrad(\.|$)")

from . import dtypes, errors, nest  # noqa: E402
from .dtypes import (  # noqa: E402,F401
    DType, as_dtype, bfloat16, bool, complex64, complex128, double, float16, float32, float64,
    half, int8, int16, int32, int64, string, uint8, uint16, uint32, uint64)
from .core.tensor import Tensor  # noqa: E402
from .core.tensor_shape import TensorShape  # noqa: E402
from .core.variable import Variable  # noqa: E402
from .core.tape import GradientTape, UnconnectedGradients  # noqa: E402
from .core.context import device, executing_eagerly  # noqa: E402
from . import ops as _ops  # noqa: E402,F401  (registers ops, installs operators)
from .ops.array_ops import (  # noqa: E402,F401
    broadcast_to, concat, constant, convert_to_tensor, expand_dims, eye, fill, identity,
    linspace, newaxis, ones, ones_like, range, rank, reshape, shape, size, split, squeeze, stack,
    stop_gradient, transpose, unstack, zeros, zeros_like)
from .ops.math_ops import (  # noqa: E402,F401
    abs, acos, add, add_n, argmax, argmin, asin, atan, atan2, cast, ceil, clip_by_value, cos,
    cosh, cumsum, cumprod, divide, equal, exp, expm1, floor, floordiv, floormod, greater,
    greater_equal, less, less_equal, log, log1p, logical_and, logical_not, logical_or,
    logical_xor, maximum, minimum, mod, multiply, negative, not_equal, pow, reciprocal,
    reduce_all, reduce_any, reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod,
    reduce_std, reduce_sum, reduce_variance, round, rsqrt, saturate_cast, sigmoid, sign, sin,
    sinh, sqrt, square, squared_difference, subtract, tan, tanh, truediv, where, count_nonzero,
    divide_no_nan, scalar_mul)
from .ops.linalg_ops import matmul  # noqa: E402,F401
from .ops.indexing_ops import *  # noqa: E402,F401,F403
from .ops.linalg_ops import *  # noqa: E402,F401,F403
from .core.custom_gradient import custom_gradient  # noqa: E402,F401
from .ops.control_flow_ops import (  # noqa: E402,F401
    case, cond, foldl, foldr, map_fn, scan, switch_case, while_loop)
from .graph.function import Function as _Function, TensorSpec, function  # noqa: E402,F401
from .graph.tracer import init_scope  # noqa: E402,F401
from .ops.logging_ops import print_ as print  # noqa: E402,F401,A001
from . import bitwise, config, linalg, math, nn, random  # noqa: E402,F401
from .ops.math_ops import clip_by_global_norm, clip_by_norm, global_norm, is_tensor  # noqa: E402,F401

__version__ = "0.1.0"

# Heavier namespaces load on first use: `tf.keras`, `tf.data`, `tf.compat`, ...
_LAZY_SUBMODULES = {"keras", "autograph", "compat", "data", "summary", "saved_model", "train",
                    "io", "image", "strings", "lite", "distribute", "experimental", "ragged"}

# Classes of lazily loaded submodules: `tf.RaggedTensor` is `tf.ragged.RaggedTensor` (looked up
# on each access, not cached here, so the module's names do not depend on what ran before).
_LAZY_CLASSES = {"RaggedTensor": "ragged"}


# Graph-building helpers defined with tf.compat.v1 (no-ops while executing eagerly).
_LAZY_NAMES = {"group": "group", "control_dependencies": "control_dependencies",
               "no_op": "no_op", "tuple": "tuple_"}


def __getattr__(name):
    if name in _LAZY_NAMES:
        from .compat.v1 import _graph
        obj = getattr(_graph, _LAZY_NAMES[name])
        globals()[name] = obj
        return obj
    if name in _LAZY_CLASSES:
        return getattr(__getattr__(_LAZY_CLASSES[name]), name)
    if name in _LAZY_SUBMODULES:
        import importlib
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name == f"{__name__}.{name}":
                raise AttributeError(f"module 'flowgrad' has no attribute {name!r}") from None
            raise
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'flowgrad' has no attribute {name!r}")
