"""Recurrent layers (SimpleRNN / LSTM / GRU, their cells, RNN, StackedRNNCells), Bidirectional,
TimeDistributed, Embedding and Masking.

Values are checked against NumPy reference cells written here, and against numbers computed
once with tf.keras 2.21 (hard-coded below; these tests do not import TensorFlow)."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers as L

RNG = np.random.default_rng(42)


def _x(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _relu(z):
    return np.maximum(z, 0.0)


# ---------------------------------------------------------------------------------------------
# NumPy reference cells (Keras gate order and weight layouts)
# ---------------------------------------------------------------------------------------------
def np_simple_rnn(x, w, act=np.tanh, h=None):
    k, u, b = w
    h = np.zeros((x.shape[0], u.shape[0])) if h is None else h
    outs = []
    for t in range(x.shape[1]):
        h = act(x[:, t] @ k + h @ u + b)
        outs.append(h)
    return np.stack(outs, 1), [h]


def np_lstm(x, w, act=np.tanh, h=None, c=None, mask=None):
    k, u, b = w
    n = u.shape[0]
    h = np.zeros((x.shape[0], n)) if h is None else h
    c = np.zeros((x.shape[0], n)) if c is None else c
    out_prev = np.zeros_like(h)
    outs = []
    for t in range(x.shape[1]):
        z = x[:, t] @ k + h @ u + b
        i, f, g, o = (z[:, j * n:(j + 1) * n] for j in range(4))
        c_new = _sigmoid(f) * c + _sigmoid(i) * act(g)
        h_new = _sigmoid(o) * act(c_new)
        if mask is not None:
            m = mask[:, t:t + 1]
            h_new = np.where(m, h_new, h)
            c_new = np.where(m, c_new, c)
            out = np.where(m, h_new, out_prev)
        else:
            out = h_new
        h, c, out_prev = h_new, c_new, out
        outs.append(out)
    return np.stack(outs, 1), [h, c]


def np_gru(x, w, reset_after=True, act=np.tanh, h=None):
    k, u, b = w
    n = u.shape[0]
    h = np.zeros((x.shape[0], n)) if h is None else h
    b_in, b_rec = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))
    outs = []
    for t in range(x.shape[1]):
        xp = x[:, t] @ k + b_in
        xz, xr, xh = xp[:, :n], xp[:, n:2 * n], xp[:, 2 * n:]
        if reset_after:
            inner = h @ u + b_rec
            z = _sigmoid(xz + inner[:, :n])
            r = _sigmoid(xr + inner[:, n:2 * n])
            hh = act(xh + r * inner[:, 2 * n:])
        else:
            z = _sigmoid(xz + h @ u[:, :n])
            r = _sigmoid(xr + h @ u[:, n:2 * n])
            hh = act(xh + (r * h) @ u[:, 2 * n:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return np.stack(outs, 1), [h]


def _set(layer, x_shape, weights):
    layer.build(x_shape)
    layer.set_weights(weights)
    return layer


def _w(shapes, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal(s) * scale).astype("float32") for s in shapes]


# ---------------------------------------------------------------------------------------------
# values against NumPy
# ---------------------------------------------------------------------------------------------
def test_simple_rnn_values_sequences_and_state():
    x = _x(3, 5, 4)
    w = _w([(4, 6), (6, 6), (6,)])
    layer = _set(L.SimpleRNN(6, return_sequences=True, return_state=True), x.shape, w)
    seq, state = layer(x)
    ref_seq, ref_states = np_simple_rnn(x, w)
    np.testing.assert_allclose(seq.numpy(), ref_seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.numpy(), ref_states[0], rtol=1e-5, atol=1e-6)
    assert [v.name for v in layer.weights] == [
        "simple_rnn/simple_rnn_cell/kernel:0", "simple_rnn/simple_rnn_cell/recurrent_kernel:0",
        "simple_rnn/simple_rnn_cell/bias:0"]


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_lstm_values(activation):
    x = _x(3, 5, 4)
    w = _w([(4, 12), (3, 12), (12,)], seed=1)
    act = np.tanh if activation == "tanh" else _relu
    layer = _set(L.LSTM(3, activation=activation, return_sequences=True, return_state=True),
                 x.shape, w)
    seq, h, c = layer(x)
    ref_seq, (rh, rc) = np_lstm(x, w, act=act)
    np.testing.assert_allclose(seq.numpy(), ref_seq, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), rh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), rc, rtol=1e-5, atol=1e-6)
    # last output only
    last = _set(L.LSTM(3, activation=activation), x.shape, w)(x)
    assert last.shape == (3, 3)
    np.testing.assert_allclose(last.numpy(), ref_seq[:, -1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_values(reset_after):
    x = _x(2, 6, 3)
    bias_shape = (2, 12) if reset_after else (12,)
    w = _w([(3, 12), (4, 12), bias_shape], seed=2)
    layer = _set(L.GRU(4, reset_after=reset_after, return_sequences=True), x.shape, w)
    ref, _ = np_gru(x, w, reset_after=reset_after)
    np.testing.assert_allclose(layer(x).numpy(), ref, rtol=1e-5, atol=1e-6)
    assert layer.cell.bias.shape == bias_shape


def test_go_backwards_and_initial_state():
    x = _x(2, 5, 3)
    w = _w([(3, 8), (2, 8), (8,)], seed=3)
    layer = _set(L.LSTM(2, go_backwards=True, return_sequences=True), x.shape, w)
    ref, _ = np_lstm(x[:, ::-1], w)
    # the returned sequence is in processing (reversed) order, as in Keras
    np.testing.assert_allclose(layer(x).numpy(), ref, rtol=1e-5, atol=1e-6)
    h0, c0 = _x(2, 2), _x(2, 2)
    layer2 = _set(L.LSTM(2, return_state=True), x.shape, w)
    out, h, c = layer2(x, initial_state=[h0, c0])
    ref2, (rh, rc) = np_lstm(x, w, h=h0, c=c0)
    np.testing.assert_allclose(out.numpy(), ref2[:, -1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), rh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), rc, rtol=1e-5, atol=1e-6)
    # [inputs, *initial_states] as one list works too
    out2 = layer2([x, h0, c0])[0]
    np.testing.assert_allclose(out2.numpy(), out.numpy())


def test_cells_step_by_step():
    x = _x(3, 4)
    seq = x[:, None]
    cases = [(L.SimpleRNNCell(5), 1, lambda w: np_simple_rnn(seq, w)[0]),
             (L.LSTMCell(5), 2, lambda w: np_lstm(seq, w)[0]),
             (L.GRUCell(5), 1, lambda w: np_gru(seq, w)[0]),
             (L.GRUCell(5, reset_after=False), 1, lambda w: np_gru(seq, w, False)[0])]
    for cell, nstates, ref in cases:
        states = [tf.zeros((3, 5))] * nstates
        out, new = cell(x, states)
        assert out.shape == (3, 5) and len(new) == nstates
        np.testing.assert_allclose(out.numpy(), ref(cell.get_weights())[:, 0], rtol=1e-5,
                                   atol=1e-6)
    assert L.LSTMCell(3).state_size == [3, 3] and L.GRUCell(3).state_size == 3


def test_lstm_unit_forget_bias_and_initializers():
    layer = L.LSTM(3)
    layer.build((None, 4, 2))
    np.testing.assert_array_equal(layer.cell.bias.numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    u = layer.cell.recurrent_kernel.numpy()  # orthogonal (3, 12): orthonormal rows
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)
    layer2 = L.LSTM(3, unit_forget_bias=False, use_bias=False)
    layer2.build((None, 4, 2))
    assert len(layer2.weights) == 2


# ---------------------------------------------------------------------------------------------
# against numbers computed with tf.keras 2.21 (the same weights set in both)
# ---------------------------------------------------------------------------------------------
KERAS_X = np.random.default_rng(7).standard_normal((2, 4, 3)).astype("float32")
KERAS_MASK = np.array([[True, True, False, True], [True, False, False, False]])
KERAS_CASES = {
    # name: (layer, weight shapes, last output, last output with KERAS_MASK)
    "lstm": (lambda: L.LSTM(2, return_sequences=True), [(3, 8), (2, 8), (8,)],
             [[0.192891, -0.198131], [0.324364, -0.071164]],
             [[0.164995, -0.086424], [0.058131, 0.0326]]),
    "gru": (lambda: L.GRU(2, return_sequences=True), [(3, 6), (2, 6), (2, 6)],
            [[0.35485, 0.388016], [0.029354, 0.426338]],
            [[0.347165, 0.30597], [-0.005109, 0.200583]]),
    "gru_reset_before": (lambda: L.GRU(2, reset_after=False, return_sequences=True),
                         [(3, 6), (2, 6), (6,)],
                         [[0.252902, 0.289078], [-0.08349, 0.480669]],
                         [[0.239986, 0.283044], [-0.031704, 0.246093]]),
    "simple_rnn": (lambda: L.SimpleRNN(2, return_sequences=True), [(3, 2), (2, 2), (2,)],
                   [[-0.900915, 0.843801], [0.11173, 0.972044]],
                   [[-0.110101, 0.923197], [0.032559, -0.04369]]),
}


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_matches_keras_numbers(name):
    make, shapes, last, last_masked = KERAS_CASES[name]
    rng = np.random.default_rng(3)
    weights = [(rng.standard_normal(s) * 0.5).astype("float32") for s in shapes]
    layer = _set(make(), KERAS_X.shape, weights)
    np.testing.assert_allclose(layer(KERAS_X).numpy()[:, -1], last, atol=2e-6)
    masked = layer(KERAS_X, mask=KERAS_MASK).numpy()
    np.testing.assert_allclose(masked[:, -1], last_masked, atol=2e-6)
    # sample 1 has only its first step unmasked: every output repeats it
    np.testing.assert_allclose(masked[1], np.repeat(masked[1, :1], 4, axis=0), atol=1e-7)


# Parameter counts verified with tf.keras 2.21 and Keras 3.15
@pytest.mark.parametrize("make,shape,count", [
    (lambda: L.LSTM(50, activation="relu"), (10, 1), 10400),
    (lambda: L.GRU(100, activation="relu"), (50, 1), 30900),      # reset_after=True
    (lambda: L.GRU(100, reset_after=False), (50, 1), 30600),
    (lambda: L.SimpleRNN(8), (5, 3), 96),
    (lambda: L.LSTM(64), (100, 128), 49408),
    (lambda: L.Bidirectional(L.LSTM(64)), (200, 64), 66048),
    (lambda: L.Embedding(10000, 128), (100,), 1280000),
    (lambda: L.GRU(7, use_bias=False), (5, 3), 210),
    (lambda: L.TimeDistributed(L.Dense(8)), (10, 16), 136),
])
def test_param_counts_equal_keras(make, shape, count):
    inp = keras.Input(shape)
    model = keras.Model(inp, make()(inp))
    assert model.count_params() == count


def test_tutorial_models_param_counts():
    m = keras.Sequential([L.LSTM(50, activation="relu", input_shape=(10, 1)), L.Dense(1)])
    assert m.count_params() == 10451
    m = keras.Sequential([L.Embedding(input_dim=10000, output_dim=64, input_length=200),
                          L.Bidirectional(L.LSTM(64)), L.Dense(1, activation="sigmoid")])
    m.build()
    assert m.count_params() == 640000 + 66048 + 129
    m = keras.Sequential([L.LSTM(128, return_sequences=True, input_shape=(30, 1)), L.LSTM(64),
                          L.Dense(1)])
    assert m.output_shape == (None, 1)
    assert m.layers[0].output_shape == (None, 30, 128)


# ---------------------------------------------------------------------------------------------
# masking
# ---------------------------------------------------------------------------------------------
def test_masked_steps_keep_state_and_output():
    x = _x(3, 6, 2)
    mask = np.array([[1, 1, 1, 1, 1, 1], [1, 1, 0, 1, 0, 0], [0, 1, 1, 0, 1, 1]], bool)
    w = _w([(2, 12), (3, 12), (12,)], seed=4)
    layer = _set(L.LSTM(3, return_sequences=True, return_state=True), x.shape, w)
    seq, h, c = layer(x, mask=mask)
    ref, (rh, rc) = np_lstm(x, w, mask=mask)
    np.testing.assert_allclose(seq.numpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.numpy(), rh, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.numpy(), rc, rtol=1e-5, atol=1e-6)
    # a sample with trailing padding ends where its unpadded prefix ends
    short = _set(L.LSTM(3), x.shape, w)(x[1:2, :2]).numpy()
    np.testing.assert_allclose(seq.numpy()[1, 2], short[0], rtol=1e-5, atol=1e-6)
    # zero_output_for_mask: masked steps output zeros, states still carry
    z = _set(L.LSTM(3, return_sequences=True, zero_output_for_mask=True), x.shape, w)
    zs = z(x, mask=mask).numpy()
    assert np.all(zs[~mask] == 0)
    np.testing.assert_allclose(zs[mask], ref[mask], rtol=1e-5, atol=1e-6)


def test_embedding_mask_zero_propagates_to_rnn():
    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 3, 4, 5]])
    model = keras.Sequential([L.Embedding(10, 4, mask_zero=True), L.GRU(3)])
    y = model(ids).numpy()
    emb, gru = model.layers
    np.testing.assert_allclose(y[0], gru(emb(ids[:1, :3])).numpy()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(emb.compute_mask(tf.constant(ids)).numpy(), ids != 0)
    # Functional: through Bidirectional(return_sequences) into another RNN
    inp = keras.Input((5,), dtype="int32")
    e = L.Embedding(10, 4, mask_zero=True)
    bi = L.Bidirectional(L.LSTM(2, return_sequences=True))
    top = L.SimpleRNN(2)
    fm = keras.Model(inp, top(bi(e(inp))))
    out = fm(ids).numpy()
    ref = top(bi(e(ids[:1, :3]))).numpy()
    np.testing.assert_allclose(out[0], ref[0], rtol=1e-5, atol=1e-6)
    assert bi.compute_mask(None, tf.constant(ids != 0)).shape == (2, 5)
    assert top.compute_mask(None, tf.constant(ids != 0)) is None


def test_masking_layer():
    x = _x(2, 5, 3)
    x[0, 3:] = 0.0
    masking = L.Masking(0.0)
    np.testing.assert_array_equal(masking.compute_mask(tf.constant(x)).numpy(),
                                  [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    x2 = x.copy()
    x2[1, 1, :] = -1.0
    y = L.Masking(-1.0)(x2).numpy()
    assert np.all(y[1, 1] == 0) and np.array_equal(y[0], x2[0])
    model = keras.Sequential([L.Masking(input_shape=(5, 3)), L.SimpleRNN(4)])
    out = model(x).numpy()
    np.testing.assert_allclose(out[0], model.layers[1](x[:1, :3]).numpy()[0], rtol=1e-5,
                               atol=1e-6)


def test_embedding_values_and_errors():
    emb = L.Embedding(6, 2)
    emb.build(None)
    table = _x(6, 2)
    emb.set_weights([table])
    ids = np.array([[0, 5, 2], [1, 1, 3]])
    np.testing.assert_array_equal(emb(ids).numpy(), table[ids])
    np.testing.assert_array_equal(emb(ids.astype("float32")).numpy(), table[ids])
    assert emb.compute_mask(ids) is None
    assert emb.embeddings.name == "embedding/embeddings:0" or \
        emb.embeddings.name.endswith("/embeddings:0")
    w = emb.embeddings.numpy()
    assert np.all(np.abs(L.Embedding(50, 4)(ids).numpy()) <= 0.05 + 1e-7) and w.shape == (6, 2)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(emb(ids))
    g = tape.gradient(loss, emb.embeddings)
    np.testing.assert_array_equal(tf.convert_to_tensor(g).numpy()[:, 0],
                                  [1, 2, 1, 1, 0, 1])
    with pytest.raises(ValueError):
        L.Embedding(0, 3)


# ---------------------------------------------------------------------------------------------
# stateful
# ---------------------------------------------------------------------------------------------
def test_stateful_continues_and_resets():
    x = _x(2, 6, 3)
    full = L.GRU(4, return_sequences=True)
    y_full = full(x).numpy()
    st = L.GRU(4, stateful=True, return_sequences=True, batch_input_shape=(2, 3, 3))
    st.build((2, 3, 3))
    st.set_weights(full.get_weights())
    assert len(st.weights) == 3 and len(st.states) == 1  # states are not weights
    a = st(x[:, :3]).numpy()
    b = st(x[:, 3:]).numpy()
    np.testing.assert_allclose(np.concatenate([a, b], 1), y_full, rtol=1e-5, atol=1e-6)
    st.reset_states()
    np.testing.assert_array_equal(st.states[0].numpy(), np.zeros((2, 4)))
    np.testing.assert_allclose(st(x[:, :3]).numpy(), a, rtol=1e-6)
    # inside tf.function the state variables are read and assigned by the graph
    st.reset_states()
    f = tf.function(lambda t: st(t))
    a2, b2 = f(x[:, :3]).numpy(), f(x[:, 3:]).numpy()
    np.testing.assert_allclose(np.concatenate([a2, b2], 1), y_full, rtol=1e-5, atol=1e-6)
    assert f.experimental_get_tracing_count() == 1
    h = _x(2, 4)
    st.reset_states([h])
    np.testing.assert_array_equal(st.states[0].numpy(), h)
    with pytest.raises(ValueError, match="batch"):
        st(x[:1, :3])
    with pytest.raises(AttributeError, match="stateful"):
        L.LSTM(2).reset_states()


def test_stateful_in_sequential_with_batch_size():
    model = keras.Sequential([L.LSTM(3, stateful=True, batch_input_shape=(4, 2, 1)),
                              L.Dense(1)])
    x = _x(4, 2, 1)
    y1 = model(x).numpy()
    y2 = model(x).numpy()
    assert not np.allclose(y1, y2)
    model.layers[0].reset_states()
    np.testing.assert_allclose(model(x).numpy(), y1, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# RNN wrapper, custom and stacked cells
# ---------------------------------------------------------------------------------------------
class MinimalRNNCell(L.Layer):
    """The custom cell of the Keras RNN guide."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="uniform",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        h = tf.matmul(inputs, self.kernel)
        output = h + tf.matmul(prev_output, self.recurrent_kernel)
        return output, [output]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_rnn_with_custom_cell():
    x = _x(2, 5, 3)
    layer = L.RNN(MinimalRNNCell(4), return_sequences=True, return_state=True)
    seq, state = layer(x)
    k, u = (w.numpy() for w in layer.weights)
    ref, (rh,) = np_simple_rnn(x, (k, u, np.zeros(4)), act=lambda z: z)
    np.testing.assert_allclose(seq.numpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(state.numpy(), rh, rtol=1e-5, atol=1e-6)
    mask = np.array([[1, 1, 0, 0, 1], [1, 1, 1, 1, 1]], bool)
    out = L.RNN(layer.cell)(x, mask=mask).numpy()
    ref_m, _ = np_simple_rnn(x[:, [0, 1, 4]], (k, u, np.zeros(4)), act=lambda z: z)
    np.testing.assert_allclose(out[0], ref_m[0, -1], rtol=1e-5, atol=1e-6)
    clone = L.RNN.from_config(layer.get_config(),
                              custom_objects={"MinimalRNNCell": MinimalRNNCell})
    assert isinstance(clone.cell, MinimalRNNCell) and clone.return_state


def test_stacked_cells_equal_stacked_layers():
    x = _x(2, 4, 3)
    cells = [L.LSTMCell(5), L.GRUCell(3), MinimalRNNCell(2)]
    rnn = L.RNN(cells, return_state=True)
    out = rnn(x)
    assert isinstance(rnn.cell, L.StackedRNNCells)
    assert rnn.cell.state_size == [5, 5, 3, 2]
    assert len(out) == 5 and out[0].shape == (2, 2)
    l1 = _set(L.LSTM(5, return_sequences=True), x.shape, cells[0].get_weights())
    l2 = _set(L.GRU(3, return_sequences=True), (2, 4, 5), cells[1].get_weights())
    l3 = L.RNN(cells[2])
    ref = l3(l2(l1(x)))
    np.testing.assert_allclose(out[0].numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
    parts = rnn.weights[0].name.split("/")
    assert parts[0].startswith("rnn") and parts[1].startswith("stacked_rnn_cells") and \
        parts[2].startswith("lstm_cell") and parts[3] == "kernel:0"
    # the generic step-by-step path (cells called one step at a time) agrees
    slow = L.RNN(_StepByStep(L.StackedRNNCells([cells[0], cells[1]])))
    np.testing.assert_allclose(slow(x).numpy(), l2(l1(x)).numpy()[:, -1], rtol=1e-5,
                               atol=1e-6)


class _StepByStep(L.Layer):
    """Hides a built cell behind a custom cell, so that RNN runs it step by step."""

    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        self.inner = cell
        self.state_size = cell.state_size

    def call(self, inputs, states):
        return self.inner.call(inputs, states)


def test_unknown_time_dimension_in_function():
    layer = L.LSTM(3, return_sequences=True)
    x = _x(2, 5, 2)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    eager = layer(x, mask=mask).numpy()

    @tf.function(input_signature=[tf.TensorSpec((None, None, 2), tf.float32),
                                  tf.TensorSpec((None, None), tf.bool)])
    def f(t, m):
        with tf.GradientTape() as tape:
            y = layer(t, mask=m)
            loss = tf.reduce_sum(y * y)
        return y, tape.gradient(loss, layer.trainable_weights)
    y, grads = f(x, mask)
    np.testing.assert_allclose(y.numpy(), eager, rtol=1e-5, atol=1e-6)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x, mask=mask) ** 2)
    for a, b in zip(grads, tape.gradient(loss, layer.trainable_weights)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
    y2, _ = f(_x(3, 7, 2), np.ones((3, 7), bool))
    assert y2.shape == (3, 7, 3)


# ---------------------------------------------------------------------------------------------
# tf.function: unknown batch, one trace
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: L.LSTM(4, return_sequences=True),
    lambda: L.GRU(3, return_state=True, dropout=0.1, recurrent_dropout=0.1),
    lambda: L.GRU(3, reset_after=False, go_backwards=True),
    lambda: L.SimpleRNN(3),
    lambda: L.Bidirectional(L.LSTM(2, return_sequences=True), merge_mode="sum"),
    lambda: L.TimeDistributed(L.Dense(2)),
], ids=["lstm", "gru-dropout", "gru-reset-before", "simple-rnn", "bidirectional",
        "time-distributed"])
