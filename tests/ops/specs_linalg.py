"""OpSpecs for the linear algebra ops (flowgrad.ops.linalg_ops, `tf.linalg`)."""

import numpy as np

import flowgrad as fg
from flowgrad.ops import linalg_ops as la
from flowgrad.testing.op_harness import Case, OpSpec


def _swap(x):
    return np.swapaxes(x, -1, -2)


def _well_conditioned(x):
    """Square matrices get a dominant diagonal; other shapes (right-hand sides) pass through."""
    if x.ndim >= 2 and x.shape[-1] == x.shape[-2]:
        return x + (x.shape[-1] + 2) * np.eye(x.shape[-1])
    return x


def _positive_definite(x):
    return x @ _swap(x) + x.shape[-1] * np.eye(x.shape[-1])


def _sym(t):
    """Symmetrizes inside the traced function, so finite differences stay symmetric."""
    return (t + la.matrix_transpose(t)) * 0.5


def _np_sym(x):
    return (x + _swap(x)) / 2


def _np_matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False):
    if transpose_a or adjoint_a:
        a = _swap(np.conj(a) if adjoint_a else a)
    if transpose_b or adjoint_b:
        b = _swap(np.conj(b) if adjoint_b else b)
    return np.matmul(a, b)


def _np_diag(x, k=0, num_rows=-1, num_cols=-1, padding_value=0):
    n = x.shape[-1]
    rows = n + max(-k, 0) if num_rows == -1 else num_rows
    cols = n + max(k, 0) if num_cols == -1 else num_cols
    if num_rows == -1 and num_cols == -1:
        rows = cols = n + abs(k)
    out = np.full(x.shape[:-1] + (rows, cols), padding_value, dtype=x.dtype)
    for i in range(n):
        out[..., i + max(-k, 0), i + max(k, 0)] = x[..., i]
    return out


def _np_band_part(x, num_lower, num_upper):
    i, j = np.indices(x.shape[-2:])
    keep = ((num_lower < 0) | (i - j <= num_lower)) & ((num_upper < 0) | (j - i <= num_upper))
    return np.where(keep, x, 0).astype(x.dtype)


def _np_norm(x, ord="euclidean", axis=None, keepdims=False):
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = tuple(a % x.ndim for a in ((axis,) if isinstance(axis, int) else axis))
    a = np.abs(x)
    if len(axes) == 2 and ord in (1, np.inf):
        rows, cols = axes
        inner, outer = (rows, cols) if ord == 1 else (cols, rows)
        out = np.max(np.sum(a, axis=inner, keepdims=True), axis=outer, keepdims=True)
    elif ord in ("euclidean", "fro", 2):
        out = np.sqrt(np.sum(a * a, axis=axes, keepdims=True))
    elif ord == np.inf:
        out = np.max(a, axis=axes, keepdims=True)
    else:
        out = np.sum(a ** ord, axis=axes, keepdims=True) ** (1.0 / ord)
    if not keepdims:
        out = np.squeeze(out, axis=axes)
    return out.astype(x.dtype)


def _np_slogdet(x):
    sign, logabs = np.linalg.slogdet(x)
    return np.asarray(sign, dtype=x.dtype), np.asarray(logabs, dtype=x.dtype)


def _np_qr(x, full_matrices=False):
    q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q, r


def _einsum(*xs, equation):
    return fg.einsum(equation, *xs)


def _np_einsum(*xs, equation):
    return np.asarray(np.einsum(equation, *xs))


_COMPLEX_A = np.array([[1 + 2j, 3 - 1j], [0.5j, -2 + 0j], [1 - 1j, 2j]])
_COMPLEX_B = np.array([[2 - 1j, 1j, 1 + 0j], [-1 + 1j, 0.5 - 2j, 3j]])

