"""Fused recurrent sequences: a whole LSTM or GRU (Keras's `reset_after=True` form) over every
time step as one op, with a fused backward op. The Keras `LSTM` / `GRU` layers use them.

Why fused. Unrolled into primitive ops, one LSTM step is about a dozen ops forward and two
dozen backward, each on a small (batch, units) array: a 200-step sequence becomes thousands of
graph nodes, and the time goes to dispatch, not arithmetic. These kernels run the time loop
in NumPy, write every step's results into preallocated buffers with `out=`, and do whatever
does not depend on the recursion for many steps at once: the weight gradients are GEMMs over
all steps, and the gate derivatives are computed a chunk of steps at a time.

Primitives (the layers' sequences are batch-major):

* `LSTMSequence(x, kernel, bias, h0, c0, U)` -> `(hs, cs, gates, act_c, xh)`: `hs` (batch,
  time, units) are the hidden states after each step, `cs` the cell states as (time, units,
  batch); `gates` (time, 4 * units, batch, after activation, internal order g, i, f, o),
  `act_c` and `xh` (each step's [x, 1, h_prev] row) are saved for the backward op. The weights
  have Keras's layouts and gate order i, f, c, o; each step's pre-activations are one GEMM of
  the stacked [kernel; bias; recurrent kernel] with that step's `xh` rows. Why the transposed
  (units, batch) layout: see the comment above `_lstm_kernel`. With the attr
  `return_sequences=False`, `hs` is only the last step's (batch, units) output.
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
    key = (tag, xp, shape, dtype)
    buf = cache.get(key)
    if buf is None:
        if len(cache) >= 32:   # shapes change (a last partial batch, another model): start over
            cache.clear()
        buf = cache[key] = xp.empty(tuple(shape), dtype=dtype)
    return buf


def _nonzero_steps(xp, grads):
    """Per time step (axis 2 of (D, B, T, n)), whether any entry of `grads` is nonzero, as
    Python bools. (Reducing the contiguous (D * B, T * n) view first is about 4x faster than
    `any(axis=(0, 1, 3))`.)"""
    if not grads.size:
        return []
    D, B, T, n = grads.shape
    cols = grads.reshape(D * B, T * n).any(axis=0)
    return [bool(v) for v in cols.reshape(T, n).any(axis=1).tolist()]


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
# inside: a step's slice `buf[:, t]` is then one contiguous block per direction, which makes
# the loop's numpy calls per step faster than on strided batch-major views. The GRU keeps each
# step as (batch, 3 * units) rows. The LSTM goes further and computes each step transposed,
# (4 * units, batch): its gate blocks are then contiguous (units, batch) arrays, where the
# column blocks of a (batch, 4 * units) row are strided views on which numpy's elementwise
# calls ran 2-3x slower; the Emb + BiLSTM training step went from about 57 to 49 ms with this
# layout, the stacked per-step GEMM and the chunked backward pass. Outputs the layers read
# (`hs`) are batch-major; those only the backward op reads keep the kernels' layouts.
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
    """(perm, inverse): Keras's gate order i, f, c, o -> the internal g, i, f, o (c is called
    g inside). The three sigmoid gates are contiguous, so one in-place sigmoid covers them;
    the three gates whose gradient is the cell's gradient times a saved factor (g, i, f)
    are contiguous too, so the backward loop scales them with one call. Cached: short
    sequences pay these small setup calls on every step."""
    perm = xp.concatenate([xp.arange(2 * n, 3 * n), xp.arange(0, 2 * n),
                           xp.arange(3 * n, 4 * n)])
    return perm, xp.argsort(perm)


@functools.lru_cache(maxsize=64)
def _half_scale(xp, size, start, stop, dtype):
    """Ones, with 1/2 on the (sigmoid) columns start:stop; read-only."""
    scale = xp.ones((size,), dtype=dtype)
    scale[start:stop] = 0.5
    return scale


def _lstm_kernel(xp, x, K, b, h0, c0, U, mask=None, activation="tanh",
                 recurrent_activation="sigmoid", return_sequences=True):
    _check("LSTMSequence", activation, recurrent_activation)
    single = x.ndim == 3
    if single:
        x, K, b, h0, c0, U = _lead((x, K, b, h0, c0, U))
        mask = None if mask is None else mask[None]
    m = _step_masks(xp, mask, x.dtype, units_last=False)
    D, B, T, F = x.shape
    G = U.shape[-1]
    n = G // 4
    W = F + 1 + n
    dt = x.dtype
    perm, _ = _lstm_perm(xp, n)
    # xh (D, T + 1, B, F + 1 + n): row t holds [x_t, 1, h_{t-1}] (row T: h_{T-1}), so a
    # step's pre-activations, input projection, bias and recurrent term together, are one
    # GEMM with the stacked weights [kernel; bias; recurrent kernel], and the backward op gets
    # all three weight gradients from one GEMM over its rows. The sigmoid columns of the
    # weights are pre-scaled by 1/2 (exact), so each sigmoid is one tanh and two in-place ops.
    scale = _half_scale(xp, G, n, G, dt)
    WT = xp.ascontiguousarray(_t(xp.concatenate(
        [xp.take(K, perm, axis=-1), xp.take(b, perm, axis=-1)[:, None],
         xp.take(U, perm, axis=-1)], axis=1) * scale))                    # (D, G, W)
    xh = xp.empty((D, T + 1, B, W), dtype=dt)
    xh[:, :T, :, :F] = xp.swapaxes(x, 1, 2)
    xh[:, :T, :, F] = 1
    xh[:, T, :, :F + 1] = 0
    xh[:, 0, :, F + 1:] = h0
    # Each step's gates are computed transposed, (G, batch) per direction, so a gate block is
    # one contiguous (units, batch) array (numpy is 2-3x slower on the strided column blocks
    # of a (batch, G) row layout); saved for the backward op as (D, T, G, B).
    gates = xp.empty((D, T, G, B), dtype=dt)
    cs = xp.empty((D, T, n, B), dtype=dt)
    acs = xp.empty((D, T, n, B), dtype=dt)
    tmp = xp.empty((D, n, B), dtype=dt)
    h = xp.empty((D, n, B), dtype=dt)
    tanh = activation == "tanh"
    c = _t(c0)
    for t in range(T):
        z = gates[:, t]
        xp.matmul(WT, _t(xh[:, t]), out=z)
        if tanh:   # g = tanh, and the sigmoids' tanh, in one call
            xp.tanh(z, out=z)
            s = z[:, n:]
            s *= 0.5
            s += 0.5
        else:
            _half_sigmoid_inplace(xp, z[:, n:])
            xp.maximum(z[:, :n], 0, out=z[:, :n])
        ct = cs[:, t]
        xp.multiply(z[:, 2 * n:3 * n], c, out=ct)
        xp.multiply(z[:, n:2 * n], z[:, :n], out=tmp)
        ct += tmp
        ac = acs[:, t]
        if tanh:
            xp.tanh(ct, out=ac)
        else:
            xp.maximum(ct, 0, out=ac)
        xp.multiply(z[:, 3 * n:], ac, out=h)
        if m is not None:  # a masked step keeps the previous states: s = prev + m * (new - prev)
            for new, prev in ((ct, c), (h, _t(xh[:, t, :, F + 1:]))):
                new -= prev
                new *= m[:, t]
                new += prev
        xh[:, t + 1, :, F + 1:] = _t(h)
        c = ct
    # hs batch-major (the layer's output; only the last step's with return_sequences=False);
    # the rest only the backward op reads
    if return_sequences:
        hs = xp.ascontiguousarray(xp.swapaxes(xh[:, 1:, :, F + 1:], 1, 2))
    else:
        hs = xh[:, T, :, F + 1:].copy()
    return _unlead((hs, cs, gates, acs, xh), single)


# The LSTM backward pass runs in chunks of steps of about this many bytes of gates, so that a
# chunk's work arrays stay in a core's L2 cache between the passes over them (measured on the
# Emb + BiLSTM benchmark: 256 KiB - 1 MiB chunks are equally fast, the whole sequence at once
# about 10% slower). Tests shrink it to force chunk boundaries.
_CHUNK_BYTES = 512 * 1024


def _chunk_steps(D, G, B, itemsize):
    """Steps per chunk of the LSTM backward pass."""
    return max(1, _CHUNK_BYTES // max(1, D * G * B * itemsize))


def _lstm_grad_kernel(xp, x, K, b, h0, c0, U, hs, cs, gates, acs, xh, dhs, dcs, mask=None,
                      activation="tanh", recurrent_activation="sigmoid",
                      return_sequences=True):
    single = x.ndim == 3
    if single:
        x, K, b, h0, c0, U, hs, cs, gates, acs, xh, dhs, dcs = _lead(
            (x, K, b, h0, c0, U, hs, cs, gates, acs, xh, dhs, dcs))
        mask = None if mask is None else mask[None]
    m = _step_masks(xp, mask, x.dtype, units_last=False)
    D, T, G, B = gates.shape
    n = G // 4
    F = x.shape[-1]
    W = F + 1 + n
    dt = gates.dtype
    perm, inv = _lstm_perm(xp, n)
    # Which steps receive output gradients: only the last one when the layer returns its last
    # output, none of the cell states unless they are returned. Adding zeros is skipped.
    if return_sequences:
        dh_steps = _nonzero_steps(xp, dhs)
        dhs = dhs.transpose(0, 2, 3, 1)
        if sum(dh_steps) > 1:
            dhs = xp.ascontiguousarray(dhs)
    else:   # dhs is the last output's (D, B, n) gradient
        dh_steps = [False] * (T - 1) + [True] if T else []
        dh_last = _t(dhs)
    dc_any = bool(dcs.any())
    Up = xp.take(U, perm, axis=-1)                    # (D, n, G)
    KpT = _t(xp.take(K, perm, axis=-1))[:, None]      # (D, 1, G, F)
    g5 = gates.reshape(D, T, 4, n, B)
    dx = xp.empty((D, T, B, F), dtype=dt)
    dW = xp.zeros((D, W, G), dtype=dt)
    # with no steps, the last output is h0 itself
    dh_rec = dh_last.copy() if not (T or return_sequences) else xp.zeros((D, n, B), dtype=dt)
    dc_rec = xp.zeros((D, n, B), dtype=dt)
    # Backwards through time in chunks of a few steps. Per chunk: everything that does not
    # depend on the recursion, for the chunk's steps at once. With dc the gradient of a
    # step's cell state and dh that of its output, the gates' pre-activation gradients are
    # dz = [dc, dc, dc, dh] * R, with R (internal order g, i, f, o):
    #   g: act'(g) * i,  i: i (1 - i) * g,  f: f (1 - f) * c_prev,  o: o (1 - o) * act(c);
    # and dc = dh * A + (the gradient from the next step), with A = o * act'(c). Then the
    # chunk's input gradient and its share of the weight gradients, while its dz are in
    # cache.
    tc = _chunk_steps(D, G, B, dt.itemsize)
    for t1 in range(T, 0, -tc):
        t0 = max(0, t1 - tc)
        k = t1 - t0
        gc = g5[:, t0:t1]
        R = _scratch(xp, "lstm_R", (D, k, G, B), dt)
        R5 = R.reshape(D, k, 4, n, B)
        sig, rsig = gc[:, :, 1:], R5[:, :, 1:]
        xp.subtract(1, sig, out=rsig)
        rsig *= sig
        R5[:, :, 1] *= gc[:, :, 0]
        if t0 == 0:
            R5[:, 0, 2] *= _t(c0)
            R5[:, 1:, 2] *= cs[:, :t1 - 1]
        else:
            R5[:, :, 2] *= cs[:, t0 - 1:t1 - 1]
        R5[:, :, 3] *= acs[:, t0:t1]
        _act_derivative_into(xp, gc[:, :, 0], activation, R5[:, :, 0])
        R5[:, :, 0] *= gc[:, :, 1]
        A = _act_derivative_into(xp, acs[:, t0:t1], activation,
                                 _scratch(xp, "lstm_A", (D, k, n, B), dt))
        A *= gc[:, :, 3]
        for j in range(k - 1, -1, -1):
            t = t0 + j
            if dh_steps[t]:
                dh = (dhs[:, t] if return_sequences else dh_last) + dh_rec
            else:
                dh = dh_rec if m is None else dh_rec.copy()
            dcs_t = dc_rec + dcs[:, t] if dc_any else dc_rec
            if m is not None:  # the masked share of a state's gradient passes straight through
                mt = m[:, t]
                dh_pass, dc_pass = dh - dh * mt, dcs_t - dcs_t * mt
                dh *= mt
                dcs_t *= mt
            dc = dh * A[:, j]
            dc += dcs_t
            r = R5[:, j]
            r[:, :3] *= dc[:, None]
            r[:, 3] *= dh
            dc_rec = dc * gc[:, j, 2]
            dh_rec = xp.matmul(Up, R[:, j])
            if m is not None:
                dh_rec += dh_pass
                dc_rec += dc_pass
        # the input gradient (batched over the steps), and the kernel, bias and
        # recurrent-kernel gradients as one GEMM: [x, 1, h_prev]^T @ dz (dz in row layout)
        Rt = _t(R)
        xp.matmul(Rt, KpT, out=dx[:, t0:t1])
        dZ = _scratch(xp, "lstm_dZ", (D, k, B, G), dt)
        dZ[...] = Rt
        dW += xp.matmul(_t(xh[:, t0:t1].reshape(D, k * B, W)), dZ.reshape(D, k * B, G))
    dW = xp.take(dW, inv, axis=-1)
    dK, db, dU = dW[:, :F], dW[:, F], dW[:, F + 1:]
    return _unlead((_batch_major(xp, dx), dK, db, xp.ascontiguousarray(_t(dh_rec)),
                    xp.ascontiguousarray(_t(dc_rec)), dU), single)


def _lstm_grad(e, dhs, dcs, dgates, dacs, dxh):
    ins = tuple(e.inputs)
    grads = execute(LSTM_SEQUENCE_GRAD, ins[:6] + tuple(e.outputs) + (dhs, dcs) + ins[6:],
                    e.attrs)
    return tuple(grads) + (None,) * len(ins[6:])


def _lstm_grad_grad(e, *upstream):
    primals, cotangents, mask = e.inputs[:6], e.inputs[11:13], e.inputs[13:]
    grads = _second_order(_lstm_reference_op_layout, primals, cotangents, upstream,
                          dict(e.attrs, mask=mask[0] if mask else None))
    return grads[:6] + (None,) * 5 + grads[6:] + (None,) * len(mask)


LSTM_SEQUENCE = register_op("LSTMSequence", _lstm_kernel, grad=_lstm_grad, num_outputs=5,
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
    hs, cs = _lstm_run(x, kernel, bias, h0, c0, recurrent_kernel, mask, activation,
                       recurrent_activation)
    return hs, _cs_batch_major(cs)


def lstm_sequence_final(x, kernel, bias, h0, c0, recurrent_kernel, mask=None,
                        activation="tanh", recurrent_activation="sigmoid",
                        return_sequences=True):
    """`lstm_sequence`, returning `(hs, last cell state)`: what the LSTM layer needs, without
    transposing every step's cell state. With `return_sequences=False`, `hs` is only the last
    step's (batch, units) output: the op then neither copies every step's output out nor
    takes a mostly-zero gradient for them."""
    _check("lstm_sequence", activation, recurrent_activation)
    hs, cs = _lstm_run(x, kernel, bias, h0, c0, recurrent_kernel, mask, activation,
                       recurrent_activation, return_sequences)
    last = cs[-1] if cs.shape.rank == 3 else cs[:, -1]
    return hs, array_ops.transpose(last, [1, 0] if cs.shape.rank == 3 else [0, 2, 1])


def _lstm_run(x, kernel, bias, h0, c0, recurrent_kernel, mask, activation,
              recurrent_activation, return_sequences=True):
    """The op's (batch-major hs, cs as (time, units, batch))."""
    ins = (x, kernel, bias, h0, c0, recurrent_kernel) + _mask_input(mask, x)
    attrs = {"activation": activation, "recurrent_activation": recurrent_activation}
    if not return_sequences:
        attrs["return_sequences"] = False
    hs, cs, _, _, _ = execute(LSTM_SEQUENCE, ins, attrs)
    return hs, cs


