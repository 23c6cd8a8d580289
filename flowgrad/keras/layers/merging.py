"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and their
functional forms (`layers.add([a, b])`, ...)."""

import functools
import math

from ...core.tensor_shape import TensorShape
from ...ops import array_ops, linalg_ops, math_ops, nn_ops
from ..engine.base_layer import Layer


def _shape_list(s):
    s = TensorShape(s)
    return None if s.rank is None else s.as_list()


def _fmt_shapes(shapes):
    return "[" + ", ".join(str(tuple(s)) if s is not None else "None" for s in shapes) + "]"


def _is_shape_list(input_shape):
    return isinstance(input_shape, (list, tuple)) and input_shape and all(
        isinstance(s, (list, tuple, TensorShape)) for s in input_shape) and not all(
        d is None or isinstance(d, int) for d in input_shape)


class _Merge(Layer):
    """Base of the element-wise merge layers: inputs are a list of tensors whose shapes
    broadcast (dims equal, or 1); inputs of lower rank get axes added after the batch axis.

    A subclass names its element-wise binary `_op` (folded over the inputs, left to right) or
    overrides `_merge_function`."""

    _op = None
    _reshape_inputs = True   # False: inputs of lower rank are not expanded

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _merge_function(self, inputs):
        if self._op is None:
            raise NotImplementedError
        return functools.reduce(self._op, inputs)

    def _check_inputs_list(self, input_shape):
        if not _is_shape_list(input_shape):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "
                             f"input_shape={input_shape} (not a list of shapes)")
        if len(input_shape) < 1:
            raise ValueError(f"A merge layer should be called on a list of at least 1 input. "
                             f"Got {len(input_shape)} inputs. Full input_shape received: "
                             f"{input_shape}")

    @staticmethod
    def _elementwise_shape(shape1, shape2):
        if shape1 is None or shape2 is None:
            return None
        if len(shape1) < len(shape2):
            return _Merge._elementwise_shape(shape2, shape1)
        if not shape2:
            return list(shape1)
        out = list(shape1[:-len(shape2)])
        for i, j in zip(shape1[-len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            elif i != j:
                raise ValueError(f"Inputs have incompatible shapes. Received shapes "
                                 f"{tuple(shape1)} and {tuple(shape2)}")
            else:
                out.append(i)
        return out

    def _output_shape(self, input_shape):
        self._check_inputs_list(input_shape)
        shapes = [_shape_list(s) for s in input_shape]
        batches = {s[0] for s in shapes if s is not None and s and s[0] is not None}
        if len(batches) > 1:
            raise ValueError(f"Cannot merge tensors with different batch sizes. Received tensors "
                             f"with shapes {_fmt_shapes(shapes)}")
        out = shapes[0][1:] if shapes[0] is not None else None
        for s in shapes[1:]:
            out = self._elementwise_shape(out, s[1:] if s is not None else None)
        batch = batches.pop() if batches else None
        return None if out is None else [batch] + out

    def build(self, input_shape):
        self._output_shape(input_shape)
        ranks = {len(_shape_list(s)) for s in input_shape if _shape_list(s) is not None}
        self._reshape_required = self._reshape_inputs and len(ranks) > 1
        self.built = True

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: "  # noqa: TRY004 - Keras raises ValueError
                             f"inputs={inputs!r:.200} (not a list of tensors)")
        inputs = list(inputs)
        if getattr(self, "_reshape_required", False):
            ranks = [x.shape.rank for x in inputs]
            top = max(ranks)
            inputs = [x if r == top else _expand_after_batch(x, top - r)
                      for x, r in zip(inputs, ranks)]
        return self._merge_function(inputs)

    def compute_output_shape(self, input_shape):
        out = self._output_shape(input_shape)
        return TensorShape(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise ValueError(f"`mask` should be a list. Received: mask={mask}")  # noqa: TRY004 - Keras raises ValueError
        masks = [m for m in mask if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = math_ops.logical_and(out, m)
        return out


def _expand_after_batch(x, n):
    for _ in range(n):
        x = array_ops.expand_dims(x, 1)
    return x


class Add(_Merge):
    """Adds a list of inputs element-wise: `Add()([a, b])`."""

    _op = staticmethod(math_ops.add)


class Subtract(_Merge):
    """Subtracts two inputs: `Subtract()([a, b])` is `a - b`."""

    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs!r:.200}")
        return math_ops.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """Multiplies a list of inputs element-wise."""

    _op = staticmethod(math_ops.multiply)


class Average(_Merge):
    """Averages a list of inputs element-wise."""

    _op = staticmethod(math_ops.add)

    def _merge_function(self, inputs):
        return super()._merge_function(inputs) / len(inputs)


class Maximum(_Merge):
    """The element-wise maximum of a list of inputs."""

    _op = staticmethod(math_ops.maximum)


class Minimum(_Merge):
    """The element-wise minimum of a list of inputs."""

    _op = staticmethod(math_ops.minimum)


class Concatenate(_Merge):
    """Concatenates a list of inputs along `axis` (default -1); the other dims must match."""

    _reshape_inputs = False

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _output_shape(self, input_shape):
        self._check_inputs_list(input_shape)
        shapes = [_shape_list(s) for s in input_shape]
        if any(s is None for s in shapes):
            return None
        rank = len(shapes[0])
        ax = self.axis + rank if self.axis < 0 else self.axis
        bad = any(len(s) != rank for s in shapes) or not 0 <= ax < rank
        if not bad:
            for i in range(rank):
                if i == ax:
                    continue
                dims = {s[i] for s in shapes if s[i] is not None}
                if len(dims) > 1:
                    bad = True
        if bad:
            raise ValueError(
                f"A `Concatenate` layer requires inputs with matching shapes except for the "
                f"concatenation axis. Received: input_shape={_fmt_shapes(shapes)}")
        out = []
        for i in range(rank):
            if i == ax:
                sizes = [s[i] for s in shapes]
                out.append(None if any(d is None for d in sizes) else sum(sizes))
            else:
                known = [s[i] for s in shapes if s[i] is not None]
                out.append(known[0] if known else None)
        return out

    def _merge_function(self, inputs):
        return array_ops.concat(inputs, axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            raise ValueError("The lists `inputs` and `mask` should have the same length.")
        if all(m is None for m in mask):
            return None
        masks = []
        for x, m in zip(inputs, mask):
            if m is None:
                m = array_ops.ones_like(x, dtype="bool")
            elif m.shape.rank < x.shape.rank:
                m = array_ops.expand_dims(m, -1)
            m = array_ops.broadcast_to(m, x.shape.as_list()) if \
                x.shape.is_fully_defined() else m
            masks.append(m)
        cat = array_ops.concat(masks, axis=self.axis)
        return math_ops.reduce_all(cat, axis=-1, keepdims=False)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """The dot product of two inputs along `axes`, per sample (a batch dot).

    Args:
        axes: an int or a pair of ints (non-batch axes of the two inputs).
        normalize: L2-normalize the inputs along `axes` first (cosine similarity).

    For two `(batch, n)` inputs the output is `(batch, 1)`.
    """

    _reshape_inputs = False

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)) or len(axes) != 2 or not all(
                    isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: expected an int or a "
                                 f"list/tuple of 2 ints. Received: axes={axes}")
            axes = list(axes)
        self.axes = axes
        self.normalize = bool(normalize)
        self.supports_masking = True

    def _axes_for(self, r1, r2):
        ax = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        ax = [a % r for a, r in zip(ax, (r1, r2))]
        return ax

    def _output_shape(self, input_shape):
        if not _is_shape_list(input_shape) or len(input_shape) != 2:
            raise ValueError(f"A `Dot` layer should be called on a list of 2 inputs. Received: "
                             f"input_shape={input_shape}")
        s1, s2 = _shape_list(input_shape[0]), _shape_list(input_shape[1])
        if s1 is None or s2 is None:
            return None
        a1, a2 = self._axes_for(len(s1), len(s2))
        if a1 == 0 or a2 == 0:
            raise ValueError(f"Cannot perform batch_dot over axis 0 (the batch axis). Received "
                             f"axes={self.axes}")
        if s1[a1] is not None and s2[a2] is not None and s1[a1] != s2[a2]:
            raise ValueError(f"Incompatible input shapes: axis values {s1[a1]} (at axis {a1}) != "
                             f"{s2[a2]} (at axis {a2}). Full input shapes: {tuple(s1)}, "
                             f"{tuple(s2)}")
        out = [s1[0]] + [d for i, d in enumerate(s1[1:], 1) if i != a1] + \
            [d for i, d in enumerate(s2[1:], 1) if i != a2]
        if len(out) == 1:
            out.append(1)
        return out

    def _merge_function(self, inputs):
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: "
                             f"inputs={inputs!r:.200}")
        x, y = inputs
        r1, r2 = x.shape.rank, y.shape.rank
        a1, a2 = self._axes_for(r1, r2)
        if self.normalize:
            x = nn_ops.l2_normalize(x, axis=a1)
            y = nn_ops.l2_normalize(y, axis=a2)
        return batch_dot(x, y, (a1, a2))

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def batch_dot(x, y, axes):
    """Per-sample dot product of `x` and `y` over `axes = (axis_of_x, axis_of_y)`."""
    a1, a2 = axes
    r1, r2 = x.shape.rank, y.shape.rank
    if r1 == 2 and r2 == 2:
        return math_ops.reduce_sum(math_ops.multiply(x, y), axis=1, keepdims=True)
    s1, s2 = x.shape.as_list(), y.shape.as_list()
    perm_x = [0] + [i for i in range(1, r1) if i != a1] + [a1]
    perm_y = [0, a2] + [i for i in range(1, r2) if i != a2]
    xt = array_ops.transpose(x, perm_x) if perm_x != list(range(r1)) else x
    yt = array_ops.transpose(y, perm_y) if perm_y != list(range(r2)) else y
    rest_x = [s1[i] for i in perm_x[1:-1]]
    rest_y = [s2[i] for i in perm_y[2:]]
    k = s1[a1]
    px, py = math.prod(rest_x), math.prod(rest_y)
    xt = array_ops.reshape(xt, [-1, px, k])
    yt = array_ops.reshape(yt, [-1, k, py])
    out = linalg_ops.matmul(xt, yt)
    shape = [-1] + rest_x + rest_y
    if len(shape) == 1:
        shape.append(1)
    return array_ops.reshape(out, shape)


# -- functional forms ------------------------------------------------------------------------
def _functional_form(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = f"`{cls.__name__}()(inputs)`."
    return merge


add = _functional_form(Add)
subtract = _functional_form(Subtract)
multiply = _functional_form(Multiply)
average = _functional_form(Average)
maximum = _functional_form(Maximum)
minimum = _functional_form(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """`Concatenate(axis)(inputs)`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes, normalize=False, **kwargs):
    """`Dot(axes, normalize)(inputs)`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