def test_traces_once_with_unknown_batch(make):
    layer = make()
    x1, x2 = _x(3, 5, 2), _x(6, 5, 2)
    e1, e2 = layer(x1), layer(x2)

    @tf.function(input_signature=[tf.TensorSpec((None, 5, 2), tf.float32)])
    def f(t):
        with tf.GradientTape() as tape:
            y = layer(t, training=True)
            loss = tf.add_n([tf.reduce_sum(v) for v in tf.nest.flatten(y)])
        grads = tape.gradient(loss, layer.trainable_weights)
        return layer(t), grads
    for x, e in ((x1, e1), (x2, e2)):
        y, grads = f(x)
        for a, b in zip(tf.nest.flatten(y), tf.nest.flatten(e)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
        assert all(g is not None for g in grads)
    assert f.experimental_get_tracing_count() == 1


def test_fit_tutorial_forecaster():
    data = np.sin(np.linspace(0, 100, 1000))
    X = np.array([data[i:i + 10] for i in range(len(data) - 10)]).reshape(-1, 10, 1)
    y = data[10:]
    model = keras.Sequential([L.LSTM(50, activation="relu", input_shape=(10, 1)), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit(X[:320], y[:320], epochs=3, batch_size=32, verbose=0)
    loss = hist.history["loss"]
    assert loss[-1] < loss[0]
    assert model.predict(X[:5], verbose=0).shape == (5, 1)


# ---------------------------------------------------------------------------------------------
# gradients against finite differences (float64)
# ---------------------------------------------------------------------------------------------
def _fd_check(layer, x, mask=None, eps=1e-6):
    """<grad, v> for the input and every weight against central differences along a random
    direction v."""
    rng = np.random.default_rng(0)
    xt = tf.constant(x)
    kw = {} if mask is None else {"mask": mask}
    out_w = rng.standard_normal(np.shape(tf.nest.flatten(layer(xt, **kw))[0]))

    def objective():
        return float(np.sum(tf.nest.flatten(layer(xt, **kw))[0].numpy() * out_w))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(tf.nest.flatten(layer(xt, **kw))[0] * out_w)
    grads = tape.gradient(loss, [xt] + layer.trainable_weights)
    dirs = [rng.standard_normal(np.shape(g)) for g in grads]
    analytic = sum(float(np.sum(g.numpy() * d)) for g, d in zip(grads, dirs))
    base_x = x.copy()
    base_w = [w.numpy().copy() for w in layer.trainable_weights]

    def shifted(s):
        nonlocal xt
        xt = tf.constant(base_x + s * dirs[0])
        for v, w0, d in zip(layer.trainable_weights, base_w, dirs[1:]):
            v.assign(w0 + s * d)
        return objective()
    numeric = (shifted(eps) - shifted(-eps)) / (2 * eps)
    shifted(0.0)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("make", [
    lambda: L.LSTM(3, return_sequences=True, dtype="float64"),
    lambda: L.GRU(3, dtype="float64", bias_initializer="glorot_uniform"),
    lambda: L.GRU(3, reset_after=False, dtype="float64", go_backwards=True),
    lambda: L.SimpleRNN(3, return_state=True, dtype="float64"),
    lambda: L.Bidirectional(L.LSTM(2, dtype="float64"), merge_mode="mul", dtype="float64"),
], ids=["lstm", "gru", "gru-reset-before", "simple-rnn", "bidirectional"])
def test_gradients_match_finite_differences(make):
    layer = make()
    x = np.random.default_rng(1).standard_normal((2, 4, 3))
    mask = tf.constant(np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool))
    _fd_check(layer, x)
    _fd_check(layer, x, mask=mask)


# ---------------------------------------------------------------------------------------------
# wrappers
# ---------------------------------------------------------------------------------------------
def test_bidirectional_merge_modes_and_states():
    x = _x(2, 5, 3)
    w_f = _w([(3, 8), (2, 8), (8,)], seed=5)
    w_b = _w([(3, 8), (2, 8), (8,)], seed=6)
    fw, (fw_h, fw_c) = np_lstm(x, w_f)
    bw, (bw_h, bw_c) = np_lstm(x[:, ::-1], w_b)
    bw_seq = bw[:, ::-1]
    expected = {"concat": np.concatenate([fw, bw_seq], -1), "sum": fw + bw_seq,
                "mul": fw * bw_seq, "ave": (fw + bw_seq) / 2}
    for mode, want in expected.items():
        bi = _set(L.Bidirectional(L.LSTM(2, return_sequences=True), merge_mode=mode),
                  x.shape, w_f + w_b)
        np.testing.assert_allclose(bi(x).numpy(), want, rtol=1e-5, atol=1e-6)
    bi = _set(L.Bidirectional(L.LSTM(2), merge_mode=None), x.shape, w_f + w_b)
    a, b = bi(x)
    np.testing.assert_allclose(a.numpy(), fw[:, -1], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.numpy(), bw[:, -1], rtol=1e-5, atol=1e-6)
    bi = _set(L.Bidirectional(L.LSTM(2, return_state=True)), x.shape, w_f + w_b)
    outs = bi(x)
    assert len(outs) == 5 and outs[0].shape == (2, 4)
    np.testing.assert_allclose(outs[0].numpy(), np.concatenate([fw_h, bw_h], -1), rtol=1e-5,
                               atol=1e-6)
    for got, want in zip(outs[1:], [fw_h, fw_c, bw_h, bw_c]):
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)
    names = [v.name.split("/") for v in bi.weights]
    assert names[0][1].startswith("forward_lstm") and names[0][2:] == ["lstm_cell", "kernel:0"]
    assert names[3][1].startswith("backward_lstm")
    with pytest.raises(ValueError, match="merge mode"):
        L.Bidirectional(L.LSTM(2), merge_mode="max")
    custom = L.Bidirectional(L.LSTM(2), backward_layer=L.GRU(3, go_backwards=True))
    assert custom(x).shape == (2, 5)
    with pytest.raises(ValueError, match="go_backwards"):
        L.Bidirectional(L.LSTM(2), backward_layer=L.GRU(3))
    clone = L.Bidirectional.from_config(custom.get_config())
    assert isinstance(clone.backward_layer, L.GRU) and clone(x).shape == (2, 5)


def test_time_distributed():
    x = _x(2, 4, 3)
    dense = L.Dense(5)
    td = L.TimeDistributed(dense)
    y = td(x).numpy()
    k, b = dense.get_weights()
    np.testing.assert_allclose(y, x @ k + b, rtol=1e-5, atol=1e-6)
    assert td.compute_output_shape((None, 4, 3)) == (None, 4, 5)
    inp = keras.Input((None, 3))
    out = L.TimeDistributed(L.Dense(2))(inp)
    assert out.shape.as_list() == [None, None, 2]
    m = keras.Model(inp, out)
    assert m(_x(2, 7, 3)).shape == (2, 7, 2)
    with pytest.raises(ValueError, match="3 dimensions"):
        L.TimeDistributed(L.Dense(2))(_x(2, 3))


def test_dropout_training_only():
    x = _x(4, 5, 3)
    layer = L.LSTM(4, dropout=0.5, recurrent_dropout=0.5)
    a, b = layer(x).numpy(), layer(x).numpy()
    np.testing.assert_array_equal(a, b)
    t1 = layer(x, training=True).numpy()
    assert not np.allclose(t1, a)


def test_config_round_trip_keras_style():
    layer = L.LSTM(3, activation="relu", return_sequences=True, dropout=0.1,
                   kernel_regularizer="l2")
    cfg = layer.get_config()
    for key in ("units", "activation", "recurrent_activation", "unit_forget_bias",
                "return_sequences", "go_backwards", "stateful", "dropout"):
        assert key in cfg
    cfg["implementation"] = 2  # tf.keras 2 configs carry it
    clone = L.LSTM.from_config(cfg)
    assert clone.units == 3 and clone.return_sequences and clone.dropout == 0.1
    ser = L.serialize(L.GRU(2, reset_after=False))
    assert ser["class_name"] == "GRU" and ser["config"]["reset_after"] is False
    assert L.deserialize(ser).reset_after is False
    layer(_x(1, 2, 3))
    assert len(layer.losses) == 1  # the kernel regularizer


# ---------------------------------------------------------------------------------------------
# ConvLSTM2D
# ---------------------------------------------------------------------------------------------
def _np_conv_same_or_valid(x, k, stride=1, same=False):
    """Cross-correlation of NHWC `x` with HWIO `k` (stride 1 or as given)."""
    kh, kw = k.shape[:2]
    if same:
        ph, pw = kh - 1, kw - 1
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    rows = (x.shape[1] - kh) // stride + 1
    cols = (x.shape[2] - kw) // stride + 1
    out = np.zeros((x.shape[0], rows, cols, k.shape[3]))
    for i in range(rows):
        for j in range(cols):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, i, j] = np.einsum("nhwc,hwco->no", patch, k)
    return out


