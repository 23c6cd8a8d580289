"""Op families. Importing this package registers every op and installs the Python operators
on Tensor and Variable (as TensorFlow's math_ops does)."""

from ..core.tensor import Tensor
from ..core.variable import Variable
from . import array_ops, math_ops, indexing_ops, linalg_ops, nn_ops, random_ops  # noqa: F401
from . import conv_ops, rnn_ops  # noqa: F401,E402


def _install_operators():
    m, a = math_ops, array_ops

    def _logic(logical, bitwise, sym):
        def f(x, y):
            x, y = _pair(x, y)
            if x.dtype.is_bool:
                return logical(x, y)
            if x.dtype.is_integer:
                return bitwise(x, y)
            raise TypeError(f"unsupported operand dtype for {sym}: {x.dtype.name}; {sym} works "
                            "on bool (logical) and integer (bitwise) tensors.")
        return f

    def _pair(x, y):
        from ._common import binary_operands
        return binary_operands(x, y, "operator")

    def _invert(x):
        x = a.convert_to_tensor(x)
        return m.logical_not(x) if x.dtype.is_bool else m.invert(x)

    land = _logic(m.logical_and, m.bitwise_and, "&")
    lor = _logic(m.logical_or, m.bitwise_or, "|")
    lxor = _logic(m.logical_xor, m.bitwise_xor, "^")
    ops = {
        "__add__": m.add, "__radd__": lambda s, o: m.add(o, s),
        "__sub__": m.subtract, "__rsub__": lambda s, o: m.subtract(o, s),
        "__mul__": m.multiply, "__rmul__": lambda s, o: m.multiply(o, s),
        "__truediv__": m.truediv, "__rtruediv__": lambda s, o: m.truediv(o, s),
        "__floordiv__": m.floordiv, "__rfloordiv__": lambda s, o: m.floordiv(o, s),
        "__mod__": m.floormod, "__rmod__": lambda s, o: m.floormod(o, s),
        "__pow__": m.pow, "__rpow__": lambda s, o: m.pow(o, s),
        "__matmul__": linalg_ops.matmul, "__rmatmul__": lambda s, o: linalg_ops.matmul(o, s),
        "__neg__": m.negative, "__pos__": lambda s: s if isinstance(s, Tensor) else s.read_value(),
        "__abs__": m.abs, "__invert__": _invert,
        "__and__": land, "__rand__": lambda s, o: land(o, s),
        "__or__": lor, "__ror__": lambda s, o: lor(o, s),
        "__xor__": lxor, "__rxor__": lambda s, o: lxor(o, s),
        "__lt__": m.less, "__le__": m.less_equal, "__gt__": m.greater, "__ge__": m.greater_equal,
    }
    for cls in (Tensor, Variable):
        for k, f in ops.items():
            setattr(cls, k, f)
    Tensor.__getitem__ = a.getitem
    # TF 2: == and != are elementwise for tensors (and fall back to identity for other types).
    Tensor.__eq__ = lambda s, o: _tensor_eq(s, o, m.equal)
    Tensor.__ne__ = lambda s, o: _tensor_eq(s, o, m.not_equal)
    Variable.__eq__ = lambda s, o: _tensor_eq(s, o, m.equal)
    Variable.__ne__ = lambda s, o: _tensor_eq(s, o, m.not_equal)
    Tensor.__hash__ = None
    Variable.__hash__ = None


def _tensor_eq(s, o, fn):
    if o is None:
        return fn is math_ops.not_equal
    try:
        return fn(s, o)
    except (TypeError, ValueError):
        return fn is math_ops.not_equal


_install_operators()
