"""Linear algebra: matmul, tensordot, einsum, norm and the rest of `tf.linalg`.

Primitives: BatchMatMulV2, Einsum, MatrixInverse, MatrixDeterminant, LogMatrixDeterminant,
MatrixSolve, Cholesky, Qr, MatrixDiagV3 and MatrixDiagPartV3. Everything else (tensordot, trace,
norm, band_part, logdet, ...) is composed from them and the array and math ops, so gradients
come free. Every gradient rule is written with flowgrad ops and is differentiable again.
"""

import string

import numpy as np

from ..core.dispatch import execute
from ..core.registry import FLOAT_KINDS, NUMERIC_KINDS, register_op
from ..core.tensor import Tensor
from ..errors import InvalidArgumentError, shape_str
from . import array_ops, math_ops
from ._common import binary_operands, normalize_axis, to_tensor

__all__ = ["matmul", "tensordot", "einsum", "norm"]


def _is_tensor_like(x):
    return isinstance(x, Tensor) or hasattr(x, "_is_variable")


# -- matmul ----------------------------------------------------------------------------------------
def _matmul_kernel(xp, a, b, transpose_a, transpose_b):
    if transpose_a:
        a = xp.swapaxes(a, -1, -2)
    if transpose_b:
        b = xp.swapaxes(b, -1, -2)
    return xp.matmul(a, b)


def _matmul_grad(e, dy):
    a, b = e.inputs
    ta, tb = e.attrs["transpose_a"], e.attrs["transpose_b"]
    na, nb = e.needs_grad
    if a.dtype.is_complex:
        a, b = math_ops.conj(a), math_ops.conj(b)
    ga = gb = None
    if na:
        ga = matmul(b, dy, transpose_a=tb, transpose_b=True) if ta else \
            matmul(dy, b, transpose_b=not tb)
        ga = math_ops.unbroadcast(ga, a._value.shape)
    if nb:
        gb = matmul(dy, a, transpose_a=True, transpose_b=ta) if tb else \
            matmul(a, dy, transpose_a=not ta)
        gb = math_ops.unbroadcast(gb, b._value.shape)
    return ga, gb


MATMUL = register_op("BatchMatMulV2", _matmul_kernel, kinds=NUMERIC_KINDS, grad=_matmul_grad)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, output_type=None, name=None):
    """Matrix product of the last two dimensions, broadcasting leading (batch) dimensions.

    Args:
        a, b: tensors of rank >= 2 with the same dtype.
        transpose_a / transpose_b: transpose the last two dims of a / b first.
        adjoint_a / adjoint_b: conjugate-transpose a / b first.

    Raises:
        InvalidArgumentError: the inner dimensions or the batch dimensions do not match; the
            message shows both shapes, e.g. "Matrix size-incompatible: In[0]: [2,3], In[1]: [4,5]".
    """
    a, b = binary_operands(a, b, "MatMul")
    if adjoint_a:
        a, transpose_a = math_ops.conj(a) if a.dtype.is_complex else a, True
    if adjoint_b:
        b, transpose_b = math_ops.conj(b) if b.dtype.is_complex else b, True
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise InvalidArgumentError(
            None, "MatMul", f"In[0] and In[1] must have rank >= 2, but In[0] has shape "
            f"{shape_str(sa)} and In[1] has shape {shape_str(sb)} [Op:MatMul]. For vectors use "
            "tf.tensordot(a, b, 1), or reshape to [1, n] / [n, 1].")
    ka = sa[-2] if transpose_a else sa[-1]
    kb = sb[-1] if transpose_b else sb[-2]
    if ka != kb:
        raise InvalidArgumentError(
            None, "MatMul", f"Matrix size-incompatible: In[0]: {shape_str(sa)}, In[1]: "
            f"{shape_str(sb)} [Op:MatMul]: the inner dimensions {ka} and {kb} must be equal"
            f"{' (after transposes)' if transpose_a or transpose_b else ''}.")
    if a.dtype.is_bool:
        raise InvalidArgumentError(None, "MatMul", "matmul does not accept bool tensors.")
    return execute(MATMUL, (a, b), {"transpose_a": bool(transpose_a),
                                    "transpose_b": bool(transpose_b)})


# -- tensordot -------------------------------------------------------------------------------------
def _tensordot_axes(axes, rank_a, rank_b):
    if _is_tensor_like(axes):
        axes = to_tensor(axes).numpy().tolist()
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0:
            raise ValueError(f"tensordot: 'axes' must be at least 0, got {n}.")
        if n > rank_a or n > rank_b:
            raise ValueError(f"tensordot: 'axes' must not be larger than the number of dimensions "
                             f"of either tensor: got axes={n} for ranks {rank_a} and {rank_b}.")
        return list(range(rank_a - n, rank_a)), list(range(n))
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise ValueError(f"tensordot: 'axes' must be an integer or a pair of axis lists, got "
                         f"{axes!r}.")
    a_axes, b_axes = ([int(x)] if isinstance(x, (int, np.integer)) else [int(i) for i in x]
                      for x in axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"tensordot: different number of contraction axes for 'a' and 'b', "
                         f"{len(a_axes)} != {len(b_axes)} (axes={axes!r}).")
    for ax, rank, which in ((a_axes, rank_a, "a"), (b_axes, rank_b, "b")):
        for i in ax:
            if not -rank <= i < rank:
                raise ValueError(f"tensordot: axis {i} is out of range for '{which}' of rank "
                                 f"{rank}.")
    a_axes = [i % rank_a for i in a_axes]
    b_axes = [i % rank_b for i in b_axes]
    if len(set(a_axes)) != len(a_axes) or len(set(b_axes)) != len(b_axes):
        raise ValueError(f"tensordot: repeated contraction axes in {axes!r}.")
    return a_axes, b_axes


