"""Fused recurrent sequences: a whole LSTM or GRU (Keras's `reset_after=True` form) over every
time step as one op, with a fused backward op. The Keras `LSTM` / `GRU` layers use them.

Why fused. Unrolled into primitive ops, one LSTM step is about a dozen ops forward and two
dozen backward, each on a small (batch, units) array: a 200-step sequence becomes thousands of
graph nodes, and the time goes to dispatch, not arithmetic. These kernels run the time loop
in NumPy, write every step's results into preallocated time-major buffers with `out=`, and do
whatever does not depend on the recursion once for the whole sequence: the weight gradient is
a single GEMM over all steps, and the gate derivatives are computed for all steps at once.

Primitives (all sequences batch-major, as the layers use them):

* `LSTMSequence(x, kernel, bias, h0, c0, U)` -> `(hs, cs, gates, act_c)`: `hs`, `cs`
  (batch, time, units) are the hidden and cell states after each step; `gates` and `act_c`
  are saved for the backward op (gates in the internal order i, f, o, g, after activation).
  The weights have Keras's layouts and gate order i, f, c, o; the input projection
  `x @ kernel + bias` is computed inside, as one GEMM over every step.
* `GRUSequence(x, kernel, bias, h0, U, rb)` -> `(hs, gates, ih)`: Keras's GRU with
  `reset_after=True` (gate order z, r, h; `bias` the input bias, `rb` the recurrent one).
* `LSTMSequenceGrad` / `GRUSequenceGrad`: the backward passes. Their own gradients (second
  order) are taken by re-expressing the sequence with primitive ops (`lstm_sequence_reference`,
  `gru_sequence_reference`) under nested tapes, so gradients of any order are available; only
  first-order gradients take the fused path.

Activations: `activation` is "tanh" or "relu", `recurrent_activation` "sigmoid"; the layers
fall back to the unrolled primitive ops for anything else.
"""

import functools
import threading

from ..core.dispatch import execute
from ..core.registry import register_op
from . import array_ops, math_ops, nn_ops

ACTIVATIONS = ("tanh", "relu")
RECURRENT_ACTIVATIONS = ("sigmoid",)


# -- elementwise helpers (in place on views) ---------------------------------------------------
def _half_sigmoid_inplace(xp, z):
    """`z` holds x / 2; overwrite it with sigmoid(x) = (1 + tanh(x / 2)) / 2."""
    xp.tanh(z, out=z)
    z *= 0.5
    z += 0.5


def _act_inplace(xp, z, activation):
    if activation == "tanh":
        xp.tanh(z, out=z)
    else:
        xp.maximum(z, 0, out=z)


def _act_derivative_into(xp, y, activation, out):
    """d activation / d x from the activation's output `y` (all steps at once), into `out`."""
    if activation == "tanh":
        xp.multiply(y, y, out=out)
        xp.subtract(1, out, out=out)
    else:
        out[...] = y > 0
    return out


_SCRATCH = threading.local()


def _scratch(xp, tag, shape, dtype):
    """An uninitialised work array for values that never leave a kernel, reused from call to
    call (one per tag, shape and dtype, per thread): a fresh multi-megabyte array costs a page
    fault per 4 KiB on every training step."""
    cache = getattr(_SCRATCH, "arrays", None)
    if cache is None:
        cache = _SCRATCH.arrays = {}
    key = (tag, xp.__name__, tuple(shape), str(dtype))
    buf = cache.get(key)
    if buf is None:
        if len(cache) >= 32:   # shapes change (a last partial batch, another model): start over
            cache.clear()
        buf = cache[key] = xp.empty(tuple(shape), dtype=dtype)
    return buf


def _nonzero_steps(xp, grads):
    """Per time step (axis 2), whether any entry of `grads` is nonzero, as Python bools."""
    return [bool(v) for v in grads.any(axis=(0, 1, 3)).tolist()] if grads.size else []


def _time_major(xp, a):
    """(D, B, T, ...) -> a contiguous (D, T, B, ...) copy."""
    return xp.ascontiguousarray(xp.swapaxes(a, 1, 2))


def _batch_major(xp, a):
    """(D, T, B, ...) -> a contiguous (D, B, T, ...) copy."""
    return xp.ascontiguousarray(xp.swapaxes(a, 1, 2))


