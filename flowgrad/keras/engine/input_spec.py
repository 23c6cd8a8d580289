"""`InputSpec`: the rank, shape and dtype a layer accepts, checked on every call."""

from ... import dtypes as _dtypes


class InputSpec:
    """Describes what a layer's input must look like (`tf.keras.layers.InputSpec`).

    Args:
        dtype: the expected dtype, or None.
        shape: the expected full shape (None entries match anything), or None.
        ndim: the exact rank, or None.
        max_ndim / min_ndim: bounds on the rank.
        axes: a dict `{axis: size}` of dimensions that must have a given size.
        allow_last_axis_squeeze: accept a rank that differs by a trailing dimension of 1.
        name: the expected input name (for dict inputs).

    Example:
        >>> spec = InputSpec(min_ndim=2, axes={-1: 4})
        >>> spec
        InputSpec(min_ndim=2, axes={-1: 4})
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = _dtypes.as_dtype(dtype).name if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.optional = optional
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        if self.axes and (self.ndim is not None or self.max_ndim is not None):
            top = (self.ndim if self.ndim is not None else self.max_ndim) - 1
            if max(self.axes) > top:
                raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed "
                                 f"value: {top}")

    def __repr__(self):
        parts = [f"{k}={getattr(self, k)!r}" for k in
                 ("dtype", "shape", "ndim", "max_ndim", "min_ndim", "axes")
                 if getattr(self, k)]
        return "InputSpec(" + ", ".join(parts) + ")"

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _fmt(shape):
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _batch_hint(spec, rank):
    """A hint when the input looks like one sample without its batch dimension."""
    want = spec.ndim if spec.ndim is not None else spec.min_ndim
    if want is not None and rank == want - 1:
        return (" The input seems to be missing its batch dimension: layers take a batch of "
                "samples; pass x[None, ...] / tf.expand_dims(x, 0) for a single sample.")
    return ""


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Checks `inputs` (a tensor, or a list of tensors) against `input_spec`.

    Raises:
        ValueError: naming the layer, the expected and the received shape, with a hint when
            the batch dimension seems to be missing.
    """
    if input_spec is None:
        return
    specs = input_spec if isinstance(input_spec, (list, tuple)) else [input_spec]
    if isinstance(inputs, dict):
        names = [s.name for s in specs]
        if all(names):
            inputs = [inputs.get(n) for n in names]
        else:
            inputs = list(inputs.values())
    flat = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    if len(flat) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(flat)} input tensors. Inputs received: {list(flat)!r:.300}")
    for i, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or x is None:
            continue
        shape = getattr(x, "shape", None)
        if shape is None:
            raise TypeError(f'Inputs to layer "{layer_name}" should be tensors. Got: {x!r:.200}')
        if shape.rank is None:
            continue
        dims = tuple(shape)
        rank = len(dims)
        head = f'Input {i} of layer "{layer_name}" is incompatible with the layer: '
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
            raise ValueError(head + f"expected ndim={spec.ndim}, found ndim={rank}. Full shape "
                             f"received: {_fmt(dims)}." + _batch_hint(spec, rank))
        if spec.max_ndim is not None and rank > spec.max_ndim:
            raise ValueError(head + f"expected max_ndim={spec.max_ndim}, found ndim={rank}. "
                             f"Full shape received: {_fmt(dims)}.")
        if spec.min_ndim is not None and rank < spec.min_ndim:
            raise ValueError(head + f"expected min_ndim={spec.min_ndim}, found ndim={rank}. "
                             f"Full shape received: {_fmt(dims)}." + _batch_hint(spec, rank))
        if spec.dtype is not None and x.dtype.name != spec.dtype:
            raise ValueError(head + f"expected dtype={spec.dtype}, found dtype={x.dtype.name}.")
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if -rank <= axis < rank:
                got = dims[axis]
                if got is not None and got not in (value if isinstance(value, (list, tuple))
                                                   else (value,)):
                    raise ValueError(
                        head + f"expected axis {axis} of input shape to have value {value}, but "
                        f"received input with shape {_fmt(dims)}.")
        if spec.shape is not None:
            want, got = tuple(spec.shape), dims
            if spec.allow_last_axis_squeeze:
                if got and got[-1] == 1:
                    got = got[:-1]
                if want and want[-1] == 1:
                    want = want[:-1]
            full = tuple(spec.shape)
            if rank == len(full) - 1 and full[0] is None and full[-1] != 1 and all(
                    w is None or g is None or w == g for w, g in zip(full[1:], dims)):
                raise ValueError(head + f"expected shape={_fmt(spec.shape)}, found "
                                 f"shape={_fmt(dims)}. The input seems to be missing its batch "
                                 "dimension: pass x[None, ...] / tf.expand_dims(x, 0) for a "
                                 "single sample.")
            for w, g in zip(want, got):
                if w is not None and g is not None and w != g:
                    raise ValueError(head + f"expected shape={_fmt(spec.shape)}, found "
                                     f"shape={_fmt(dims)}")
