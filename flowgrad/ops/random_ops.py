"""`tf.random`: seeded random tensors with TensorFlow's global/op seed semantics.

Seeds follow TensorFlow's four rules (`set_seed`):

1. No global seed and no op seed: the values are nondeterministic.
2. A global seed and no op seed: each call draws an op seed from a counter that `set_seed` resets,
   so the same sequence of random calls after `set_seed(n)` gives the same values, while two
   successive calls give different ones.
3. An op seed and no global seed: a fixed default global seed is paired with the op seed.
4. Both: the (global, op) pair keys a stream. Repeated calls with the same op seed continue that
   stream (a sequence, as TensorFlow's stateful kernels give); `set_seed` restarts it.

The stateless ops (`stateless_normal`, ...) are pure functions of their `seed=[a, b]`, and a
`Generator` carries its own state. Every sampling op is a registered, non-differentiable op whose
kernel draws from a NumPy `Generator` (Philox or PCG64) handed to it as an attribute; `mean`,
`stddev`, `minval` and `maxval` are applied afterwards with flowgrad's math ops, so gradients with
respect to them flow as in TensorFlow.

The values are reproducible within flowgrad but do not match TensorFlow's bit streams: the same
seeds give other numbers than TensorFlow's Philox / ThreeFry kernels. Only the seed semantics,
shapes, dtypes and distributions are TensorFlow's.
"""

import copy
import enum
import operator
import threading

import numpy as np

from .. import dtypes as _dtypes
from ..core.convert import convert_to_tensor
from ..core.dispatch import execute
from ..core.registry import register_op
from ..core.tensor import Tensor
from ..core.tensor_shape import TensorShape
from ..errors import InvalidArgumentError, shape_str
from ._common import to_tensor
from .math_ops import add, multiply, subtract

__all__ = [
    "Algorithm", "Generator", "categorical", "get_global_generator", "get_seed", "normal",
    "set_global_generator", "set_seed", "shuffle", "stateless_categorical", "stateless_normal",
    "stateless_truncated_normal", "stateless_uniform", "truncated_normal", "uniform",
]

DEFAULT_GLOBAL_SEED = 87654321
_MASK64 = (1 << 64) - 1
_MASK31 = (1 << 31) - 1


class Algorithm(enum.Enum):
    """The random-number algorithms a `Generator` or stateless op can be asked for.

    flowgrad keys NumPy bit generators with them: `PHILOX` and `AUTO_SELECT` use NumPy's Philox,
    `THREEFRY` uses NumPy's PCG64 (NumPy has no ThreeFry). The bit streams differ from
    TensorFlow's either way.
    """

    PHILOX = 1
    THREEFRY = 2
    AUTO_SELECT = 3


def _algorithm(alg, default):
    if alg is None:
        return default.value
    if isinstance(alg, Algorithm):
        return alg.value
    if isinstance(alg, str) and alg.upper() in Algorithm.__members__:
        return Algorithm[alg.upper()].value
    if isinstance(alg, (int, np.integer)) and int(alg) in {a.value for a in Algorithm}:
        return int(alg)
    raise ValueError(f"Unsupported random algorithm {alg!r}: use 'philox', 'threefry', "
                     f"'auto_select' or a tf.random.Algorithm member.")


def _bit_stream(entropy, alg):
    """A NumPy Generator for the algorithm, seeded by a SeedSequence (or its entropy words)."""
    seq = entropy if isinstance(entropy, np.random.SeedSequence) else np.random.SeedSequence(
        entropy)
    if alg == Algorithm.THREEFRY.value:
        return np.random.Generator(np.random.PCG64(seq))
    return np.random.Generator(np.random.Philox(seq))


def _keyed_stream(seed, alg):
    """The stream of a stateless op: a pure function of its two seed words."""
    words = [s & _MASK64 for s in seed]
    if alg == Algorithm.THREEFRY.value:
        return np.random.Generator(np.random.PCG64(words))
    return np.random.Generator(np.random.Philox(key=words))


# -- global and op seeds ---------------------------------------------------------------------------
class _SeedState:
    """The global seed, the counter that derives op seeds from it, and the streams of explicit
    (global, op) seed pairs, which persist so that repeated calls continue one sequence."""

    def __init__(self):
        self.lock = threading.Lock()
        self.global_seed = None
        self.counter = 0
        self.streams = {}
        self.entropy = np.random.Generator(np.random.Philox())


_STATE = _SeedState()