def _check(name, activation, recurrent_activation):
    if activation not in ACTIVATIONS or recurrent_activation not in RECURRENT_ACTIVATIONS:
        raise ValueError(f"{name}: activation must be one of {ACTIVATIONS} and "
                         f"recurrent_activation one of {RECURRENT_ACTIVATIONS}; got "
                         f"{activation!r}, {recurrent_activation!r}.")


# -- LSTM ---------------------------------------------------------------------------------------
# The layers' sequences are batch-major (batch, time, ...), but the kernels work time-major
# inside: a step's slice `buf[:, t]` is then one contiguous (batch, k) block per direction,
# which makes the loop's dozen numpy calls per step about 30% faster than on strided
# batch-major views; the transposes at the edges cost a fraction of a millisecond. Outputs
# the layers read (`hs`) are batch-major; those only the backward op reads stay time-major.
# Every kernel works on a leading "direction" axis D: a Bidirectional layer runs its two
# directions as one op (D = 2), so each numpy call of the time loop serves both; a single
# sequence is D = 1 (`_lead` adds the axis, `_unlead` drops it).
def _lead(arrays):
    return [a[None] for a in arrays]


def _unlead(arrays, single):
    return tuple(a[0] for a in arrays) if single else tuple(arrays)


def _t(a):
    """Swaps the last two axes."""
    return a.swapaxes(-1, -2)


@functools.lru_cache(maxsize=64)
def _lstm_perm(xp, n):
    """(perm, inverse): Keras's gate order i, f, c, o -> the internal i, f, o, g (the three
    sigmoid gates contiguous, so one in-place sigmoid covers them). Cached: short sequences
    pay these small setup calls on every step."""
    perm = xp.concatenate([xp.arange(0, 2 * n), xp.arange(3 * n, 4 * n),
                           xp.arange(2 * n, 3 * n)])
    return perm, xp.argsort(perm)


@functools.lru_cache(maxsize=64)
def _half_scale(xp, size, n_sigmoid, dtype):
    """Ones, with 1/2 on the first `n_sigmoid` (sigmoid) columns; read-only."""
    scale = xp.ones((size,), dtype=dtype)
    scale[:n_sigmoid] = 0.5
    return scale


def _lstm_kernel(xp, x, K, b, h0, c0, U, mask=None, activation="tanh",
                 recurrent_activation="sigmoid"):
    _check("LSTMSequence", activation, recurrent_activation)
    single = x.ndim == 3
    if single:
        x, K, b, h0, c0, U = _lead((x, K, b, h0, c0, U))
        mask = None if mask is None else mask[None]
    m = _step_masks(xp, mask, x.dtype)
    D, B, T, F = x.shape
    G = U.shape[-1]
    n = G // 4
    dt = x.dtype
    perm, _ = _lstm_perm(xp, n)
    # The sigmoid columns of the weights are pre-scaled by 1/2 (exact), so each sigmoid is
    # one tanh and two in-place ops. `take` keeps the results C-contiguous.
    scale = _half_scale(xp, G, 3 * n, dt)
    Kp = xp.take(K, perm, axis=-1) * scale
    Up = xp.take(U, perm, axis=-1) * scale
    bp = xp.take(b, perm, axis=-1) * scale
    # the input projection of every step, time-major: (D, T, B, G), then the gates in place
    gates = xp.matmul(_time_major(xp, x).reshape(D, T * B, F), Kp).reshape(D, T, B, G)
    gates += bp[:, None, None, :]
    hs = xp.empty((D, T, B, n), dtype=dt)
    cs = xp.empty((D, T, B, n), dtype=dt)
    acs = xp.empty((D, T, B, n), dtype=dt)
    h, c = h0, c0
    for t in range(T):
        z = gates[:, t]
        z += xp.matmul(h, Up)
        _half_sigmoid_inplace(xp, z[..., :3 * n])
        _act_inplace(xp, z[..., 3 * n:], activation)
        ct = cs[:, t]
        xp.multiply(z[..., n:2 * n], c, out=ct)
        ct += z[..., :n] * z[..., 3 * n:]
        ac = acs[:, t]
        if activation == "tanh":
            xp.tanh(ct, out=ac)
        else:
            xp.maximum(ct, 0, out=ac)
        ht = hs[:, t]
        xp.multiply(z[..., 2 * n:3 * n], ac, out=ht)
        if m is not None:  # a masked step keeps the previous states: s = prev + m * (new - prev)
            for new, prev in ((ct, c), (ht, h)):
                new -= prev
                new *= m[:, t]
                new += prev
        h, c = ht, ct
    # hs batch-major (the layer's output); cs, gates, acs time-major (for the backward op)
    return _unlead((_batch_major(xp, hs), cs, gates, acs), single)