def tensordot(a, b, axes, name=None):
    """Tensor contraction of `a` and `b` over the given axes (`tf.tensordot`).

    Args:
        a, b: tensors of the same numeric dtype.
        axes: an int N (the last N axes of `a` against the first N of `b`), or a pair
            `[a_axes, b_axes]` of equally long axis lists (or single ints).

    Returns:
        A tensor of shape `a`'s free dims followed by `b`'s free dims.

    Raises:
        InvalidArgumentError: a contracted pair of dimensions differs in size.

    Example:
        >>> import flowgrad as tf
        >>> tf.tensordot(tf.ones((2, 3)), tf.ones((3, 4)), axes=1).shape
        TensorShape([2, 4])
    """
    a, b = binary_operands(a, b, "Tensordot")
    sa, sb = a._value.shape, b._value.shape
    a_axes, b_axes = _tensordot_axes(axes, len(sa), len(sb))
    for i, j in zip(a_axes, b_axes):
        if sa[i] != sb[j]:
            raise InvalidArgumentError(
                None, "Tensordot", f"tensordot: dimension {i} of 'a' (shape {shape_str(sa)}) has "
                f"size {sa[i]} but the matching dimension {j} of 'b' (shape {shape_str(sb)}) has "
                f"size {sb[j]}. Contracted dimensions must have equal sizes.")
    free_a = [i for i in range(len(sa)) if i not in a_axes]
    free_b = [i for i in range(len(sb)) if i not in b_axes]
    perm_a, perm_b = free_a + a_axes, b_axes + free_b
    if perm_a != sorted(perm_a):
        a = array_ops.transpose(a, perm_a)
    if perm_b != sorted(perm_b):
        b = array_ops.transpose(b, perm_b)
    m = int(np.prod([sa[i] for i in free_a]))
    k = int(np.prod([sa[i] for i in a_axes]))
    n = int(np.prod([sb[i] for i in free_b]))
    out = matmul(array_ops.reshape(a, (m, k)), array_ops.reshape(b, (k, n)))
    return array_ops.reshape(out, [sa[i] for i in free_a] + [sb[i] for i in free_b])


# -- einsum ----------------------------------------------------------------------------------------
class _Equation:
    """A parsed einsum equation: per input a list of tokens (letters and "..."), the output
    tokens, each letter's size, and the broadcast shape of the "..." dimensions."""

    def __init__(self, equation, shapes):
        eq = equation.replace(" ", "")
        if eq.count("->") > 1:
            raise self._error(equation, "it has more than one '->'")
        lhs, arrow, rhs = eq.partition("->")
        terms = lhs.split(",")
        if len(terms) != len(shapes):
            raise self._error(equation, f"it has {len(terms)} input subscripts but "
                                        f"{len(shapes)} input tensors were given")
        self.inputs = [self._tokens(equation, t) for t in terms]
        self.sizes, ell_shapes = {}, []
        for i, (toks, shape) in enumerate(zip(self.inputs, shapes)):
            n_letters = sum(1 for t in toks if t != "...")
            n_ell = len(shape) - n_letters
            if ("..." in toks and n_ell < 0) or ("..." not in toks and n_ell != 0):
                raise self._error(equation, f"input {i} has subscripts {terms[i]!r} but shape "
                                            f"{shape_str(shape)} (rank {len(shape)})")
            dims = list(shape)
            for t in toks:
                if t == "...":
                    ell_shapes.append(tuple(dims[:n_ell]))
                    del dims[:n_ell]
                    continue
                d = dims.pop(0)
                if self.sizes.setdefault(t, d) != d:
                    raise self._error(equation, f"label {t!r} has size {d} in input {i} (shape "
                                                f"{shape_str(shape)}) but size {self.sizes[t]} "
                                                "elsewhere; equal labels need equal sizes")
        try:
            self.ell_shape = tuple(np.broadcast_shapes(*ell_shapes)) if ell_shapes else ()
        except ValueError:
            raise self._error(equation, "the '...' dimensions " + " and ".join(
                shape_str(s) for s in ell_shapes) + " do not broadcast") from None
        if arrow:
            self.output = self._tokens(equation, rhs)
            letters = [t for t in self.output if t != "..."]
            if len(set(letters)) != len(letters):
                raise self._error(equation, "an output label is repeated")
            for t in letters:
                if t not in self.sizes:
                    raise self._error(equation, f"output label {t!r} appears in no input")
            if "..." not in self.output and self.ell_shape:
                raise self._error(equation, "the inputs have '...' dimensions but the output "
                                            "has no '...'")
        else:
            counts = {}
            for toks in self.inputs:
                for t in toks:
                    counts[t] = counts.get(t, 0) + 1
            self.output = (["..."] if ell_shapes else []) + sorted(
                t for t, c in counts.items() if c == 1 and t != "...")

    @staticmethod
    def _error(equation, why):
        return InvalidArgumentError(None, "Einsum", f"Invalid einsum equation {equation!r}: "
                                    f"{why}. [Op:Einsum]")

    def _tokens(self, equation, term):
        toks, i = [], 0
        while i < len(term):
            if term.startswith("...", i):
                if "..." in toks:
                    raise self._error(equation, f"subscripts {term!r} have more than one '...'")
                toks.append("...")
                i += 3
            elif term[i] in string.ascii_letters:
                toks.append(term[i])
                i += 1
            else:
                raise self._error(equation, f"{term[i]!r} is not a letter or '...'")
        return toks

    def text(self):
        return ",".join("".join(t) for t in self.inputs) + "->" + "".join(self.output)