def set_seed(seed):
    """Sets the global random seed.

    Random ops without an op seed then derive one from a counter that this call resets, so
    re-running the same sequence of random calls reproduces the same values; ops with an op seed
    restart their sequences. `set_seed(None)` returns to nondeterministic values.

    Args:
        seed: an integer, or None.

    Example:
        >>> import flowgrad as tf
        >>> tf.random.set_seed(5)
        >>> a = tf.random.uniform([3])
        >>> tf.random.set_seed(5)
        >>> bool(tf.reduce_all(a == tf.random.uniform([3])))
        True
        >>> tf.random.set_seed(None)
    """
    seed = None if seed is None else operator.index(seed)
    with _STATE.lock:
        _STATE.global_seed = seed
        _STATE.counter = 0
        _STATE.streams.clear()


def _seed_pair(op_seed):
    """Returns (global seed, op seed, call index); the call index is None unless the op seed was
    derived from the counter, and both seeds are None when neither is set."""
    with _STATE.lock:
        global_seed = _STATE.global_seed
        if op_seed is not None:
            op_seed = operator.index(op_seed)
            return (DEFAULT_GLOBAL_SEED if global_seed is None else global_seed), op_seed, None
        if global_seed is None:
            return None, None, None
        index = _STATE.counter
        _STATE.counter += 1
    words = np.random.SeedSequence([global_seed & _MASK64, index]).generate_state(1)
    return global_seed, int(words[0]) & _MASK31, index


def get_seed(op_seed):
    """Returns the (global seed, op seed) pair a random op uses, following `set_seed`'s rules.

    For code that seeds its own randomness (a dataset shuffle, a dropout mask) the way
    TensorFlow's random ops do. Each call without an op seed under a global seed advances the
    counter, so it returns a new op seed.

    Args:
        op_seed: the op's seed, or None.

    Returns:
        `(None, None)` when neither seed is set, else two integers.

    Example:
        >>> import flowgrad as tf
        >>> from flowgrad.ops.random_ops import get_seed
        >>> tf.random.set_seed(None)
        >>> get_seed(None), get_seed(7)
        ((None, None), (87654321, 7))
    """
    global_seed, op_seed, _ = _seed_pair(op_seed)
    return global_seed, op_seed


def _stream(op, dtype, op_seed):
    """The NumPy Generator a stateful op with this op seed draws from (see the module rules)."""
    global_seed, op_seed, index = _seed_pair(op_seed)
    if global_seed is None:
        return _STATE.entropy
    words = [global_seed & _MASK64, op_seed & _MASK64]
    if index is not None:
        return _bit_stream(words + [index], Algorithm.PHILOX.value)
    key = (op.name, dtype.name, global_seed, op_seed)
    with _STATE.lock:
        stream = _STATE.streams.get(key)
        if stream is None:
            stream = _STATE.streams[key] = _bit_stream(words, Algorithm.PHILOX.value)
    return stream


# -- argument checks -------------------------------------------------------------------------------
_FLOATS = tuple(d for d in (_dtypes.float16, _dtypes.bfloat16, _dtypes.float32, _dtypes.float64)
                if d is not None)
_SIGNED = (_dtypes.int32, _dtypes.int64)
_ALL_INTS = _SIGNED + (_dtypes.uint32, _dtypes.uint64)
# Significand bits of the half-width floats: their uniform samples are k / 2**bits, k < 2**bits,
# which stay below 1 exactly (rounding a float32 sample could reach 1.0).
_HALF_BITS = {"float16": 11, "bfloat16": 8}


def _check_dtype(dtype, allowed, param="dtype"):
    d = _dtypes.as_dtype(dtype)
    if d not in allowed:
        raise TypeError(f"Value passed to parameter '{param}' has DataType {d.name} not in list "
                        f"of allowed values: {', '.join(a.name for a in allowed)}")
    return d


def _shape_dims(shape, op_name):
    """Shape arguments as TensorFlow takes them: a list, tuple, TensorShape or 1-D int tensor."""
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"{op_name}: the shape must be fully defined, got {shape}.")
        dims = tuple(shape.as_list())
    elif isinstance(shape, Tensor) or hasattr(shape, "_is_variable"):
        t = convert_to_tensor(shape)
        if not t.dtype.is_integer:
            raise TypeError(f"{op_name}: a shape tensor must have an integer dtype, got "
                            f"{t.dtype.name}.")
        if t.ndim != 1:
            raise InvalidArgumentError(
                None, op_name, f"shape must be a vector of {{int32,int64}}, got shape "
                f"{shape_str(t.shape)} [Op:{op_name}]")
        dims = tuple(int(d) for d in t.numpy().tolist())
    elif isinstance(shape, (int, np.integer)):
        raise InvalidArgumentError(
            None, op_name, f"shape must be a vector of {{int32,int64}}, got shape [] "
            f"[Op:{op_name}]. Write the shape as a list, e.g. [{int(shape)}].")
    else:
        try:
            dims = tuple(operator.index(d) for d in shape)
        except TypeError:
            raise TypeError(f"{op_name}: shape must be a list of integers or a 1-D integer "
                            f"tensor, got {shape!r}.") from None
    if any(d < 0 for d in dims):
        raise InvalidArgumentError(None, op_name, f"{op_name}: dimensions must be >= 0, got shape "
                                   f"{list(dims)}. [Op:{op_name}]")
    return dims