def _lstm_grad_kernel(xp, x, K, b, h0, c0, U, hs, cs, gates, acs, dhs, dcs, mask=None,
                      activation="tanh", recurrent_activation="sigmoid"):
    single = x.ndim == 3
    if single:
        x, K, b, h0, c0, U, hs, cs, gates, acs, dhs, dcs = _lead(
            (x, K, b, h0, c0, U, hs, cs, gates, acs, dhs, dcs))
        mask = None if mask is None else mask[None]
    m = _step_masks(xp, mask, x.dtype)
    D, B, T, n = hs.shape
    F = x.shape[-1]
    G = 4 * n
    dt = hs.dtype
    perm, inv = _lstm_perm(xp, n)
    # Which steps receive output gradients: only the last one when the layer returns its last
    # output, none of the cell states unless they are returned. Adding zeros is skipped.
    dh_steps = _nonzero_steps(xp, dhs)
    dhs = _time_major(xp, dhs) if sum(dh_steps) > 1 else xp.swapaxes(dhs, 1, 2)
    dc_any = bool(dcs.any())
    UpT = xp.ascontiguousarray(_t(xp.take(U, perm, axis=-1)))
    # dZ starts as the gates' derivatives w.r.t. their pre-activations (every step at once);
    # each step multiplies its slice by the incoming gradients.
    dZ = _scratch(xp, "lstm_dZ", gates.shape, dt)
    xp.subtract(1, gates, out=dZ)
    dZ *= gates
    _act_derivative_into(xp, gates[..., 3 * n:], activation, dZ[..., 3 * n:])
    dact = _act_derivative_into(xp, acs, activation, _scratch(xp, "lstm_dact", acs.shape, dt))
    M = xp.empty((D, B, G), dtype=dt)
    dh_rec = xp.zeros((D, B, n), dtype=dt)
    dc_rec = xp.zeros((D, B, n), dtype=dt)
    for t in range(T - 1, -1, -1):
        g = gates[:, t]
        i, f, o, gg = g[..., :n], g[..., n:2 * n], g[..., 2 * n:3 * n], g[..., 3 * n:]
        dh = dhs[:, t] + dh_rec if dh_steps[t] else (dh_rec if m is None else dh_rec.copy())
        dcs_t = dc_rec + dcs[:, t] if dc_any else dc_rec
        if m is not None:  # the masked share of a state's gradient passes straight through
            mt = m[:, t]
            dh_pass, dc_pass = dh - dh * mt, dcs_t - dcs_t * mt
            dh *= mt
            dcs_t *= mt
        dc = dh * o
        dc *= dact[:, t]
        dc += dcs_t
        xp.multiply(dc, gg, out=M[..., :n])
        xp.multiply(dc, cs[:, t - 1] if t else c0, out=M[..., n:2 * n])
        xp.multiply(dh, acs[:, t], out=M[..., 2 * n:3 * n])
        xp.multiply(dc, i, out=M[..., 3 * n:])
        dz = dZ[:, t]
        dz *= M
        dc_rec = dc * f
        dh_rec = xp.matmul(dz, UpT)
        if m is not None:
            dh_rec += dh_pass
            dc_rec += dc_pass
    dZ2 = dZ.reshape(D, T * B, G)
    dx = _batch_major(xp, xp.matmul(dZ2, _t(xp.take(K, perm, axis=-1))).reshape(D, T, B, F))
    db = xp.take(dZ2.sum(axis=1), inv, axis=-1)
    # the kernel and recurrent-kernel gradients as one GEMM: [x, h_prev]^T @ dZ (one GEMM
    # with 2x the rows runs faster than two); time-major rows, as dZ's
    xh = _scratch(xp, "lstm_xh", (D, T, B, F + n), dt)
    xh[..., :F] = xp.swapaxes(x, 1, 2)
    if T:
        xh[:, 0, :, F:] = h0
        xh[:, 1:, :, F:] = xp.swapaxes(hs, 1, 2)[:, :-1]
    dW = xp.take(xp.matmul(_t(xh.reshape(D, T * B, F + n)), dZ2), inv, axis=-1)
    dK, dU = dW[:, :F], dW[:, F:]
    return _unlead((dx, dK, db, dh_rec, dc_rec, dU), single)