SPECS = [
    OpSpec("matmul", lambda a, b, **kw: fg.matmul(a, b, **kw), _np_matmul, cases=[
        Case((2, 3), (3, 4)),
        Case((3, 2), (3, 4), transpose_a=True),
        Case((2, 3), (4, 3), transpose_b=True),
        Case((3, 2), (4, 3), transpose_a=True, transpose_b=True),
        Case((3, 2), (4, 3), adjoint_a=True, adjoint_b=True),
        Case((2, 1, 3, 4), (5, 4, 2)),
        Case((2, 3, 4), (4, 5), transpose_a=False),
        Case((2, 0), (0, 3)),
    ], grad2=True),
    # Empty outputs: first-order checks only (a second-order objective over nothing is None).
    OpSpec("matmul_empty", lambda a, b: fg.matmul(a, b), np.matmul,
           cases=[Case((0, 3), (3, 2)), Case((2, 3, 0), (2, 0, 0))]),
    OpSpec("matmul_int", lambda a, b: fg.matmul(a, b), np.matmul,
           cases=[Case((2, 3), (3, 4)), Case((2, 2, 3), (3, 1))],
           dtypes=("int32", "int64"), grad=False, domain=lambda x: np.round(3 * x)),
    OpSpec("matmul_complex", lambda a, b, **kw: fg.matmul(a, b, **kw), _np_matmul, cases=[
        Case(_COMPLEX_A, _COMPLEX_B),
        Case(_COMPLEX_A, _COMPLEX_B.T.conj(), adjoint_b=True),
        Case(_COMPLEX_A.T.conj(), _COMPLEX_B, adjoint_a=True),
    ], dtypes=("complex128",), grad=False),
    OpSpec("tensordot", lambda a, b, **kw: fg.tensordot(a, b, **kw),
           lambda a, b, axes: np.tensordot(a, b, axes), cases=[
               Case((2, 3), (3, 4), axes=1),
               Case((2, 3, 4), (3, 4, 5), axes=2),
               Case((3, 2, 4), (2, 3, 5), axes=[[1, 0], [0, 1]]),
               Case((2, 3), (4, 3), axes=[1, 1]),
               Case((2, 3), (4,), axes=0),
               Case((), (3,), axes=0),
               Case((4, 2), (3, 4), axes=[[-2], [-1]]),
               Case((2, 0), (0, 3), axes=1),
           ], grad2=True),
    OpSpec("tensordot_empty", lambda a, b, **kw: fg.tensordot(a, b, **kw),
           lambda a, b, axes: np.tensordot(a, b, axes), cases=[Case((0, 3), (3, 2), axes=1)]),
    OpSpec("einsum", _einsum, _np_einsum, cases=[
        Case((2, 3), (3, 4), equation="ij,jk->ik"),
        Case((2, 3, 4), (2, 4, 5), equation="bij,bjk->bik"),
        Case((2, 1, 3, 4), (5, 4, 2), equation="...ij,...jk->...ik"),
        Case((3, 4), (4,), equation="...i,...i->..."),
        Case((3, 2, 4), (4,), equation="i...j,j->i..."),
        Case((2, 1, 3, 4), (5, 1, 4), equation="i...j,...j->i..."),
        Case((2, 3), (3, 3), equation="ij,jj->i"),
        Case((2, 3), (4, 5), equation="ij,kl->"),
        Case((2, 3), (3, 4), (4, 5), equation="ij,jk,kl->il"),
        Case((2, 3), (2, 3), equation="ij,ij->ij"),
        Case((2,), (3,), equation="i,j->ij"),
        Case((2, 3), (4,), equation="ij,k->ij"),
        Case((2, 3), equation="ij->"),
        Case((2, 3), equation="ij->j"),
        Case((2, 3, 4), equation="ijk->kji"),
        Case((3, 3), equation="ii->i"),
        Case((3, 3), equation="ii"),
        Case((3, 3, 2), equation="iij->j"),
        Case((3, 2), (2, 4), equation="ij,jk"),
        Case((2, 3), equation="ba"),
        Case((2, 0), (0, 3), equation="ij,jk->ik"),
    ], grad2=True),
    OpSpec("einsum_empty", _einsum, _np_einsum, cases=[
        Case((0, 3), (3, 2), equation="ij,jk->ik"), Case((2, 0), equation="ij->j")]),
    OpSpec("inv", lambda x, **kw: la.inv(x, **kw), lambda x, adjoint=False: np.linalg.inv(
        _swap(x) if adjoint else x), cases=[
            Case((3, 3)), Case((2, 4, 4)), Case((3, 3), adjoint=True), Case((1, 1)),
            Case((2, 0, 0)),
        ], domain=_well_conditioned, grad2=True, rtol=1e-4),
    OpSpec("det", la.det, lambda x: np.asarray(np.linalg.det(x)), cases=[
        Case((3, 3)), Case((2, 4, 4)), Case((1, 1)), Case((0, 0)),
        Case(np.array([[0.5, 2.0], [1.5, 0.25]])),
    ], domain=_well_conditioned, grad2=True, rtol=1e-4),
    OpSpec("slogdet", la.slogdet, _np_slogdet, cases=[
        Case((3, 3)), Case((2, 4, 4)), Case(np.array([[0.5, 2.0], [1.5, 0.25]])),
    ], domain=_well_conditioned, grad2=True, rtol=1e-4),
    OpSpec("logdet", lambda x: la.logdet(_sym(x)),
           lambda x: np.linalg.slogdet(_np_sym(x))[1].astype(x.dtype),
           cases=[Case((3, 3)), Case((2, 4, 4))], domain=_positive_definite, grad2=True,
           rtol=1e-4),
    OpSpec("solve", lambda a, b, **kw: la.solve(a, b, **kw),
           lambda a, b, adjoint=False: np.linalg.solve(_swap(a) if adjoint else a, b), cases=[
               Case((3, 3), (3, 2)), Case((2, 4, 4), (2, 4, 1)),
               Case((3, 3), (3, 3), adjoint=True),
           ], domain=_well_conditioned, grad2=True, rtol=1e-4),
    OpSpec("solve_empty", la.solve, np.linalg.solve, cases=[Case((3, 3), (3, 0))],
           domain=_well_conditioned),
    OpSpec("cholesky", lambda x: la.cholesky(_sym(x)), lambda x: np.linalg.cholesky(_np_sym(x)),
           cases=[Case((3, 3)), Case((2, 4, 4)), Case((1, 1))], domain=_positive_definite,
           grad2=True, rtol=1e-4),
    OpSpec("qr", lambda x, **kw: la.qr(x, **kw), _np_qr, cases=[
        Case((4, 3)), Case((3, 3)), Case((3, 5)), Case((2, 4, 3)),
        Case((3, 5), full_matrices=True), Case((3, 3), full_matrices=True),
    ], grad2=True, rtol=1e-4, atol=1e-5),
    OpSpec("qr_full_tall", lambda x: la.qr(x, full_matrices=True),
           lambda x: _np_qr(x, full_matrices=True), cases=[Case((4, 3)), Case((2, 5, 2))],
           grad=False, rtol=1e-4, atol=1e-5),
    OpSpec("diag", lambda x, **kw: la.diag(x, **kw), _np_diag, cases=[
        Case((3,)), Case((2, 3)), Case((3,), k=1), Case((2, 3), k=-2), Case((0,)),
        Case((3,), num_rows=3, num_cols=5), Case((3,), k=1, num_rows=4),
        Case((2,), padding_value=7),
    ], grad2=True),
    OpSpec("diag_part", lambda x, **kw: la.diag_part(x, **kw),
           lambda x, k=0: np.diagonal(x, offset=np.max(k), axis1=-2, axis2=-1).copy(), cases=[
               Case((3, 3)), Case((2, 3, 4)), Case((3, 4), k=1), Case((4, 3), k=-1),
               Case((2, 0, 0)), Case((3, 4), k=(2, 2)),
           ], grad2=True),
    OpSpec("trace", la.trace, lambda x: np.asarray(np.trace(x, axis1=-2, axis2=-1)),
           cases=[Case((3, 3)), Case((2, 3, 4)), Case((2, 0, 3))], grad2=True),
    OpSpec("matrix_transpose", lambda x, **kw: la.matrix_transpose(x, **kw), lambda x: _swap(x),
           cases=[Case((2, 3)), Case((2, 3, 4)), Case((0, 3))], grad2=True),
    OpSpec("adjoint", la.adjoint, lambda x: np.conj(_swap(x)),
           cases=[Case((2, 3)), Case((2, 3, 4)), Case(_COMPLEX_A)], grad2=True),
    OpSpec("band_part", lambda x, **kw: la.band_part(x, **kw), _np_band_part, cases=[
        Case((4, 5), num_lower=1, num_upper=0), Case((4, 5), num_lower=-1, num_upper=0),
        Case((2, 4, 4), num_lower=0, num_upper=-1), Case((3, 5), num_lower=2, num_upper=1),
        Case((3, 3), num_lower=-1, num_upper=-1),
    ], grad2=True),
    OpSpec("norm", lambda x, **kw: fg.norm(x, **kw), _np_norm, cases=[
        Case((3, 4)), Case((5,), ord=1), Case((5,), ord=2), Case((5,), ord=np.inf),
        Case((5,), ord=3), Case((5,), ord=0.5), Case((2, 3, 4), axis=1),
        Case((2, 3, 4), axis=-1, keepdims=True), Case((3, 4), axis=[0]),
        Case((3, 4), ord="fro", axis=(0, 1)), Case((3, 4), ord=1, axis=(0, 1)),
        Case((3, 4), ord=np.inf, axis=(0, 1)), Case((3, 4), ord=1, axis=(1, 0)),
        Case((2, 3, 4), ord="euclidean", axis=(-2, -1), keepdims=True),
        Case((2, 3, 4), ord=np.inf, axis=(-1, -2)), Case((0, 3), axis=1),
    ], domain=lambda x: x + np.sign(x) * 0.1, grad2=True),
    OpSpec("linalg.norm_complex", lambda x: fg.linalg.norm(x, axis=-1),
           lambda x: np.linalg.norm(x, axis=-1), cases=[Case(_COMPLEX_A)],
           dtypes=("complex128",), grad=False),
    OpSpec("linalg.eye", lambda **kw: fg.linalg.eye(**kw),
           lambda num_rows, num_columns=None, batch_shape=(): np.broadcast_to(
               np.eye(num_rows, num_columns, dtype=np.float32),
               tuple(batch_shape) + (num_rows, num_columns or num_rows)),
           cases=[Case(num_rows=3), Case(num_rows=2, num_columns=3, batch_shape=[2])],
           dtypes=("float32",), grad=False),
]
