"""OpSpecs for the fused recurrent sequences (flowgrad/ops/rnn_ops.py): LSTMSequence and
GRUSequence forward, and their backward ops through "vjp" specs that take the gradient inside
the function.

The NumPy references are deliberately naive: one step at a time in Keras's gate order, with
the backward pass written out per step, sharing nothing with the fused kernels (no gate
permutation, no pre-scaling, no leading direction axis: directions are looped over).
"""

import numpy as np

import flowgrad as fg
from flowgrad.ops import rnn_ops
from flowgrad.testing.op_harness import Case, OpSpec

_TOL = {"rtol": 1e-4, "atol": 1e-5}


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _act(x, activation):
    return np.tanh(x) if activation == "tanh" else np.maximum(x, 0)


def _dact(y, activation):
    """The activation's derivative from its output."""
    return 1 - y * y if activation == "tanh" else (y > 0).astype(y.dtype)


def _per_direction(fn):
    """Runs a single-sequence reference over a leading direction axis when there is one."""
    def wrapped(x, *rest, mask=None, **kw):
        if x.ndim == 3:
            return fn(x, *rest, mask=mask, **kw)
        outs = [fn(x[d], *[r[d] for r in rest], mask=None if mask is None else mask[d], **kw)
                for d in range(x.shape[0])]
        return tuple(np.stack([o[k] for o in outs]) for k in range(len(outs[0])))
    return wrapped


def _step_mask(mask, t, x):
    """Step t's mask as a (batch, 1) column of 0 / 1 in x's dtype (all ones without a mask)."""
    if mask is None:
        return np.ones((x.shape[0], 1), dtype=x.dtype)
    return mask[:, t:t + 1].astype(x.dtype)


def _stack(per_step, state):
    """(batch, time, units) from the per-step states; empty when there are no steps."""
    if not per_step:
        return np.zeros((state.shape[0], 0, state.shape[1]), dtype=state.dtype)
    return np.stack(per_step, 1).astype(state.dtype)


# -- LSTM ---------------------------------------------------------------------------------------
def _np_lstm_steps(x, K, b, h0, c0, U, activation, mask=None):
    """Per step: the gates, the candidate states (c_new, h_new) and the kept states (c, h):
    a masked step keeps the previous ones."""
    n = U.shape[0]
    h, c = h0, c0
    steps = []
    for t in range(x.shape[1]):
        z = x[:, t] @ K + b + h @ U
        i, f = _sig(z[:, :n]), _sig(z[:, n:2 * n])
        g, o = _act(z[:, 2 * n:3 * n], activation), _sig(z[:, 3 * n:])
        c_prev, h_prev = c, h
        c_new = f * c + i * g
        ac = _act(c_new, activation)
        h_new = o * ac
        m = _step_mask(mask, t, x)
        c = np.where(m > 0, c_new, c_prev)
        h = np.where(m > 0, h_new, h_prev)
        steps.append(dict(i=i, f=f, g=g, o=o, c=c, ac=ac, h=h, c_prev=c_prev, h_prev=h_prev,
                          m=m))
    return steps


@_per_direction
def _np_lstm(x, K, b, h0, c0, U, mask=None, activation="tanh"):
    steps = _np_lstm_steps(x, K, b, h0, c0, U, activation, mask)
    return _stack([s["h"] for s in steps], h0), _stack([s["c"] for s in steps], c0)


@_per_direction
def _np_lstm_vjp(x, K, b, h0, c0, U, uh, uc, mask=None, activation="tanh"):
    """Gradients of sum(hs * uh + cs * uc) w.r.t. x, K, b, h0, c0, U."""
    steps = _np_lstm_steps(x, K, b, h0, c0, U, activation, mask)
    dx, dK, db, dU = np.zeros_like(x), np.zeros_like(K), np.zeros_like(b), np.zeros_like(U)
    dh_next, dc_next = np.zeros_like(h0), np.zeros_like(c0)
    for t in range(x.shape[1] - 1, -1, -1):
        s = steps[t]
        keep = 1 - s["m"]                 # a masked step passes the gradients through
        dh_state, dc_state = uh[:, t] + dh_next, uc[:, t] + dc_next
        dh = dh_state * s["m"]
        dc = dc_state * s["m"] + dh * s["o"] * _dact(s["ac"], activation)
        do, di, dg, df = dh * s["ac"], dc * s["g"], dc * s["i"], dc * s["c_prev"]
        dc_next = dc * s["f"] + dc_state * keep
        dz = np.concatenate([di * s["i"] * (1 - s["i"]), df * s["f"] * (1 - s["f"]),
                             dg * _dact(s["g"], activation), do * s["o"] * (1 - s["o"])], 1)
        dK += x[:, t].T @ dz
        db += dz.sum(0)
        dU += s["h_prev"].T @ dz
        dx[:, t] = dz @ K.T
        dh_next = dz @ U.T + dh_state * keep
    return dx, dK, db, dh_next, dc_next, dU