def _lstm_grad(e, dhs, dcs, dgates, dacs):
    ins = tuple(e.inputs)
    grads = execute(LSTM_SEQUENCE_GRAD, ins[:6] + tuple(e.outputs) + (dhs, dcs) + ins[6:],
                    e.attrs)
    return tuple(grads) + (None,) * len(ins[6:])


def _lstm_grad_grad(e, *upstream):
    primals, cotangents, mask = e.inputs[:6], e.inputs[10:12], e.inputs[12:]
    grads = _second_order(_lstm_reference_op_layout, primals, cotangents, upstream,
                          dict(e.attrs, mask=mask[0] if mask else None))
    return grads[:6] + (None,) * 4 + grads[6:] + (None,) * len(mask)


LSTM_SEQUENCE = register_op("LSTMSequence", _lstm_kernel, grad=_lstm_grad, num_outputs=4,
                            kinds="f")
LSTM_SEQUENCE_GRAD = register_op("LSTMSequenceGrad", _lstm_grad_kernel, grad=_lstm_grad_grad,
                                 num_outputs=6, kinds="f")


def lstm_sequence(x, kernel, bias, h0, c0, recurrent_kernel, mask=None, activation="tanh",
                  recurrent_activation="sigmoid"):
    """Runs an LSTM over a whole sequence.

    Args:
        x: (batch, time, features) inputs.
        kernel: (features, 4 * units); bias: (4 * units,); recurrent_kernel:
            (units, 4 * units); gates in Keras's order i, f, c, o.
        h0, c0: (batch, units) initial states.
        mask: optional (batch, time) bool or 0 / 1 floats; a masked step keeps the previous
            states (and so repeats the previous output, as Keras does with zero initial
            states).
        activation: "tanh" or "relu"; recurrent_activation: "sigmoid".
        Every argument may carry one more leading axis, the direction: D independent
        LSTMs (a Bidirectional layer's two) run as one op.

    Returns:
        `(hs, cs)`: (batch, time, units) hidden and cell states after each step.
    """
    _check("lstm_sequence", activation, recurrent_activation)
    hs, cs_tm = _lstm_run(x, kernel, bias, h0, c0, recurrent_kernel, mask, activation,
                          recurrent_activation)
    return hs, _swap_time(cs_tm)


def lstm_sequence_final(x, kernel, bias, h0, c0, recurrent_kernel, mask=None,
                        activation="tanh", recurrent_activation="sigmoid"):
    """`lstm_sequence`, returning `(hs, last cell state)`: what the LSTM layer needs, without
    transposing every step's cell state."""
    _check("lstm_sequence", activation, recurrent_activation)
    hs, cs_tm = _lstm_run(x, kernel, bias, h0, c0, recurrent_kernel, mask, activation,
                          recurrent_activation)
    return hs, (cs_tm[-1] if cs_tm.shape.rank == 3 else cs_tm[:, -1])


def _lstm_run(x, kernel, bias, h0, c0, recurrent_kernel, mask, activation,
              recurrent_activation):
    """The op's (batch-major hs, time-major cs)."""
    ins = (x, kernel, bias, h0, c0, recurrent_kernel) + _mask_input(mask, x)
    hs, cs_tm, _, _ = execute(LSTM_SEQUENCE, ins, {
        "activation": activation, "recurrent_activation": recurrent_activation})
    return hs, cs_tm


def _swap_time(t):
    """Time-major <-> batch-major (the two leading axes after the direction axis)."""
    rank = t.shape.rank
    return array_ops.transpose(t, [1, 0, 2] if rank == 3 else [0, 2, 1, 3])