def _is_number(value, equal_to=None):
    return type(value) in (int, float) and (equal_to is None or value == equal_to)


def _operand(value, dtype, neutral):
    """`value` as a tensor of `dtype`, or None where it is the Python constant `neutral`."""
    return None if _is_number(value, neutral) else convert_to_tensor(value, dtype=dtype)


def _scale_shift(sample, scale, shift):
    if scale is not None:
        sample = multiply(sample, scale)
    if shift is not None:
        sample = add(sample, shift)
    return sample


def _int_bound(value, dtype, what, op_name):
    t = convert_to_tensor(value, dtype=dtype)
    if t.ndim != 0:
        raise InvalidArgumentError(None, op_name, f"{what} must be 0-D, got shape "
                                   f"{shape_str(t.shape)} [Op:{op_name}]")
    return int(t.numpy())


# -- kernels ---------------------------------------------------------------------------------------
def _wide(dtype):
    """The dtype the generator samples in: half-width floats are rounded from float32."""
    return dtype if dtype.itemsize >= 4 else "float32"


def _draw_normal(xp, rng, *, shape, dtype):
    return xp.asarray(rng.standard_normal(shape, dtype=_wide(dtype)).astype(dtype))


def _draw_uniform(xp, rng, *, shape, dtype):
    bits = _HALF_BITS.get(dtype.name)
    if bits is None:
        return xp.asarray(rng.random(shape, dtype=dtype))
    return xp.asarray((rng.integers(0, 1 << bits, size=shape) * (1.0 / (1 << bits))).astype(dtype))


def _draw_uniform_int(xp, rng, *, shape, minval, maxval, dtype):
    return xp.asarray(rng.integers(minval, maxval, size=shape, dtype=dtype))


def _draw_truncated_normal(xp, rng, *, shape, dtype):
    sample = rng.standard_normal(shape, dtype=_wide(dtype))
    flat = sample.reshape(-1)
    outside = (abs(flat) > 2).nonzero()[0]
    while outside.size:
        redrawn = rng.standard_normal(outside.size, dtype=_wide(dtype))
        flat[outside] = redrawn
        outside = outside[abs(redrawn) > 2]
    return xp.asarray(sample.astype(dtype))


def _draw_categorical(xp, rng, logits, *, num_samples, dtype):
    batch = logits.shape[0]
    u = xp.asarray(rng.random((batch, num_samples)))
    x = logits.astype("float64")
    cdf = xp.cumsum(xp.exp(x - x.max(axis=1, keepdims=True)), axis=1)
    # Dividing by the row total makes the last entry exactly 1 > u, and a class of probability 0
    # (logit -inf) has cdf[i] == cdf[i - 1], so searching for the first cdf > u never picks it.
    cdf = cdf / cdf[:, -1:]
    out = xp.empty((batch, num_samples), dtype=dtype)
    for row in range(batch):
        out[row] = xp.searchsorted(cdf[row], u[row], side="right")
    return out


def _draw_shuffle(xp, rng, value):
    if value.ndim == 0:
        return value.copy()
    return value[xp.asarray(rng.permutation(value.shape[0]))]


def _stateful(name, draw):
    def kernel(xp, *arrays, rng, **attrs):
        return draw(xp, rng, *arrays, **attrs)
    return register_op(name, kernel, differentiable=False, stateful=True)


def _stateless(name, draw):
    # The stream is rebuilt from the seed attribute on every run, so the op stays a pure function
    # of its seed (also when a traced graph runs it again).
    def kernel(xp, *arrays, seed, alg, **attrs):
        return draw(xp, _keyed_stream(seed, alg), *arrays, **attrs)
    return register_op(name, kernel, differentiable=False)


class _OpFamily:
    """The sampling ops one kind of randomness (stateful or stateless) runs on."""

    def __init__(self, normal, uniform, uniform_int, truncated_normal, categorical):
        self.normal = normal
        self.uniform = uniform
        self.uniform_int = uniform_int
        self.truncated_normal = truncated_normal
        self.categorical = categorical


_STATEFUL_OPS = _OpFamily(
    _stateful("RandomStandardNormal", _draw_normal),
    _stateful("RandomUniform", _draw_uniform),
    _stateful("RandomUniformInt", _draw_uniform_int),
    _stateful("TruncatedNormal", _draw_truncated_normal),
    _stateful("Multinomial", _draw_categorical))