def _einsum_kernel(xp, *arrays, equation):
    return xp.asarray(xp.einsum(equation, *arrays, optimize=len(arrays) > 1))


def _einsum_grad(e, dy):
    shapes = [x._value.shape for x in e.inputs]
    eq = _Equation(e.attrs["equation"], shapes)
    return tuple(_einsum_operand_grad(eq, e.inputs, i, dy) if need else None
                 for i, need in enumerate(e.needs_grad))


def _einsum_operand_grad(eq, inputs, i, dy):
    """d(output)/d(input i) contracted with dy: an einsum of dy with the other inputs, where a
    label repeated within input i (a diagonal) goes through an identity matrix, a label summed
    out of input i alone is broadcast back, and broadcast '...' dimensions are summed back."""
    x = inputs[i]
    toks = eq.inputs[i]
    others = [j for j in range(len(inputs)) if j != i]
    taken = set(eq.sizes) | set(eq.output)
    fresh = (c for c in string.ascii_letters if c not in taken)
    sizes = dict(eq.sizes)
    target, eyes, seen = [], [], set()
    for t in toks:
        if t != "..." and t in seen:
            f = next(fresh)
            sizes[f] = sizes[t]
            target.append(f)
            eyes.append((t + f, sizes[t]))
        else:
            seen.add(t)
            target.append(t)
    present = set(eq.output).union(*(eq.inputs[j] for j in others), *(s for s, _ in eyes))
    kept = [t for t in target if t in present]
    if "..." in present and "..." not in kept:
        kept.insert(0, "...")  # broadcast dimensions this input lacks: summed out below
    operands = [dy] + [math_ops.conj(inputs[j]) if x.dtype.is_complex else inputs[j]
                       for j in others]
    operands += [array_ops.eye(n, dtype=x.dtype) for _, n in eyes]
    subs = ["".join(eq.output)] + ["".join(eq.inputs[j]) for j in others] + [s for s, _ in eyes]
    g = einsum(",".join(subs) + "->" + "".join(kept), *operands)
    ell_x = ()
    if "..." in toks:
        n_letters = len(toks) - 1
        ell_x = x._value.shape[toks.index("..."):toks.index("...") + x._value.ndim - n_letters]
    if "..." in kept:
        start = kept.index("...")
        full = eq.ell_shape
        lead = len(full) - len(ell_x)
        axes = list(range(start, start + lead)) + [
            start + lead + j for j, d in enumerate(ell_x) if d == 1 and full[lead + j] != 1]
        if axes:
            g = math_ops.reduce_sum(g, axis=axes, keepdims=True)
    keep_shape = []
    for t in target:
        if t == "...":
            keep_shape.extend(ell_x)
        else:
            keep_shape.append(sizes[t] if t in present else 1)
    if tuple(g._value.shape) != tuple(keep_shape):
        # (equal shapes mean no label is missing, so the reshape would be an identity at
        # every size; skipping it keeps traces with unknown dims shape-polymorphic)
        g = array_ops.reshape(g, keep_shape)
    if tuple(keep_shape) != x._value.shape:
        g = array_ops.broadcast_to(g, x._value.shape)
    return g


EINSUM = register_op("Einsum", _einsum_kernel, kinds=NUMERIC_KINDS, grad=_einsum_grad)