def _lstm_reference_op_layout(*args, **kwargs):
    """`lstm_sequence_reference` with the op's output layouts (cs time-major)."""
    hs, cs = lstm_sequence_reference(*args, **kwargs)
    return hs, _swap_time(cs)


def lstm_sequence_reference(x, K, b, h0, c0, U, mask=None, activation="tanh",
                            recurrent_activation="sigmoid"):
    """`lstm_sequence` written with primitive ops (the unrolled loop): the definition the
    fused kernels are tested against, and the path for second-order gradients."""
    if x.shape.rank == 4:
        return _per_direction(lstm_sequence_reference, (x, K, b, h0, c0, U), mask,
                              activation=activation)
    act = _activation_fn(activation)
    h, c = h0, c0
    hs, cs = [], []
    for t, xt in enumerate(_static_steps(x, "LSTMSequence")):
        z = _matmul(xt, K) + b + _matmul(h, U)
        zi, zf, zc, zo = array_ops.split(z, 4, axis=1)
        c_new = math_ops.sigmoid(zf) * c + math_ops.sigmoid(zi) * act(zc)
        h_new = math_ops.sigmoid(zo) * act(c_new)
        if mask is None:
            h, c = h_new, c_new
        else:
            mt = _mask_step(mask, t, x.dtype)
            h, c = h + mt * (h_new - h), c + mt * (c_new - c)
        hs.append(h)
        cs.append(c)
    return array_ops.stack(hs, axis=1), array_ops.stack(cs, axis=1)


# -- GRU (reset_after=True) -----------------------------------------------------------------------
def _gru_kernel(xp, x, K, b, h0, U, rb, mask=None, activation="tanh",
                recurrent_activation="sigmoid"):
    _check("GRUSequence", activation, recurrent_activation)
    single = x.ndim == 3
    if single:
        x, K, b, h0, U, rb = _lead((x, K, b, h0, U, rb))
        mask = None if mask is None else mask[None]
    m = _step_masks(xp, mask, x.dtype)
    D, B, T, F = x.shape
    G = U.shape[-1]
    n = G // 3
    dt = x.dtype
    scale = _half_scale(xp, G, 2 * n, dt)
    bias = b.copy()
    bias[:, :2 * n] += rb[:, :2 * n]  # the z / r recurrent biases simply add to the input ones
    # gates: [z, r] (pre-scaled by 1/2, then sigmoid in place) and the candidate hh
    gates = xp.matmul(_time_major(xp, x).reshape(D, T * B, F), K * scale).reshape(D, T, B, G)
    gates += (bias * scale)[:, None, None, :]
    Uzr = U[..., :2 * n] * 0.5
    Uh = xp.ascontiguousarray(U[..., 2 * n:])
    rbh = rb[:, None, 2 * n:]
    hs = xp.empty((D, T, B, n), dtype=dt)
    ih = xp.empty((D, T, B, n), dtype=dt)
    h = h0
    for t in range(T):
        g = gates[:, t]
        s = g[..., :2 * n]
        s += xp.matmul(h, Uzr)
        _half_sigmoid_inplace(xp, s)
        it = ih[:, t]
        xp.matmul(h, Uh, out=it)
        it += rbh
        a = g[..., 2 * n:]
        a += s[..., n:] * it
        _act_inplace(xp, a, activation)
        ht = hs[:, t]
        xp.subtract(h, a, out=ht)  # h = z * h_prev + (1 - z) * hh = hh + z * (h_prev - hh)
        ht *= s[..., :n]
        ht += a
        if m is not None:
            ht -= h
            ht *= m[:, t]
            ht += h
        h = ht
    return _unlead((_batch_major(xp, hs), gates, ih), single)