_STATELESS_OPS = _OpFamily(
    _stateless("StatelessRandomNormalV2", _draw_normal),
    _stateless("StatelessRandomUniformV2", _draw_uniform),
    _stateless("StatelessRandomUniformIntV2", _draw_uniform_int),
    _stateless("StatelessTruncatedNormalV2", _draw_truncated_normal),
    _stateless("StatelessMultinomial", _draw_categorical))
RANDOM_SHUFFLE = _stateful("RandomShuffle", _draw_shuffle)
# Uniform [0, 1) samples shaped like a tensor, read when the op runs (dropout masks in graphs
# traced with unknown batch dimensions).
RANDOM_UNIFORM_LIKE = _stateful(
    "RandomUniformLike", lambda xp, rng, x, dtype: _draw_uniform(xp, rng, shape=x.shape,
                                                                 dtype=dtype))


def uniform_like(x, dtype=None, seed=None):
    """Uniform samples in [0, 1) with the (run-time) shape of `x`."""
    from ._common import to_tensor
    t = to_tensor(x)
    d = _dtypes.as_dtype(dtype) if dtype is not None else t.dtype
    return execute(RANDOM_UNIFORM_LIKE, (t,), {"dtype": d._np,
                                               **_OpSeedSource(seed).attrs(RANDOM_UNIFORM_LIKE, d)})


# -- where the randomness comes from ---------------------------------------------------------------
class _OpSeedSource:
    """tf.random.* ops: streams chosen by the global seed and the op seed."""

    ops = _STATEFUL_OPS

    def __init__(self, op_seed):
        self.op_seed = op_seed

    def attrs(self, op, dtype):
        return {"rng": _stream(op, dtype, self.op_seed)}


class _GeneratorSource:
    """Generator methods: the generator's own stream."""

    ops = _STATEFUL_OPS

    def __init__(self, generator):
        self.generator = generator

    def attrs(self, op, dtype):
        return {"rng": self.generator._rng}


class _StatelessSource:
    """stateless_* ops: a stream keyed by the seed, rebuilt by the kernel."""

    ops = _STATELESS_OPS

    def __init__(self, seed, alg, op_name):
        self.seed = _stateless_seed(seed, op_name)
        self.alg = _algorithm(alg, Algorithm.AUTO_SELECT)

    def attrs(self, op, dtype):
        return {"seed": self.seed, "alg": self.alg}


def _stateless_seed(seed, op_name):
    t = to_tensor(seed)
    if t.dtype not in _SIGNED:
        raise TypeError(f"{op_name}: seed must be an int32 or int64 tensor of shape [2], got "
                        f"dtype {t.dtype.name}.")
    if tuple(t.shape) != (2,):
        raise InvalidArgumentError(None, op_name, f"seed must have shape [2], not "
                                   f"{shape_str(t.shape)} [Op:{op_name}]")
    return tuple(int(s) for s in t.numpy().tolist())


# -- shared sampling logic -------------------------------------------------------------------------
def _normal(source, op, shape, mean, stddev, dtype):
    d = _check_dtype(dtype, _FLOATS)
    dims = _shape_dims(shape, op.name)
    scale, shift = _operand(stddev, d, 1), _operand(mean, d, 0)
    sample = execute(op, (), {"shape": dims, "dtype": d._np, **source.attrs(op, d)})
    return _scale_shift(sample, scale, shift)


def _uniform(source, shape, minval, maxval, dtype, allowed, maxval_required):
    """Uniform samples in [minval, maxval). For integers, `maxval_required` gives the rule of
    tf.random.uniform (maxval must be given); otherwise both bounds None mean the full range."""
    d = _check_dtype(dtype, allowed)
    ops = source.ops
    if d.is_integer:
        op = ops.uniform_int
        dims = _shape_dims(shape, op.name)
        if maxval_required and maxval is None:
            raise ValueError(f"Must specify maxval for integer dtype {d.name}")
        if (minval is None) != (maxval is None):
            raise ValueError(f"For integer dtype {d.name}, minval and maxval must be both None or "
                             f"both not None; got minval={minval!r} and maxval={maxval!r}.")
        if minval is None:
            low, high = d.min, d.max + 1
        else:
            low = _int_bound(minval, d, "minval", op.name)
            high = _int_bound(maxval, d, "maxval", op.name)
            if low >= high:
                raise InvalidArgumentError(None, op.name, f"Need minval < maxval: {low} >= "
                                           f"{high} [Op:{op.name}]")
        return execute(op, (), {"shape": dims, "minval": low, "maxval": high, "dtype": d._np,
                                **source.attrs(op, d)})
    op = ops.uniform
    dims = _shape_dims(shape, op.name)
    minval = 0 if minval is None else minval
    maxval = 1 if maxval is None else maxval
    if _is_number(minval) and _is_number(maxval):
        scale, shift = _operand(maxval - minval, d, 1), _operand(minval, d, 0)
    else:
        shift = convert_to_tensor(minval, dtype=d)
        scale = subtract(convert_to_tensor(maxval, dtype=d), shift)
    sample = execute(op, (), {"shape": dims, "dtype": d._np, **source.attrs(op, d)})
    return _scale_shift(sample, scale, shift)