def einsum(equation, *inputs, **kwargs):
    """Tensor contraction written in Einstein notation (`tf.einsum`), as `numpy.einsum`.

    Args:
        equation: subscripts such as "ij,jk->ik", "bij,bjk->bik", "...ij,...jk" (implicit output:
            the labels used once, sorted) or "ii->i"; "..." stands for broadcast dimensions.
        *inputs: tensors of one numeric dtype, one per input subscript.
        **kwargs: `name` and `optimize` are accepted for compatibility.

    Returns:
        The contracted tensor.

    Raises:
        InvalidArgumentError: a malformed equation, a subscript count that does not match an
            input's rank, or a label bound to two different sizes.

    Example:
        >>> import flowgrad as tf
        >>> tf.einsum("ij,jk->ik", tf.ones((2, 3)), tf.ones((3, 4))).shape
        TensorShape([2, 4])
    """
    unknown = set(kwargs) - {"name", "optimize"}
    if unknown:
        raise TypeError(f"einsum: invalid keyword arguments {sorted(unknown)}; only 'name' and "
                        "'optimize' are accepted.")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: equation must be a string, got {equation!r}.")
    if not inputs:
        raise ValueError("einsum needs at least one input tensor.")
    ts = [to_tensor(x) for x in inputs]
    first = next((t for t, x in zip(ts, inputs) if _is_tensor_like(x)), ts[0])
    ts = [t if _is_tensor_like(x) else to_tensor(x, dtype=first.dtype)
          for t, x in zip(ts, inputs)]
    for k, t in enumerate(ts):
        if t._value.dtype != first._value.dtype:
            raise InvalidArgumentError(
                None, "Einsum", f"einsum: all inputs must have the same dtype, but input {k} is "
                f"{t.dtype.name} and another is {first.dtype.name}. Cast them first, e.g. "
                f"tf.cast(x, tf.{first.dtype.name}).")
    eq = _Equation(equation, [t._value.shape for t in ts])
    return execute(EINSUM, tuple(ts), {"equation": eq.text()})


# -- helpers for square (batched) matrices ---------------------------------------------------------
def _matrix(x, op_name, square=True, what="input"):
    t = to_tensor(x)
    s = t._value.shape
    if len(s) < 2:
        raise InvalidArgumentError(
            None, op_name, f"{op_name}: {what} must be a matrix or a batch of matrices (rank >= "
            f"2), but has shape {shape_str(s)}. [Op:{op_name}]")
    if square and s[-1] != s[-2]:
        raise InvalidArgumentError(
            None, op_name, f"{op_name}: {what} must be a square matrix (or a batch of them), but "
            f"has shape {shape_str(s)}: the last two dimensions differ. [Op:{op_name}]")
    return t


def _adjoint(x):
    return matrix_transpose(x, conjugate=True)


def _kernel_linalg_error(op_name, what, exc):
    return InvalidArgumentError(None, op_name, f"{what} ({exc}) [Op:{op_name}]")


# -- inverse, determinant, solve -------------------------------------------------------------------
def _inv_kernel(xp, a):
    try:
        return xp.linalg.inv(a)
    except ValueError as e:  # numpy's LinAlgError: a singular matrix
        raise _kernel_linalg_error("MatrixInverse", "Input is not invertible", e) from None


def _inv_grad(e, dy):
    y = e.outputs[0]
    return (-matmul(matmul(y, dy, adjoint_a=True), y, adjoint_b=True),)


MATRIX_INVERSE = register_op("MatrixInverse", _inv_kernel, kinds=FLOAT_KINDS, grad=_inv_grad)


def inv(input, adjoint=False, name=None):  # noqa: A002 - TF's argument name
    """Inverse of one or more square matrices (`tf.linalg.inv`).

    Args:
        input: a tensor of shape `[..., M, M]`, floating point or complex.
        adjoint: if True, invert the conjugate transpose instead.

    Returns:
        A tensor of the same shape.

    Raises:
        InvalidArgumentError: a matrix is not square or is singular.
    """
    t = _matrix(input, "MatrixInverse")
    if adjoint:
        t = _adjoint(t)
    return execute(MATRIX_INVERSE, (t,))


def _det_grad(e, dy):
    a, y = e.inputs[0], e.outputs[0]
    if a.dtype.is_complex:
        y = math_ops.conj(y)
    scale = array_ops.reshape(dy * y, tuple(y._value.shape) + (1, 1))
    return (scale * _adjoint(inv(a)),)


MATRIX_DETERMINANT = register_op(
    "MatrixDeterminant", lambda xp, a: xp.asarray(xp.linalg.det(a)), kinds=FLOAT_KINDS,
    grad=_det_grad)


def det(input, name=None):  # noqa: A002
    """Determinant of one or more square matrices (`tf.linalg.det`).

    Args:
        input: a tensor of shape `[..., M, M]`.

    Returns:
        A tensor of shape `[...]`.
    """
    return execute(MATRIX_DETERMINANT, (_matrix(input, "MatrixDeterminant"),))


def _slogdet_kernel(xp, a):
    sign, logabs = xp.linalg.slogdet(a)
    return xp.asarray(sign), xp.asarray(logabs)


def _slogdet_grad(e, dsign, dlog):
    a, logabs = e.inputs[0], e.outputs[1]
    scale = array_ops.reshape(dlog, tuple(logabs._value.shape) + (1, 1))
    if a.dtype.is_complex:
        scale = math_ops.cast(scale, a.dtype)
    return (scale * _adjoint(inv(a)),)


LOG_MATRIX_DETERMINANT = register_op("LogMatrixDeterminant", _slogdet_kernel, num_outputs=2,
                                     kinds=FLOAT_KINDS, grad=_slogdet_grad)