def _gru_grad_kernel(xp, x, K, b, h0, U, rb, hs, gates, ih, dhs, mask=None, activation="tanh",
                     recurrent_activation="sigmoid"):
    single = x.ndim == 3
    if single:
        x, K, b, h0, U, rb, hs, gates, ih, dhs = _lead((x, K, b, h0, U, rb, hs, gates, ih, dhs))
        mask = None if mask is None else mask[None]
    m = _step_masks(xp, mask, x.dtype)
    D, B, T, n = hs.shape
    F = x.shape[-1]
    G = 3 * n
    dt = hs.dtype
    UT = xp.ascontiguousarray(_t(U))
    dh_steps = _nonzero_steps(xp, dhs)
    dhs = _time_major(xp, dhs) if sum(dh_steps) > 1 else xp.swapaxes(dhs, 1, 2)
    hs = _time_major(xp, hs)
    dI = _scratch(xp, "gru_dI", gates.shape, dt)  # d inner (h @ U + rb); starts as the z / r
    xp.subtract(1, gates, out=dI)                  # sigmoid derivatives
    dI *= gates
    dA = _act_derivative_into(xp, gates[..., 2 * n:], activation,  # -> d proj_h
                              _scratch(xp, "gru_dA", hs.shape, dt))
    dh_rec = xp.zeros((D, B, n), dtype=dt)
    for t in range(T - 1, -1, -1):
        g = gates[:, t]
        z, r = g[..., :n], g[..., n:2 * n]
        dh = dhs[:, t] + dh_rec if dh_steps[t] else (dh_rec if m is None else dh_rec.copy())
        hprev = hs[:, t - 1] if t else h0
        if m is not None:  # the masked share passes straight to the previous state
            mt = m[:, t]
            dh_pass = dh - dh * mt
            dh *= mt
        di = dI[:, t]
        a = dA[:, t]
        d = dh * z                              # dh * z flows straight to h_prev
        dh_rec = d
        di[..., :n] *= hprev - g[..., 2 * n:]
        di[..., :n] *= dh                       # d z
        a *= dh - d                             # d of the candidate's pre-activation
        di[..., n:2 * n] *= a * ih[:, t]        # d r
        xp.multiply(a, r, out=di[..., 2 * n:])  # d ih
        dh_rec += xp.matmul(di, UT)
        if m is not None:
            dh_rec += dh_pass
    dI2 = dI.reshape(D, T * B, G)
    hprev = _scratch(xp, "gru_hprev", (D, T, B, n), dt)   # the state each step starts from
    if T:
        hprev[:, 0] = h0
        hprev[:, 1:] = hs[:, :-1]
    dU = xp.matmul(_t(hprev.reshape(D, T * B, n)), dI2)
    drb = dI2.sum(axis=1)
    dI[..., 2 * n:] = dA   # now d proj
    dK = xp.matmul(_t(_time_major(xp, x).reshape(D, T * B, F)), dI2)
    db = dI2.sum(axis=1)
    dx = _batch_major(xp, xp.matmul(dI2, _t(K)).reshape(D, T, B, F))
    return _unlead((dx, dK, db, dh_rec, dU, drb), single)


def _gru_grad(e, dhs, dgates, dih):
    ins = tuple(e.inputs)
    grads = execute(GRU_SEQUENCE_GRAD, ins[:6] + tuple(e.outputs) + (dhs,) + ins[6:], e.attrs)
    return tuple(grads) + (None,) * len(ins[6:])


def _gru_grad_grad(e, *upstream):
    primals, cotangents, mask = e.inputs[:6], e.inputs[9:10], e.inputs[10:]
    grads = _second_order(gru_sequence_reference, primals, cotangents, upstream,
                          dict(e.attrs, mask=mask[0] if mask else None))
    return grads[:6] + (None,) * 3 + grads[6:] + (None,) * len(mask)


GRU_SEQUENCE = register_op("GRUSequence", _gru_kernel, grad=_gru_grad, num_outputs=3,
                           kinds="f")
GRU_SEQUENCE_GRAD = register_op("GRUSequenceGrad", _gru_grad_kernel, grad=_gru_grad_grad,
                                num_outputs=6, kinds="f")


def gru_sequence(x, kernel, bias, h0, recurrent_kernel, recurrent_bias, mask=None,
                 activation="tanh", recurrent_activation="sigmoid"):
    """Runs a GRU (Keras's `reset_after=True` form) over a whole sequence.

    Args:
        x: (batch, time, features) inputs.
        kernel: (features, 3 * units); bias: the input bias (3 * units,);
            recurrent_kernel: (units, 3 * units); recurrent_bias: (3 * units,); gates in
            Keras's order z, r, h.
        h0: (batch, units) initial state.
        mask: optional (batch, time); a masked step keeps the previous state.
        Every argument may carry a leading direction axis, as in `lstm_sequence`.

    Returns:
        hs: (batch, time, units) states after each step.
    """
    _check("gru_sequence", activation, recurrent_activation)
    ins = (x, kernel, bias, h0, recurrent_kernel, recurrent_bias) + _mask_input(mask, x)
    return execute(GRU_SEQUENCE, ins, {"activation": activation,
                                       "recurrent_activation": recurrent_activation})[0]