def _cs_batch_major(cs):
    """The op's cell states (time, units, batch) -> (batch, time, units) (after the direction
    axis, if any)."""
    return array_ops.transpose(cs, [2, 0, 1] if cs.shape.rank == 3 else [0, 3, 1, 2])


def _lstm_reference_op_layout(*args, return_sequences=True, **kwargs):
    """`lstm_sequence_reference` with the op's output layouts (cs (time, units, batch); hs
    only the last step's without `return_sequences`)."""
    hs, cs = lstm_sequence_reference(*args, **kwargs)
    if not return_sequences:
        hs = hs[:, -1] if hs.shape.rank == 3 else hs[:, :, -1]
    return hs, array_ops.transpose(cs, [1, 2, 0] if cs.shape.rank == 3 else [0, 2, 3, 1])


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
    scale = _half_scale(xp, G, 0, 2 * n, dt)
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


def _step_masks(xp, mask, dtype, units_last=True):
    """(D, B, T) 0 / 1 -> time-major (D, T, B, 1) in `dtype`, so `m[:, t]` broadcasts over
    units; with `units_last=False`, (D, T, 1, B) for the LSTM's transposed (units, batch)
    steps."""
    if mask is None:
        return None
    m = _time_major(xp, xp.asarray(mask, dtype=dtype))
    return m[..., None] if units_last else m[..., None, :]


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