def slogdet(input, name=None):  # noqa: A002
    """Sign and log of the absolute value of the determinant (`tf.linalg.slogdet`).

    Stable where the determinant itself would overflow or underflow. Only the log-abs output
    carries a gradient.

    Args:
        input: a tensor of shape `[..., M, M]`.

    Returns:
        A `(sign, log_abs_determinant)` pair, each of shape `[...]`.
    """
    return execute(LOG_MATRIX_DETERMINANT, (_matrix(input, "LogMatrixDeterminant"),))


def logdet(matrix, name=None):
    """Log-determinant of Hermitian positive definite matrices (`tf.linalg.logdet`).

    Computed from the Cholesky factor, so it neither overflows nor underflows.

    Args:
        matrix: a tensor of shape `[..., M, M]`.

    Returns:
        A real tensor of shape `[...]`.
    """
    d = diag_part(cholesky(matrix))
    if d.dtype.is_complex:
        d = math_ops.real(d)
    return 2.0 * math_ops.reduce_sum(math_ops.log(d), axis=-1)


def _solve_kernel(xp, a, b, adjoint):
    if adjoint:
        a = xp.conj(xp.swapaxes(a, -1, -2))
    try:
        return xp.linalg.solve(a, b)
    except ValueError as e:  # numpy's LinAlgError: a singular matrix
        raise _kernel_linalg_error("MatrixSolve", "Input matrix is not invertible", e) from None


def _solve_grad(e, dx):
    a, _ = e.inputs
    x = e.outputs[0]
    adj = e.attrs["adjoint"]
    gb = solve(a, dx, adjoint=not adj)
    ga = -matmul(x, gb, adjoint_b=True) if adj else -matmul(gb, x, adjoint_b=True)
    return ga, gb


MATRIX_SOLVE = register_op("MatrixSolve", _solve_kernel, kinds=FLOAT_KINDS, grad=_solve_grad)


def solve(matrix, rhs, adjoint=False, name=None):
    """Solves `matrix @ x = rhs` for x (`tf.linalg.solve`).

    Args:
        matrix: a tensor of shape `[..., M, M]`.
        rhs: a tensor of shape `[..., M, K]` with the same batch dimensions and dtype.
        adjoint: if True, solve with the conjugate transpose of `matrix`.

    Returns:
        A tensor of shape `[..., M, K]`.

    Raises:
        InvalidArgumentError: the shapes do not fit or a matrix is singular.
    """
    a, b = binary_operands(matrix, rhs, "MatrixSolve")
    a = _matrix(a, "MatrixSolve", what="matrix")
    b = _matrix(b, "MatrixSolve", square=False, what="rhs")
    sa, sb = a._value.shape, b._value.shape
    if sa[:-2] != sb[:-2] or sa[-1] != sb[-2]:
        raise InvalidArgumentError(
            None, "MatrixSolve", f"MatrixSolve: matrix of shape {shape_str(sa)} and rhs of shape "
            f"{shape_str(sb)} do not fit: rhs must have shape [..., {sa[-1]}, K] with the same "
            "batch dimensions as matrix. [Op:MatrixSolve]")
    return execute(MATRIX_SOLVE, (a, b), {"adjoint": bool(adjoint)})


# -- decompositions --------------------------------------------------------------------------------
def _lower_mask(n, dtype, diagonal):
    """Constant mask: 1 strictly below the diagonal, `diagonal` on it, 0 above."""
    m = np.tril(np.ones((n, n)), -1) + diagonal * np.eye(n)
    return array_ops.constant(m, dtype=dtype)


def _cholesky_kernel(xp, a):
    try:
        return xp.linalg.cholesky(a)
    except ValueError as e:  # numpy's LinAlgError: not positive definite
        raise _kernel_linalg_error(
            "Cholesky", "Cholesky decomposition was not successful. The input might not be valid: "
            "it must be Hermitian positive definite", e) from None


def _cholesky_grad(e, dl):
    # A = L L^H  =>  dA-bar = L^-H Phi(L^H dL-bar) L^-1, symmetrized; Phi keeps the lower
    # triangle and halves the diagonal.
    low = e.outputs[0]
    low_inv = inv(low)
    phi = matmul(low, dl, adjoint_a=True) * _lower_mask(low._value.shape[-1], low.dtype, 0.5)
    g = matmul(matmul(low_inv, phi, adjoint_a=True), low_inv)
    return ((g + _adjoint(g)) * 0.5,)


CHOLESKY = register_op("Cholesky", _cholesky_kernel, kinds=FLOAT_KINDS, grad=_cholesky_grad)


def cholesky(input, name=None):  # noqa: A002
    """Cholesky factor of Hermitian positive definite matrices (`tf.linalg.cholesky`).

    Returns the lower triangular L with `L @ adjoint(L) == input`. Only the lower triangle of
    `input` is read; the gradient is the symmetric one, as in TensorFlow.

    Args:
        input: a tensor of shape `[..., M, M]`.

    Returns:
        A tensor of shape `[..., M, M]`.

    Raises:
        InvalidArgumentError: a matrix is not square or not positive definite.
    """
    return execute(CHOLESKY, (_matrix(input, "Cholesky"),))