# -- GRU ----------------------------------------------------------------------------------------
def _np_gru_steps(x, K, b, h0, U, rb, activation, mask=None):
    n = U.shape[0]
    h = h0
    steps = []
    for t in range(x.shape[1]):
        p = x[:, t] @ K + b
        inner = h @ U + rb
        z = _sig(p[:, :n] + inner[:, :n])
        r = _sig(p[:, n:2 * n] + inner[:, n:2 * n])
        hh = _act(p[:, 2 * n:] + r * inner[:, 2 * n:], activation)
        h_prev = h
        m = _step_mask(mask, t, x)
        h = np.where(m > 0, z * h_prev + (1 - z) * hh, h_prev)
        steps.append(dict(z=z, r=r, hh=hh, ih=inner[:, 2 * n:], h=h, h_prev=h_prev, m=m))
    return steps


@_per_direction
def _np_gru(x, K, b, h0, U, rb, mask=None, activation="tanh"):
    steps = _np_gru_steps(x, K, b, h0, U, rb, activation, mask)
    return (_stack([s["h"] for s in steps], h0),)


@_per_direction
def _np_gru_vjp(x, K, b, h0, U, rb, uh, mask=None, activation="tanh"):
    """Gradients of sum(hs * uh) w.r.t. x, K, b, h0, U, rb."""
    steps = _np_gru_steps(x, K, b, h0, U, rb, activation, mask)
    dx, dK, db = np.zeros_like(x), np.zeros_like(K), np.zeros_like(b)
    dU, drb = np.zeros_like(U), np.zeros_like(rb)
    dh_next = np.zeros_like(h0)
    for t in range(x.shape[1] - 1, -1, -1):
        s = steps[t]
        dh_state = uh[:, t] + dh_next
        dh = dh_state * s["m"]
        dz = dh * (s["h_prev"] - s["hh"])
        dah = dh * (1 - s["z"]) * _dact(s["hh"], activation)
        dr = dah * s["ih"]
        dzp, drp = dz * s["z"] * (1 - s["z"]), dr * s["r"] * (1 - s["r"])
        dp = np.concatenate([dzp, drp, dah], 1)
        dinner = np.concatenate([dzp, drp, dah * s["r"]], 1)
        dK += x[:, t].T @ dp
        db += dp.sum(0)
        dx[:, t] = dp @ K.T
        dU += s["h_prev"].T @ dinner
        drb += dinner.sum(0)
        dh_next = dh * s["z"] + dinner @ U.T + dh_state * (1 - s["m"])
    return dx, dK, db, dh_next, dU, drb


# -- flowgrad sides ------------------------------------------------------------------------------
def _lstm(x, K, b, h0, c0, U, **kw):
    return rnn_ops.lstm_sequence(x, K, b, h0, c0, U, **kw)


def _lstm_last(x, K, b, h0, c0, U, **kw):
    """The layers' path without return_sequences: the op returns the last output only."""
    return rnn_ops.lstm_sequence_final(x, K, b, h0, c0, U, return_sequences=False, **kw)


def _np_lstm_last(*args, **kw):
    hs, cs = _np_lstm(*args, **kw)
    return hs[..., -1, :], cs[..., -1, :]


def _gru(x, K, b, h0, U, rb, **kw):
    return (rnn_ops.gru_sequence(x, K, b, h0, U, rb, **kw),)


def _lstm_vjp(x, K, b, h0, c0, U, uh, uc, **kw):
    primals = [x, K, b, h0, c0, U]
    with fg.GradientTape() as tape:
        tape.watch(primals)
        hs, cs = rnn_ops.lstm_sequence(*primals, **kw)
        total = fg.reduce_sum(hs * uh) + fg.reduce_sum(cs * uc)
    return tuple(tape.gradient(total, primals))