def gru_sequence_reference(x, K, b, h0, U, rb, mask=None, activation="tanh",
                           recurrent_activation="sigmoid"):
    """`gru_sequence` with primitive ops (see `lstm_sequence_reference`)."""
    if x.shape.rank == 4:
        return _per_direction(gru_sequence_reference, (x, K, b, h0, U, rb), mask,
                              activation=activation)
    act = _activation_fn(activation)
    h = h0
    hs = []
    for t, xt in enumerate(_static_steps(x, "GRUSequence")):
        p = _matmul(xt, K) + b
        inner = _matmul(h, U) + rb
        xz, xr, xh = array_ops.split(p, 3, axis=1)
        iz, ir, ih = array_ops.split(inner, 3, axis=1)
        z = math_ops.sigmoid(xz + iz)
        r = math_ops.sigmoid(xr + ir)
        hh = act(xh + r * ih)
        h_new = z * h + (1.0 - z) * hh
        h = h_new if mask is None else h + _mask_step(mask, t, x.dtype) * (h_new - h)
        hs.append(h)
    return (array_ops.stack(hs, axis=1),)


def _per_direction(reference, args, mask, **attrs):
    """A reference over a leading direction axis: each direction separately, stacked."""
    per = [reference(*[a[d] for a in args], mask=None if mask is None else mask[d], **attrs)
           for d in range(int(args[0].shape[0]))]
    return tuple(array_ops.stack([p[k] for p in per], axis=0) for k in range(len(per[0])))


# -- shared ---------------------------------------------------------------------------------------
def _mask_input(mask, x):
    """The optional mask as the op's last input: 0 / 1 in x's dtype."""
    if mask is None:
        return ()
    from ._common import to_tensor
    mask = to_tensor(mask)
    return (mask if mask.dtype == x.dtype else math_ops.cast(mask, x.dtype),)


def _step_masks(xp, mask, dtype):
    """(D, B, T) 0 / 1 -> time-major (D, T, B, 1) in `dtype`, so `m[:, t]` broadcasts over
    units."""
    if mask is None:
        return None
    return _time_major(xp, xp.asarray(mask, dtype=dtype))[..., None]


def _mask_step(mask, t, dtype):
    mt = array_ops.expand_dims(mask[:, t], -1)
    return mt if mt.dtype == dtype else math_ops.cast(mt, dtype)


def _matmul(a, b):
    from .linalg_ops import matmul
    return matmul(a, b)


def _activation_fn(name):
    return math_ops.tanh if name == "tanh" else nn_ops.relu


def _static_steps(x, name):
    steps = x.shape[1]
    if steps is None:
        raise NotImplementedError(
            f"Second-order gradients of {name} need a static number of time steps; this trace "
            "has an unknown time dimension. Give the model a fixed sequence length.")
    return array_ops.unstack(x, axis=1)


def _second_order(reference, primals, cotangents, upstream, attrs):
    """The gradient of a fused backward op: the first-order gradient of `reference` written
    with primitive ops under one tape, differentiated again under an outer one.

    Returns the gradients w.r.t. `primals + cotangents`."""
    from ..core.tape import GradientTape
    with GradientTape(persistent=True) as outer:
        outer.watch(list(primals) + list(cotangents))
        with GradientTape() as inner:
            inner.watch(list(primals))
            outs = reference(*primals, **attrs)
        first = inner.gradient(list(outs), list(primals), output_gradients=list(cotangents),
                               unconnected_gradients="zero")
    pairs = [(f, u) for f, u in zip(first, upstream) if u is not None]
    grads = outer.gradient([f for f, _ in pairs], list(primals) + list(cotangents),
                           output_gradients=[u for _, u in pairs])
    return tuple(grads)