def _qr_kernel(xp, a, full_matrices):
    q, r = xp.linalg.qr(a, mode="complete" if full_matrices else "reduced")
    return q, r


def _qr_grad_square_or_tall(q, r, dq, dr):
    # For Q with orthonormal columns and square R: M = R dR^H - dQ^H Q,
    # dA-bar = (dQ + Q copyltu(M)) R^-H, where copyltu mirrors the lower triangle upwards.
    n = r._value.shape[-1]
    m = matmul(r, dr, adjoint_b=True) - matmul(dq, q, adjoint_a=True)
    strict = m * _lower_mask(n, m.dtype, 0.0)
    copyltu = strict + _adjoint(strict) + m * array_ops.eye(n, dtype=m.dtype)
    return matmul(dq + matmul(q, copyltu), inv(r), adjoint_b=True)


def _qr_grad(e, dq, dr):
    a = e.inputs[0]
    q, r = e.outputs
    rows, cols = a._value.shape[-2:]
    if rows >= cols:
        if e.attrs["full_matrices"] and rows > cols:
            raise NotImplementedError(
                "The QR gradient is not defined for full_matrices=True with more rows than "
                f"columns (input shape {shape_str(a._value.shape)}): Q is not unique. Use "
                "full_matrices=False.")
        return (_qr_grad_square_or_tall(q, r, dq, dr),)
    # Wide A = [X | Y] with X square: X = Q U and Y = Q V, so Y's gradient is Q dV and
    # V's dependence on Q adds Y dV^H to dQ.
    left = (Ellipsis, slice(None, rows))
    right = (Ellipsis, slice(rows, None))
    y = array_ops.getitem(a, right)
    u, du, dv = array_ops.getitem(r, left), array_ops.getitem(dr, left), \
        array_ops.getitem(dr, right)
    dx = _qr_grad_square_or_tall(q, u, dq + matmul(y, dv, adjoint_b=True), du)
    return (array_ops.concat([dx, matmul(q, dv)], axis=-1),)


QR = register_op("Qr", _qr_kernel, num_outputs=2, kinds=FLOAT_KINDS, grad=_qr_grad)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """QR decomposition `input = Q @ R` (`tf.linalg.qr`).

    Args:
        input: a tensor of shape `[..., M, N]`.
        full_matrices: if True, Q is `[..., M, M]` and R `[..., M, N]`; otherwise with
            P = min(M, N), Q is `[..., M, P]` and R `[..., P, N]`.

    Returns:
        A `(q, r)` pair. Gradients are defined unless `full_matrices` is True and M > N.
    """
    t = _matrix(input, "Qr", square=False)
    q, r = execute(QR, (t,), {"full_matrices": bool(full_matrices)})
    return _QrResult(q, r)


class _QrResult(tuple):
    """(q, r) with attribute access, as TensorFlow's Qr result."""

    def __new__(cls, q, r):
        return tuple.__new__(cls, (q, r))

    q = property(lambda self: self[0])
    r = property(lambda self: self[1])


# -- diagonals, transposes, trace, band_part -------------------------------------------------------
def _diag_kernel(xp, x, k, num_rows, num_cols, padding_value):
    n = x.shape[-1]
    out = xp.full(x.shape[:-1] + (num_rows, num_cols), padding_value, dtype=x.dtype)
    idx = xp.arange(n)
    out[..., idx + max(-k, 0), idx + max(k, 0)] = x
    return out


def _diag_part_kernel(xp, x, k):
    return xp.ascontiguousarray(xp.diagonal(x, offset=k, axis1=-2, axis2=-1))


MATRIX_DIAG = register_op(
    "MatrixDiagV3", _diag_kernel,
    grad=lambda e, dy: (diag_part(dy, k=e.attrs["k"]),))
MATRIX_DIAG_PART = register_op(
    "MatrixDiagPartV3", _diag_part_kernel,
    grad=lambda e, dy: (diag(dy, k=e.attrs["k"], num_rows=e.inputs[0]._value.shape[-2],
                             num_cols=e.inputs[0]._value.shape[-1]),))

_ALIGNS = ("LEFT_RIGHT", "RIGHT_LEFT", "LEFT_LEFT", "RIGHT_RIGHT")


def _single_k(k, align, op_name):
    if align not in _ALIGNS:
        raise ValueError(f"{op_name}: align must be one of {list(_ALIGNS)}, got {align!r}.")
    if _is_tensor_like(k):
        k = to_tensor(k).numpy().tolist()
    if isinstance(k, (list, tuple)):
        if len(k) == 2 and int(k[0]) == int(k[1]):
            k = k[0]
        elif len(k) == 1:
            k = k[0]
        else:
            raise InvalidArgumentError(
                None, op_name, f"{op_name}: flowgrad supports a single diagonal offset k, got a "
                f"band k={list(k)}. Call it once per diagonal and tf.stack the results.")
    return int(k)