def _gru_vjp(x, K, b, h0, U, rb, uh, **kw):
    primals = [x, K, b, h0, U, rb]
    with fg.GradientTape() as tape:
        tape.watch(primals)
        total = fg.reduce_sum(rnn_ops.gru_sequence(*primals, **kw) * uh)
    return tuple(tape.gradient(total, primals))


def _lstm_case(B, T, F, n, D=None, **kw):
    lead = () if D is None else (D,)
    return Case(lead + (B, T, F), lead + (F, 4 * n), lead + (4 * n,), lead + (B, n),
                lead + (B, n), lead + (n, 4 * n), **kw)


def _gru_case(B, T, F, n, D=None, **kw):
    lead = () if D is None else (D,)
    return Case(lead + (B, T, F), lead + (F, 3 * n), lead + (3 * n,), lead + (B, n),
                lead + (n, 3 * n), lead + (3 * n,), **kw)


def _with_cotangents(case, *shapes):
    return Case(*case.args, *shapes, **case.kwargs)


_MASK = np.array([[1, 0, 1, 1], [0, 0, 1, 0]], dtype=bool)       # (batch 2, time 4)
_MASK2 = np.array([[[1, 1, 0], [0, 1, 1]], [[0, 1, 1], [1, 1, 0]]], dtype=bool)  # (2, 2, 3)

SPECS = [
    OpSpec("lstm_sequence", _lstm, _np_lstm, cases=[
        _lstm_case(2, 4, 3, 2),
        _lstm_case(3, 3, 2, 3, activation="relu"),
        _lstm_case(2, 3, 2, 2, D=2),
        _lstm_case(1, 1, 1, 1),
        _lstm_case(2, 0, 3, 2),  # no steps
        _lstm_case(2, 4, 3, 2, mask=_MASK),
        _lstm_case(2, 3, 2, 2, D=2, mask=_MASK2),
    ], grad2=True, **_TOL),
    OpSpec("lstm_sequence_last", _lstm_last, _np_lstm_last, cases=[
        _lstm_case(2, 4, 3, 2),
        _lstm_case(3, 3, 2, 3, activation="relu"),
        _lstm_case(2, 3, 2, 2, D=2),
        _lstm_case(2, 4, 3, 2, mask=_MASK),
        _lstm_case(2, 3, 2, 2, D=2, mask=_MASK2),
    ], grad2=True, **_TOL),
    OpSpec("lstm_sequence_vjp", _lstm_vjp, _np_lstm_vjp, cases=[
        _with_cotangents(_lstm_case(2, 4, 3, 2), (2, 4, 2), (2, 4, 2)),
        _with_cotangents(_lstm_case(2, 3, 2, 2, D=2), (2, 2, 3, 2), (2, 2, 3, 2)),
        _with_cotangents(_lstm_case(3, 3, 2, 3, activation="relu"), (3, 3, 3), (3, 3, 3)),
        _with_cotangents(_lstm_case(2, 4, 3, 2, mask=_MASK), (2, 4, 2), (2, 4, 2)),
    ], **_TOL),
    OpSpec("gru_sequence", _gru, _np_gru, cases=[
        _gru_case(2, 4, 3, 2),
        _gru_case(3, 3, 2, 3, activation="relu"),
        _gru_case(2, 3, 2, 2, D=2),
        _gru_case(2, 0, 3, 2),
        _gru_case(2, 4, 3, 2, mask=_MASK),
        _gru_case(2, 3, 2, 2, D=2, mask=_MASK2),
    ], grad2=True, **_TOL),
    OpSpec("gru_sequence_vjp", _gru_vjp, _np_gru_vjp, cases=[
        _with_cotangents(_gru_case(2, 4, 3, 2), (2, 4, 2)),
        _with_cotangents(_gru_case(2, 3, 2, 2, D=2), (2, 2, 3, 2)),
        _with_cotangents(_gru_case(3, 3, 2, 3, activation="relu"), (3, 3, 3)),
        _with_cotangents(_gru_case(2, 3, 2, 2, D=2, mask=_MASK2), (2, 2, 3, 2)),
    ], **_TOL),
]