def _categorical(source, logits, num_samples, dtype):
    op = source.ops.categorical
    d = _check_dtype(_dtypes.int64 if dtype is None else dtype, _SIGNED)
    t = to_tensor(logits)
    if not (t.dtype.is_floating or t.dtype.is_integer):
        raise InvalidArgumentError(None, op.name, f"logits must be a real-valued tensor, got "
                                   f"dtype {t.dtype.name} [Op:{op.name}]")
    if t.ndim != 2:
        raise InvalidArgumentError(None, op.name, f"logits should be a matrix [batch_size, "
                                   f"num_classes], got shape {shape_str(t.shape)} [Op:{op.name}]")
    if t.shape[1] == 0:
        raise InvalidArgumentError(None, op.name, f"num_classes should be positive, got 0 "
                                   f"[Op:{op.name}]")
    n = operator.index(num_samples)
    if n < 0:
        raise InvalidArgumentError(None, op.name, f"num_samples should be nonnegative, got {n} "
                                   f"[Op:{op.name}]")
    return execute(op, (t,), {"num_samples": n, "dtype": d._np, **source.attrs(op, d)})


# -- tf.random ----------------------------------------------------------------------------------
def normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Outputs random values from a normal distribution (`tf.random.normal`).

    Args:
        shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
        mean: the mean, a scalar or a tensor broadcastable to `shape`.
        stddev: the standard deviation, a scalar or a broadcastable tensor.
        dtype: float16, bfloat16, float32 or float64.
        seed: the op seed; see `set_seed` for how it combines with the global seed.
        name: unused; kept for TensorFlow compatibility.

    Returns:
        A tensor of `shape` and `dtype`. Gradients flow to tensor-valued `mean` and `stddev`.

    Example:
        >>> import flowgrad as tf
        >>> x = tf.random.normal([2, 3], mean=1.0, stddev=0.5, seed=1)
        >>> x.shape, x.dtype.name
        (TensorShape([2, 3]), 'float32')
    """
    return _normal(_OpSeedSource(seed), _STATEFUL_OPS.normal, shape, mean, stddev, dtype)


def uniform(shape, minval=0, maxval=None, dtype=_dtypes.float32, seed=None, name=None):
    """Outputs random values from a uniform distribution on [minval, maxval) (`tf.random.uniform`).

    Args:
        shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
        minval: the inclusive lower bound.
        maxval: the exclusive upper bound; defaults to 1 for floats and is required for integers.
        dtype: float16, bfloat16, float32, float64, int32 or int64.
        seed: the op seed; see `set_seed`.
        name: unused; kept for TensorFlow compatibility.

    Returns:
        A tensor of `shape` and `dtype`.

    Raises:
        ValueError: `dtype` is an integer type and `maxval` is not given.
        InvalidArgumentError: integer bounds with `minval >= maxval`.

    Example:
        >>> import flowgrad as tf
        >>> dice = tf.random.uniform([4], minval=1, maxval=7, dtype=tf.int32, seed=2)
        >>> bool(tf.reduce_all((dice >= 1) & (dice < 7)))
        True
    """
    return _uniform(_OpSeedSource(seed), shape, minval, maxval, dtype, _FLOATS + _SIGNED,
                    maxval_required=True)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, seed=None, name=None):
    """Normal samples with values more than 2 standard deviations from the mean redrawn
    (`tf.random.truncated_normal`).

    Args:
        shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
        mean: the mean of the untruncated distribution.
        stddev: its standard deviation; samples lie within `mean +- 2 * stddev`.
        dtype: float16, bfloat16, float32 or float64.
        seed: the op seed; see `set_seed`.
        name: unused; kept for TensorFlow compatibility.

    Returns:
        A tensor of `shape` and `dtype`.

    Example:
        >>> import flowgrad as tf
        >>> x = tf.random.truncated_normal([1000], stddev=3.0, seed=3)
        >>> float(tf.reduce_max(tf.abs(x))) <= 6.0
        True
    """
    return _normal(_OpSeedSource(seed), _STATEFUL_OPS.truncated_normal, shape, mean, stddev,
                   dtype)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """Draws class indices from categorical distributions (`tf.random.categorical`).

    Args:
        logits: a `[batch_size, num_classes]` tensor of unnormalized log-probabilities; a class
            with logit `-inf` is never drawn.
        num_samples: how many indices to draw per row.
        dtype: int32 or int64 (the default).
        seed: the op seed; see `set_seed`.
        name: unused; kept for TensorFlow compatibility.

    Returns:
        A `[batch_size, num_samples]` tensor of indices.

    Example:
        >>> import flowgrad as tf
        >>> logits = tf.math.log([[0.5, 0.5, 0.0]])
        >>> samples = tf.random.categorical(logits, 5, seed=4)
        >>> samples.shape, int(tf.reduce_max(samples)) < 2
        (TensorShape([1, 5]), True)
    """
    return _categorical(_OpSeedSource(seed), logits, num_samples, dtype)


def shuffle(value, seed=None, name=None):
    """Randomly permutes a tensor along its first dimension (`tf.random.shuffle`).

    Args:
        value: the tensor to shuffle.
        seed: the op seed; see `set_seed`.
        name: unused; kept for TensorFlow compatibility.

    Returns:
        A tensor of the same shape and dtype whose rows are a permutation of `value`'s.

    Example:
        >>> import flowgrad as tf
        >>> x = tf.random.shuffle(tf.range(5), seed=5)
        >>> sorted(x.numpy().tolist())
        [0, 1, 2, 3, 4]
    """
    t = to_tensor(value)
    return execute(RANDOM_SHUFFLE, (t,), {"rng": _stream(RANDOM_SHUFFLE, t.dtype, seed)})


def stateless_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None,
                     alg="auto_select"):
    """Normal samples that are a pure function of `seed` (`tf.random.stateless_normal`).

    Args:
        shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
        seed: a shape `[2]` int32 or int64 tensor (or list of two ints).
        mean: the mean, a scalar or a broadcastable tensor.
        stddev: the standard deviation.
        dtype: float16, bfloat16, float32 or float64.
        name: unused; kept for TensorFlow compatibility.
        alg: "philox", "threefry", "auto_select" or a `tf.random.Algorithm`.

    Returns:
        A tensor of `shape` and `dtype`; the same seed always gives the same values.

    Example:
        >>> import flowgrad as tf
        >>> a = tf.random.stateless_normal([3], seed=[1, 2])
        >>> bool(tf.reduce_all(a == tf.random.stateless_normal([3], seed=[1, 2])))
        True
    """
    op = _STATELESS_OPS.normal
    return _normal(_StatelessSource(seed, alg, op.name), op, shape, mean, stddev, dtype)


def stateless_uniform(shape, seed, minval=0, maxval=None, dtype=_dtypes.float32, name=None,
                      alg="auto_select"):
    """Uniform samples on [minval, maxval) that are a pure function of `seed`
    (`tf.random.stateless_uniform`).

    Args:
        shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
        seed: a shape `[2]` int32 or int64 tensor (or list of two ints).
        minval: the inclusive lower bound.
        maxval: the exclusive upper bound; defaults to 1 for floats. For integer dtypes give both
            bounds, or pass `minval=None, maxval=None` for the dtype's full range.
        dtype: float16, bfloat16, float32, float64, int32, int64, uint32 or uint64.
        name: unused; kept for TensorFlow compatibility.
        alg: "philox", "threefry", "auto_select" or a `tf.random.Algorithm`.

    Returns:
        A tensor of `shape` and `dtype`.

    Example:
        >>> import flowgrad as tf
        >>> x = tf.random.stateless_uniform([2], seed=[3, 4], minval=0, maxval=10, dtype=tf.int64)
        >>> x.dtype.name
        'int64'
    """
    source = _StatelessSource(seed, alg, _STATELESS_OPS.uniform.name)
    return _uniform(source, shape, minval, maxval, dtype, _FLOATS + _ALL_INTS,
                    maxval_required=False)


def stateless_truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=_dtypes.float32,
                               name=None, alg="auto_select"):
    """Truncated normal samples that are a pure function of `seed`
    (`tf.random.stateless_truncated_normal`).

    Args:
        shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
        seed: a shape `[2]` int32 or int64 tensor (or list of two ints).
        mean: the mean of the untruncated distribution.
        stddev: its standard deviation; samples lie within `mean +- 2 * stddev`.
        dtype: float16, bfloat16, float32 or float64.
        name: unused; kept for TensorFlow compatibility.
        alg: "philox", "threefry", "auto_select" or a `tf.random.Algorithm`.

    Returns:
        A tensor of `shape` and `dtype`.

    Example:
        >>> import flowgrad as tf
        >>> x = tf.random.stateless_truncated_normal([100], seed=[5, 6])
        >>> float(tf.reduce_max(tf.abs(x))) <= 2.0
        True
    """
    op = _STATELESS_OPS.truncated_normal
    return _normal(_StatelessSource(seed, alg, op.name), op, shape, mean, stddev, dtype)


def stateless_categorical(logits, num_samples, seed, dtype=_dtypes.int64, name=None):
    """Class indices drawn as a pure function of `seed` (`tf.random.stateless_categorical`).

    Args:
        logits: a `[batch_size, num_classes]` tensor of unnormalized log-probabilities.
        num_samples: how many indices to draw per row.
        seed: a shape `[2]` int32 or int64 tensor (or list of two ints).
        dtype: int32 or int64.
        name: unused; kept for TensorFlow compatibility.

    Returns:
        A `[batch_size, num_samples]` tensor of indices.

    Example:
        >>> import flowgrad as tf
        >>> tf.random.stateless_categorical([[0.0, 0.0]], 3, seed=[7, 8]).shape
        TensorShape([1, 3])
    """
    source = _StatelessSource(seed, None, _STATELESS_OPS.categorical.name)
    return _categorical(source, logits, num_samples, dtype)


# -- Generator ----------------------------------------------------------------------------------
def _seed_words(seed):
    if isinstance(seed, Tensor) or hasattr(seed, "_is_variable"):
        seed = convert_to_tensor(seed).numpy().tolist()
    words = [seed] if isinstance(seed, (int, np.integer)) else list(seed)
    return [operator.index(w) & _MASK64 for w in words]


class Generator:
    """A random number generator with its own state (`tf.random.Generator`).

    Its draws do not depend on `tf.random.set_seed`: a generator made with `from_seed` gives the
    same sequence every time it is made. Create one with `Generator.from_seed(seed)` or
    `Generator.from_non_deterministic_state()`; `Generator(copy_from=g)` continues from a copy
    of `g`'s current state.

    Args:
        copy_from: the Generator to copy.

    Example:
        >>> import flowgrad as tf
        >>> g = tf.random.Generator.from_seed(1)
        >>> a = g.normal([2])
        >>> b = tf.random.Generator.from_seed(1).normal([2])
        >>> bool(tf.reduce_all(a == b))
        True
    """

    def __init__(self, copy_from):
        if not isinstance(copy_from, Generator):
            raise TypeError("Generator(copy_from=...) copies another Generator. Create a new one "
                            "with tf.random.Generator.from_seed(seed) or "
                            "tf.random.Generator.from_non_deterministic_state().")
        self._alg = copy_from._alg
        self._rng = copy.deepcopy(copy_from._rng)

    @classmethod
    def _create(cls, entropy, alg):
        generator = cls.__new__(cls)
        generator._alg = alg
        generator._rng = _bit_stream(entropy, alg)
        return generator

    @classmethod
    def from_seed(cls, seed, alg=None):
        """Creates a generator whose draws are determined by `seed`.

        Args:
            seed: an integer, or a list / 1-D integer tensor of integers.
            alg: "philox" (the default), "threefry", "auto_select" or a `tf.random.Algorithm`.

        Returns:
            A new Generator.

        Example:
            >>> import flowgrad as tf
            >>> tf.random.Generator.from_seed(7).uniform([2]).shape
            TensorShape([2])
        """
        return cls._create(_seed_words(seed), _algorithm(alg, Algorithm.PHILOX))

    @classmethod
    def from_non_deterministic_state(cls, alg=None):
        """Creates a generator seeded from the operating system's entropy.

        Args:
            alg: "philox" (the default), "threefry", "auto_select" or a `tf.random.Algorithm`.

        Returns:
            A new Generator.

        Example:
            >>> import flowgrad as tf
            >>> tf.random.Generator.from_non_deterministic_state().normal([2]).shape
            TensorShape([2])
        """
        return cls._create(np.random.SeedSequence(), _algorithm(alg, Algorithm.PHILOX))

    @property
    def algorithm(self):
        """The algorithm's number (`tf.random.Algorithm(g.algorithm)` names it)."""
        return self._alg

    def reset_from_seed(self, seed):
        """Restarts the generator as `Generator.from_seed(seed)` with its algorithm would.

        Args:
            seed: an integer, or a list / 1-D integer tensor of integers.
        """
        self._rng = _bit_stream(_seed_words(seed), self._alg)

    def normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None):
        """Normal samples drawn from this generator's stream.

        Args:
            shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
            mean: the mean, a scalar or a broadcastable tensor.
            stddev: the standard deviation.
            dtype: float16, bfloat16, float32 or float64.
            name: unused; kept for TensorFlow compatibility.

        Returns:
            A tensor of `shape` and `dtype`.

        Example:
            >>> import flowgrad as tf
            >>> tf.random.Generator.from_seed(1).normal([2, 2], stddev=2.0).shape
            TensorShape([2, 2])
        """
        return _normal(_GeneratorSource(self), _STATEFUL_OPS.normal, shape, mean, stddev, dtype)

    def uniform(self, shape, minval=0, maxval=None, dtype=_dtypes.float32, name=None):
        """Uniform samples on [minval, maxval) drawn from this generator's stream.

        Args:
            shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
            minval: the inclusive lower bound.
            maxval: the exclusive upper bound; defaults to 1 for floats. For integer dtypes give
                both bounds, or pass `minval=None, maxval=None` for the dtype's full range.
            dtype: float16, bfloat16, float32, float64, int32, int64, uint32 or uint64.
            name: unused; kept for TensorFlow compatibility.

        Returns:
            A tensor of `shape` and `dtype`.

        Example:
            >>> import flowgrad as tf
            >>> g = tf.random.Generator.from_seed(2)
            >>> g.uniform([3], minval=0, maxval=5, dtype=tf.int32).dtype.name
            'int32'
        """
        return _uniform(_GeneratorSource(self), shape, minval, maxval, dtype, _FLOATS + _ALL_INTS,
                        maxval_required=False)

    def truncated_normal(self, shape, mean=0.0, stddev=1.0, dtype=_dtypes.float32, name=None):
        """Truncated normal samples (within 2 standard deviations) from this generator's stream.

        Args:
            shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
            mean: the mean of the untruncated distribution.
            stddev: its standard deviation.
            dtype: float16, bfloat16, float32 or float64.
            name: unused; kept for TensorFlow compatibility.

        Returns:
            A tensor of `shape` and `dtype`.

        Example:
            >>> import flowgrad as tf
            >>> x = tf.random.Generator.from_seed(3).truncated_normal([100])
            >>> float(tf.reduce_max(tf.abs(x))) <= 2.0
            True
        """
        return _normal(_GeneratorSource(self), _STATEFUL_OPS.truncated_normal, shape, mean,
                       stddev, dtype)

    def uniform_full_int(self, shape, dtype=_dtypes.uint64, name=None):
        """Integers spread uniformly over the dtype's whole range.

        Args:
            shape: the output shape: a list, tuple, TensorShape or 1-D integer tensor.
            dtype: int32, int64, uint32 or uint64.
            name: unused; kept for TensorFlow compatibility.

        Returns:
            A tensor of `shape` and `dtype`.

        Example:
            >>> import flowgrad as tf
            >>> tf.random.Generator.from_seed(4).uniform_full_int([2], tf.int64).dtype.name
            'int64'
        """
        return _uniform(_GeneratorSource(self), shape, None, None, dtype, _ALL_INTS,
                        maxval_required=False)

    def make_seeds(self, count=1):
        """Draws seeds for the stateless ops (`tf.random.stateless_*`).

        Args:
            count: how many seeds.

        Returns:
            An int64 tensor of shape `[2, count]`; column `i` is one seed.

        Example:
            >>> import flowgrad as tf
            >>> seeds = tf.random.Generator.from_seed(5).make_seeds(3)
            >>> tf.random.stateless_normal([2], seed=seeds[:, 0]).shape
            TensorShape([2])
        """
        return self.uniform_full_int([2, count], dtype=_dtypes.int64)

    def split(self, count=1):
        """Creates new generators with independent streams, advancing this one.

        Args:
            count: how many generators.

        Returns:
            A list of `count` Generators.

        Example:
            >>> import flowgrad as tf
            >>> a, b = tf.random.Generator.from_seed(6).split(2)
            >>> bool(tf.reduce_all(a.normal([3]) == b.normal([3])))
            False
        """
        words = self.make_seeds(count).numpy()
        return [Generator._create([int(w) & _MASK64 for w in words[:, i]], self._alg)
                for i in range(count)]