def test_conv_lstm2d_values():
    x = _x(2, 3, 5, 4, 2)
    layer = L.ConvLSTM2D(3, (3, 2), padding="same", return_sequences=True,
                         recurrent_activation="sigmoid", bias_initializer="glorot_uniform")
    seq = layer(x).numpy()
    k, u, b = layer.get_weights()
    n = 3
    h = c = np.zeros((2, 5, 4, n))
    for t in range(3):
        z = _np_conv_same_or_valid(x[:, t], k, same=True) + b + \
            _np_conv_same_or_valid(h, u, same=True)
        i, f, g, o = (z[..., j * n:(j + 1) * n] for j in range(4))
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        np.testing.assert_allclose(seq[:, t], h, rtol=1e-4, atol=1e-5)
    assert [w.name.split("/")[-1] for w in layer.weights] == [
        "kernel:0", "recurrent_kernel:0", "bias:0"]
    assert layer.kernel.shape == (3, 2, 2, 12) and layer.recurrent_kernel.shape == (3, 2, 3, 12)


def test_conv_lstm2d_matches_keras_and_shapes():
    x = np.random.default_rng(7).standard_normal((1, 2, 3, 3, 1)).astype("float32")
    layer = L.ConvLSTM2D(2, 2)  # recurrent_activation hard_sigmoid (tf.keras 2 default)
    layer.build(x.shape)
    rng = np.random.default_rng(3)
    layer.set_weights([(rng.standard_normal(w.shape) * 0.5).astype("float32")
                       for w in layer.get_weights()])
    want = [[[[0.086202, -0.240673], [-0.041347, -0.264561]],
             [[0.005863, 0.242183], [0.017863, -0.303837]]]]  # tf.keras 2.21
    np.testing.assert_allclose(layer(x).numpy(), want, atol=2e-6)
    assert layer.count_params() == 4 * 1 * 8 + 4 * 2 * 8 + 8
    strided = L.ConvLSTM2D(3, 3, strides=2, return_state=True)
    out, h, c = strided(_x(2, 4, 7, 6, 2))
    assert out.shape == h.shape == c.shape == (2, 3, 2, 3)
    assert strided.compute_output_shape((None, 4, 7, 6, 2))[0] == (None, 3, 2, 3)
    inp = keras.Input((None, 8, 8, 1))
    assert L.ConvLSTM2D(4, 3, return_sequences=True)(inp).shape.as_list() == [None, None, 6, 6, 4]