def diag(diagonal, name="diag", k=0, num_rows=-1, num_cols=-1, padding_value=0,
         align="RIGHT_LEFT"):
    """Batched matrices with `diagonal` on their k-th diagonal (`tf.linalg.diag`).

    Args:
        diagonal: a tensor of shape `[..., N]`.
        k: the diagonal offset: 0 is the main diagonal, > 0 above it, < 0 below it.
        num_rows / num_cols: the output matrix size; -1 infers the smallest that fits (square
            when both are -1).
        padding_value: the value of the entries off the diagonal.
        align: accepted for compatibility; a single diagonal needs no alignment.

    Returns:
        A tensor of shape `[..., num_rows, num_cols]`.

    Example:
        >>> import flowgrad as tf
        >>> tf.linalg.diag(tf.constant([1., 2.])).numpy().tolist()
        [[1.0, 0.0], [0.0, 2.0]]
    """
    t = to_tensor(diagonal)
    k = _single_k(k, align, "MatrixDiagV3")
    if t._value.ndim < 1:
        raise InvalidArgumentError(None, "MatrixDiagV3", "diag: diagonal must have rank >= 1, "
                                   "got a scalar. [Op:MatrixDiagV3]")
    n = t._value.shape[-1]
    min_rows, min_cols = n + max(-k, 0), n + max(k, 0)
    num_rows, num_cols = int(num_rows), int(num_cols)
    if num_rows == -1 and num_cols == -1:
        num_rows = num_cols = max(min_rows, min_cols)
    num_rows = min_rows if num_rows == -1 else num_rows
    num_cols = min_cols if num_cols == -1 else num_cols
    if max(0, min(num_rows - max(-k, 0), num_cols - max(k, 0))) != n:
        raise InvalidArgumentError(
            None, "MatrixDiagV3", f"diag: a diagonal of length {n} at offset k={k} does not fit "
            f"a {num_rows}x{num_cols} matrix exactly. Leave num_rows / num_cols at -1 to infer "
            "them. [Op:MatrixDiagV3]")
    pad = to_tensor(padding_value, dtype=t.dtype)._value.item()
    return execute(MATRIX_DIAG, (t,), {"k": k, "num_rows": num_rows, "num_cols": num_cols,
                                       "padding_value": pad})


def diag_part(input, name="diag_part", k=0, padding_value=0, align="RIGHT_LEFT"):  # noqa: A002
    """The k-th diagonal of one or more matrices (`tf.linalg.diag_part`).

    Args:
        input: a tensor of shape `[..., M, N]`.
        k: the diagonal offset: 0 is the main diagonal, > 0 above it, < 0 below it.
        padding_value / align: accepted for compatibility; a single diagonal needs no padding.

    Returns:
        A tensor of shape `[..., L]`, L the diagonal's length.
    """
    t = _matrix(input, "MatrixDiagPartV3", square=False)
    k = _single_k(k, align, "MatrixDiagPartV3")
    rows, cols = t._value.shape[-2:]
    if rows and cols and not -rows < k < cols:
        raise InvalidArgumentError(
            None, "MatrixDiagPartV3", f"diag_part: k={k} is out of range for matrices of shape "
            f"[{rows},{cols}]: it must be in ({-rows}, {cols}). [Op:MatrixDiagPartV3]")
    return execute(MATRIX_DIAG_PART, (t,), {"k": k})


def trace(x, name=None):
    """Sum of the main diagonal of one or more matrices (`tf.linalg.trace`).

    Args:
        x: a tensor of shape `[..., M, N]`.

    Returns:
        A tensor of shape `[...]`.
    """
    return math_ops.reduce_sum(diag_part(_matrix(x, "Trace", square=False)), axis=-1)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Transposes the last two dimensions (`tf.linalg.matrix_transpose`).

    Args:
        a: a tensor of rank >= 2.
        conjugate: also complex-conjugate the entries.

    Returns:
        A tensor of shape `[..., N, M]` for `a` of shape `[..., M, N]`.
    """
    t = to_tensor(a)
    nd = t._value.ndim
    if nd < 2:
        raise ValueError(f"matrix_transpose: argument 'a' must be a (batch) matrix of rank >= 2, "
                         f"got shape {shape_str(t._value.shape)}.")
    perm = list(range(nd - 2)) + [nd - 1, nd - 2]
    return array_ops.transpose(t, perm, conjugate=conjugate)


def adjoint(matrix, name=None):
    """Conjugate transpose of the last two dimensions (`tf.linalg.adjoint`).

    Args:
        matrix: a tensor of rank >= 2.

    Returns:
        The conjugate transpose, `[..., N, M]`.
    """
    return matrix_transpose(matrix, conjugate=True)


def band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Zeroes everything outside a band around the diagonal (`tf.linalg.band_part`).

    Args:
        input: a tensor of shape `[..., M, N]`.
        num_lower: how many subdiagonals to keep; negative keeps the whole lower triangle.
        num_upper: how many superdiagonals to keep; negative keeps the whole upper triangle.

    Returns:
        A tensor of the same shape: `band_part(x, -1, 0)` is the lower triangle.
    """
    t = _matrix(input, "MatrixBandPart", square=False)
    rows, cols = t._value.shape[-2:]
    lower, upper = int(num_lower), int(num_upper)
    offset = np.arange(rows)[:, None] - np.arange(cols)[None, :]
    keep = ((lower < 0) | (offset <= lower)) & ((upper < 0) | (-offset <= upper))
    return math_ops.where(array_ops.constant(keep), t, array_ops.zeros_like(t))