class _GlobalGenerator:
    def __init__(self):
        self.lock = threading.Lock()
        self.generator = None


_GLOBAL_GENERATOR = _GlobalGenerator()


def get_global_generator():
    """Returns the global Generator, created from nondeterministic state on first use.

    Returns:
        A `tf.random.Generator`.

    Example:
        >>> import flowgrad as tf
        >>> tf.random.get_global_generator().normal([2]).shape
        TensorShape([2])
    """
    with _GLOBAL_GENERATOR.lock:
        if _GLOBAL_GENERATOR.generator is None:
            _GLOBAL_GENERATOR.generator = Generator.from_non_deterministic_state()
        return _GLOBAL_GENERATOR.generator


def set_global_generator(generator):
    """Replaces the global Generator.

    Args:
        generator: a `tf.random.Generator`.

    Example:
        >>> import flowgrad as tf
        >>> previous = tf.random.get_global_generator()
        >>> tf.random.set_global_generator(tf.random.Generator.from_seed(1, alg="threefry"))
        >>> tf.random.get_global_generator().algorithm
        2
        >>> tf.random.set_global_generator(previous)
    """
    if not isinstance(generator, Generator):
        raise TypeError(f"set_global_generator expects a tf.random.Generator, got "
                        f"{type(generator).__name__}.")
    with _GLOBAL_GENERATOR.lock:
        _GLOBAL_GENERATOR.generator = generator