def test_direct_calls_pass_embedding_masks_along_as_keras_does():
    """In a subclassed model, `lstm(embedding(x))` with `mask_zero=True` skips the padding
    (Keras attaches the mask to the embedding's output): trailing zeros change nothing, eagerly
    and in the traced train step."""
    from flowgrad.keras.engine.base_layer import mask_of

    class Model(keras.Model):
        def __init__(self):
            super().__init__()
            self.emb = L.Embedding(10, 4, mask_zero=True)
            self.rnn = L.LSTM(3)
            self.out = L.Dense(1)

        def call(self, x):
            return self.out(self.rnn(self.emb(x)))

    model = Model()
    padded = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    trimmed = padded[:, :3]
    np.testing.assert_allclose(model(padded).numpy(), model(trimmed).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(mask_of(model.emb(padded)).numpy(), padded > 0)
    np.testing.assert_array_equal(model.emb(padded)._keras_mask.numpy(), padded > 0)
    model.compile("adam", "mse")
    model.fit(padded, np.ones((2, 1)), epochs=2, verbose=0)
    np.testing.assert_allclose(model(padded).numpy(), model(trimmed).numpy(), rtol=1e-6)
    # without mask_zero the padding is data
    plain = L.LSTM(3)
    emb = L.Embedding(10, 4)
    assert mask_of(emb(padded)) is None
    assert not np.allclose(plain(emb(padded)).numpy(), plain(emb(trimmed)).numpy())