# -- norms -----------------------------------------------------------------------------------------
def _norm_axes(axis, ndim):
    if _is_tensor_like(axis):
        axis = to_tensor(axis).numpy().tolist()
    if axis is None:
        return None
    if isinstance(axis, (int, np.integer)):
        return (normalize_axis(int(axis), ndim, "Norm")[0],)
    if isinstance(axis, (list, tuple)) and len(axis) in (1, 2):
        axes = tuple(normalize_axis(int(a), ndim, "Norm")[0] for a in axis)
        if len(set(axes)) == len(axes):
            return axes
    raise ValueError(f"norm: 'axis' must be None, an integer, or a tuple of 2 unique integers, "
                     f"got {axis!r}.")


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """Vector and matrix norms (`tf.norm`, `tf.linalg.norm`).

    Args:
        tensor: a floating-point or complex tensor.
        ord: for vectors 'euclidean' (default), 1, 2, np.inf or any real p > 0; for matrices
            (a 2-tuple `axis`) 'euclidean' / 'fro' (Frobenius), 1 (max column sum) or np.inf
            (max row sum).
        axis: None (the whole tensor as one vector), an int (a batch of vectors) or a 2-tuple
            (a batch of matrices: rows then columns).
        keepdims: keep the reduced dimensions with size 1.

    Returns:
        A real tensor of the norms.

    Raises:
        ValueError: an unsupported `ord` or `axis` (the matrix 2-norm, which needs singular
            values, is not supported).

    Example:
        >>> import flowgrad as tf
        >>> float(tf.norm(tf.constant([3., 4.])))
        5.0
    """
    t = to_tensor(tensor)
    if not (t.dtype.is_floating or t.dtype.is_complex):
        raise InvalidArgumentError(
            None, "Norm", f"norm expects a floating-point or complex tensor, got "
            f"{t.dtype.name}. Cast it first, e.g. tf.cast(x, tf.float32).")
    nd = t._value.ndim
    axes = _norm_axes(axis, nd)
    keepdims = bool(keepdims)
    is_matrix = axes is not None and len(axes) == 2
    is_number = isinstance(ord, (int, float, np.integer, np.floating)) and not isinstance(ord, bool)
    if is_matrix:
        if ord == 2 and is_number:
            raise ValueError("norm: the matrix 2-norm (ord=2 with a 2-tuple axis) is the largest "
                             "singular value and is not supported; use ord='fro', 1 or np.inf, "
                             "or a vector norm.")
        if not (ord in ("euclidean", "fro") or (is_number and ord in (1, np.inf))):
            raise ValueError(f"norm: 'ord' must be a supported matrix norm in ['euclidean', "
                             f"'fro', 1, inf] for a 2-tuple axis, got {ord!r}.")
    elif not (ord == "euclidean" or (is_number and ord > 0)):
        raise ValueError(f"norm: 'ord' must be a supported vector norm ('euclidean', 1, 2, "
                         f"np.inf or a real number > 0), got {ord!r}.")
    squares = math_ops.real(t * math_ops.conj(t)) if t.dtype.is_complex else None
    reduce_axes = tuple(range(nd)) if axes is None else axes
    if ord in ("euclidean", "fro") or (not is_matrix and ord == 2):
        if squares is None:
            squares = math_ops.square(t)
        return _finish_norm(math_ops.sqrt(math_ops.reduce_sum(
            squares, axis=reduce_axes, keepdims=True)), t, reduce_axes, keepdims)
    magnitude = math_ops.abs(t) if squares is None else math_ops.sqrt(squares)
    if is_matrix:
        rows, cols = axes
        inner, outer = (rows, cols) if ord == 1 else (cols, rows)
        sums = math_ops.reduce_sum(magnitude, axis=inner, keepdims=True)
        out = math_ops.reduce_max(sums, axis=outer, keepdims=True)
    elif ord == np.inf:
        out = math_ops.reduce_max(magnitude, axis=reduce_axes, keepdims=True)
    elif ord == 1:
        out = math_ops.reduce_sum(magnitude, axis=reduce_axes, keepdims=True)
    else:
        p = float(ord)
        out = math_ops.pow(math_ops.reduce_sum(math_ops.pow(magnitude, p), axis=reduce_axes,
                                               keepdims=True), 1.0 / p)
    return _finish_norm(out, t, reduce_axes, keepdims)


def _finish_norm(out, t, reduce_axes, keepdims):
    if keepdims:
        return out
    return array_ops.reshape(out, [d for i, d in enumerate(t._value.shape)
                                   if i not in reduce_axes])

