"""MultiHeadAttention, Attention, AdditiveAttention and EinsumDense (layers/attention.py) against
NumPy formulas written here, plus values, shapes and parameter counts checked once against
Keras (tf-keras 2.21 and Keras 3.15 agree on all of them; these tests do not import
TensorFlow), gradients against finite differences, traced calls with an unknown batch size,
masks propagated by Functional models, and the Transformer example."""

import importlib.util
import pathlib

import numpy as np
import pytest

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers as L
from flowgrad.testing.gradient_check import check_gradient

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _arrays(seed, shapes, scale=0.5):
    r = np.random.default_rng(seed)
    return [r.standard_normal(s).astype("float32") * scale for s in shapes]


def _set_random_weights(layer, seed):
    layer.set_weights(_arrays(seed, [w.shape for w in layer.get_weights()]))


# ---------------------------------------------------------------------------------------------
# NumPy references
# ---------------------------------------------------------------------------------------------
def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_mha(q, v, k, weights, mask=None):
    """Multi-head attention over axis 1; `mask` broadcasts to (B, T, S), True = attend."""
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    key_dim = wq.shape[-1]
    qp = np.einsum("btd,dnh->btnh", q, wq) + bq
    kp = np.einsum("bsd,dnh->bsnh", k, wk) + bk
    vp = np.einsum("bsd,dnh->bsnh", v, wv) + bv
    scores = np.einsum("btnh,bsnh->bnts", qp / np.sqrt(key_dim), kp)
    if mask is not None:
        m = np.broadcast_to(np.asarray(mask, bool), (q.shape[0], q.shape[1], k.shape[1]))
        m = m[:, None]
        scores = np.where(m, scores, -1e9)
    probs = np_softmax(scores)
    if mask is not None:
        probs = np.where(m, probs, 0.0)
    out = np.einsum("bnts,bsnh->btnh", probs, vp)
    return np.einsum("btnh,nhd->btd", out, wo) + bo, probs


def np_attention(q, v, k, scores_fn, q_mask=None, v_mask=None, causal=False):
    scores = scores_fn(q, k)
    keep = np.ones(scores.shape, bool)
    if v_mask is not None:
        keep &= np.asarray(v_mask, bool)[:, None, :]
    if causal:
        keep &= np.tril(np.ones(scores.shape[-2:], bool))
    scores = scores - 1e9 * (~keep)
    w = np_softmax(scores)
    out = w @ v
    if q_mask is not None:
        out = out * np.asarray(q_mask, out.dtype)[..., None]
    return out, w


def _dot_scores(scale=1.0):
    return lambda q, k: scale * q @ np.swapaxes(k, -1, -2)


def _concat_scores(scale, weight):
    return lambda q, k: weight * np.tanh(scale * (q[:, :, None, :] + k[:, None, :, :])).sum(-1)


def _additive_scores(scale):
    return lambda q, k: (scale * np.tanh(q[:, :, None, :] + k[:, None, :, :])).sum(-1)


RNG = np.random.default_rng(0)
Q = RNG.standard_normal((2, 4, 5)).astype("float32")
V = RNG.standard_normal((2, 3, 6)).astype("float32")
ATT_MASK = np.array([[[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1]],
                     [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]], bool)
Q4 = RNG.standard_normal((2, 2, 3, 5)).astype("float32")
RNG.standard_normal((2, 3, 4))  # (keeps the stream aligned with the Keras script)
QA = RNG.standard_normal((2, 4, 6)).astype("float32")
Q_MASK = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)
V_MASK = np.array([[1, 0, 1], [1, 1, 0]], bool)


def _mha(seed, q=Q, v=V, **kwargs):
    layer = L.MultiHeadAttention(**kwargs)
    layer(q, v)
    _set_random_weights(layer, seed)
    return layer


# ---------------------------------------------------------------------------------------------
# MultiHeadAttention
# ---------------------------------------------------------------------------------------------
def test_mha_weights_layout_names_and_keras_param_counts():
    layer = _mha(1, num_heads=2, key_dim=3)
    assert [(w.name, tuple(w.shape)) for w in layer.weights] == [
        ("multi_head_attention/query/kernel:0", (5, 2, 3)),
        ("multi_head_attention/query/bias:0", (2, 3)),
        ("multi_head_attention/key/kernel:0", (6, 2, 3)),
        ("multi_head_attention/key/bias:0", (2, 3)),
        ("multi_head_attention/value/kernel:0", (6, 2, 3)),
        ("multi_head_attention/value/bias:0", (2, 3)),
        ("multi_head_attention/attention_output/kernel:0", (2, 3, 5)),
        ("multi_head_attention/attention_output/bias:0", (5,)),
    ]
    assert [s.name for s in layer.submodules] == ["query", "key", "value", "attention_output"]
    # counts as Keras reports them
    q, v = np.zeros((2, 4, 5), "float32"), np.zeros((2, 6, 7), "float32")
    m = L.MultiHeadAttention(num_heads=2, key_dim=3)
    m(q, v)
    assert m.count_params() == 167
    m = L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, output_shape=(8,),
                             use_bias=False)
    assert m(q, v, v).shape == (2, 4, 8) and m.count_params() == 192
    m = L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2))
    x4 = np.zeros((2, 3, 4, 5), "float32")
    out, scores = m(x4, x4, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 5) and scores.shape == (2, 2, 3, 4, 3, 4)
    assert m.count_params() == 143


def test_mha_matches_numpy_with_masks():
    layer = _mha(1, num_heads=2, key_dim=3)
    w = layer.get_weights()
    out, scores = layer(Q, V, attention_mask=ATT_MASK, return_attention_scores=True)
    ref, ref_scores = np_mha(Q, V, V, w, ATT_MASK)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), ref_scores, rtol=1e-5, atol=1e-6)
    assert scores.shape == (2, 2, 4, 3)
    # no mask; a (T, S) mask broadcast over the batch; a separate key
    np.testing.assert_allclose(layer(Q, V).numpy(), np_mha(Q, V, V, w)[0], rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(layer(Q, V, attention_mask=ATT_MASK[0]).numpy(),
                               np_mha(Q, V, V, w, ATT_MASK[0])[0], rtol=1e-5, atol=1e-5)
    K = V[::-1] * 0.3
    np.testing.assert_allclose(layer(Q, V, K).numpy(), np_mha(Q, V, K, w)[0], rtol=1e-5,
                               atol=1e-5)
    # query / value masks (Keras 3 arguments) combine like the attention mask they imply
    implied = Q_MASK[:, :, None] & V_MASK[:, None, :]
    out = layer(Q, V, query_mask=Q_MASK, value_mask=V_MASK).numpy()
    np.testing.assert_allclose(out, np_mha(Q, V, V, w, implied)[0], rtol=1e-5, atol=1e-5)
    both = layer(Q, V, query_mask=Q_MASK, value_mask=V_MASK, attention_mask=ATT_MASK).numpy()
    np.testing.assert_allclose(both, np_mha(Q, V, V, w, implied & ATT_MASK)[0], rtol=1e-5,
                               atol=1e-5)
    # integer / float masks are read as "nonzero" / "> 0.5"
    np.testing.assert_allclose(layer(Q, V, attention_mask=ATT_MASK.astype("int32")).numpy(),
                               np_mha(Q, V, V, w, ATT_MASK)[0], rtol=1e-5, atol=1e-5)


def test_mha_fully_masked_rows_get_zero_probabilities():
    layer = _mha(1, num_heads=2, key_dim=3)
    mask = ATT_MASK.copy()
    mask[0, 1] = False
    _, scores = layer(Q, V, attention_mask=mask, return_attention_scores=True)
    s = scores.numpy()
    np.testing.assert_array_equal(s[0, :, 1], 0.0)  # Keras 3 behaviour
    np.testing.assert_allclose(s[1].sum(-1), 1.0, rtol=1e-6)


def test_mha_values_match_keras():
    """Outputs computed by Keras for these weights (Keras 3.15 and tf-keras 2.21 agree)."""
    layer = _mha(1, num_heads=2, key_dim=3)
    out = layer(Q, V, attention_mask=ATT_MASK).numpy()
    keras_out = [[[0.506950, -1.348487, -1.180644, -0.930510, 1.159432],
                  [0.803725, -2.898296, -0.936422, -0.567337, -0.486166],
                  [0.826668, -2.287764, -0.718865, -0.583152, -0.812112],
                  [0.482884, -1.781046, -0.676785, -0.582879, -0.609962]],
                 [[-0.626727, 0.233881, 0.143367, -0.839675, -1.417949],
                  [-0.204407, 0.464812, 0.780141, -1.427488, -0.972208],
                  [-0.017800, -0.171256, -0.651536, -1.230052, 0.250124],
                  [-0.690461, 0.398236, 1.000900, -1.145880, -1.867438]]]
    np.testing.assert_allclose(out, keras_out, atol=2e-5)
    # 2-D attention over axes (1, 2)
    m = _mha(3, q=Q4, v=Q4, num_heads=2, key_dim=2, attention_axes=(1, 2))
    keras_b0 = [[[-1.966270, 1.132383, -1.960658, 1.047398, -0.931817],
                 [-0.790811, 0.506933, -1.159408, 0.868787, -0.570247],
                 [-1.033916, 0.440612, -1.830246, 0.437970, -0.072372]],
                [[-0.407171, 0.095886, -0.970818, 0.452112, -0.137441],
                 [-0.343222, 0.188998, -0.913705, 0.429251, -0.226556],
                 [-0.713612, 0.179855, -1.343788, 0.452928, -0.063598]]]
    np.testing.assert_allclose(m(Q4, Q4).numpy()[0], keras_b0, atol=2e-5)


def test_mha_causal_mask():
    layer = _mha(2, v=Q, num_heads=2, key_dim=3)
    w = layer.get_weights()
    tril = np.tril(np.ones((4, 4), bool))
    out, scores = layer(Q, Q, use_causal_mask=True, return_attention_scores=True)
    np.testing.assert_allclose(out.numpy(), np_mha(Q, Q, Q, w, tril)[0], rtol=1e-5, atol=1e-5)
    assert np.all(np.triu(scores.numpy()[0, 0], 1) == 0)
    # combined with a padding mask on the keys
    vm = np.array([[1, 1, 0, 1], [1, 0, 1, 1]], bool)
    out = layer(Q, Q, use_causal_mask=True, value_mask=vm).numpy()
    ref = np_mha(Q, Q, Q, w, tril[None] & vm[:, None, :])[0]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    # different query and key lengths: position i sees keys 0..i
    out = layer(Q, Q[:, :3], use_causal_mask=True).numpy()
    ref = np_mha(Q, Q[:, :3], Q[:, :3], w, np.tril(np.ones((4, 3), bool)))[0]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


def test_mha_multiple_attention_axes_equal_flattened_positions():
    layer = _mha(3, q=Q4, v=Q4, num_heads=2, key_dim=2, attention_axes=(1, 2))
    w = layer.get_weights()
    mask = RNG.random((2, 2, 3, 2, 3)) > 0.3
    mask[..., 0, 0] = True
    out, scores = layer(Q4, Q4, attention_mask=mask, return_attention_scores=True)
    flat = Q4.reshape(2, 6, 5)
    ref, ref_scores = np_mha(flat, flat, flat, w, mask.reshape(2, 6, 6))
    np.testing.assert_allclose(out.numpy(), ref.reshape(2, 2, 3, 5), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(scores.numpy(), ref_scores.reshape(2, 2, 2, 3, 2, 3),
                               rtol=1e-5, atol=1e-6)
    # attention over axis 2 only: axis 1 acts as a batch axis; scores (B, X, N, Y, Y')
    m = _mha(4, q=Q4, v=Q4, num_heads=2, key_dim=2, attention_axes=(2,))
    out, scores = m(Q4, Q4, return_attention_scores=True)
    assert scores.shape == (2, 2, 2, 3, 3)
    w = m.get_weights()
    for i in range(2):
        np.testing.assert_allclose(out.numpy()[:, i], np_mha(Q4[:, i], Q4[:, i], Q4[:, i], w)[0],
                                   rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="single attention axis"):
        layer(Q4, Q4, use_causal_mask=True)
    with pytest.raises(ValueError, match="attention axis"):
        L.MultiHeadAttention(2, 2, attention_axes=(3,))(Q4, Q4)


def test_mha_dropout_only_in_training():
    plain = _mha(1, num_heads=2, key_dim=3)
    drop = L.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5)
    drop(Q, V)
    drop.set_weights(plain.get_weights())
    np.testing.assert_allclose(drop(Q, V).numpy(), plain(Q, V).numpy(), rtol=1e-6)
    np.testing.assert_allclose(drop(Q, V, training=False).numpy(), plain(Q, V).numpy(),
                               rtol=1e-6)
    tf.random.set_seed(3)
    out, scores = drop(Q, V, training=True, return_attention_scores=True)
    assert not np.allclose(out.numpy(), plain(Q, V).numpy())
    # the returned scores are the probabilities before dropout (Keras)
    np.testing.assert_allclose(scores.numpy().sum(-1), 1.0, rtol=1e-5)


def test_mha_gradients_match_finite_differences():
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64")
    q = np.random.default_rng(5).standard_normal((2, 3, 4))
    v = np.random.default_rng(6).standard_normal((2, 4, 3))
    layer(q, v)
    layer.set_weights([a.astype("float64") for a in _arrays(7, [w.shape for w in
                                                                 layer.get_weights()])])
    mask = np.array([[1, 1, 0, 1], [0, 1, 1, 1]], bool)

    def fn(qt, vt):
        return layer(qt, vt, value_mask=mask, return_attention_scores=True)

    check_gradient(fn, [q, v], [0, 1], np.random.default_rng(0))

    def causal(qt):
        return layer(qt, v, use_causal_mask=True)

    check_gradient(causal, [q], [0], np.random.default_rng(1))
    # with respect to every weight
    weights = layer.trainable_weights
    rng = np.random.default_rng(2)
    proj = rng.standard_normal((2, 3, 4))

    def objective():
        return tf.reduce_sum(layer(q, v, value_mask=mask) * proj)

    with tf.GradientTape() as tape:
        y = objective()
    grads = tape.gradient(y, weights)
    dirs = [rng.standard_normal(tuple(w.shape)) for w in weights]
    analytic = sum(float(np.sum(g.numpy() * d)) for g, d in zip(grads, dirs))
    base = [w.numpy().copy() for w in weights]
    eps = 1e-6
    vals = []
    for sign in (1, -1):
        for w, b, d in zip(weights, base, dirs):
            w.assign(b + sign * eps * d)
        vals.append(float(objective().numpy()))
    for w, b in zip(weights, base):
        w.assign(b)
    numeric = (vals[0] - vals[1]) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


def test_mha_in_tf_function_with_unknown_batch():
    layer = _mha(1, num_heads=2, key_dim=3, dropout=0.2)

    @tf.function(input_signature=[tf.TensorSpec([None, 4, 5], tf.float32),
                                  tf.TensorSpec([None, 3, 6], tf.float32),
                                  tf.TensorSpec([None, 3], tf.bool)])
    def f(q, v, vm):
        return layer(q, v, value_mask=vm, use_causal_mask=True, return_attention_scores=True)

    for b in (2, 5):
        q = np.random.default_rng(b).standard_normal((b, 4, 5)).astype("float32")
        v = np.random.default_rng(b + 1).standard_normal((b, 3, 6)).astype("float32")
        vm = np.random.default_rng(b + 2).random((b, 3)) > 0.3
        out, scores = f(q, v, vm)
        ref, ref_scores = layer(q, v, value_mask=vm, use_causal_mask=True,
                                return_attention_scores=True)
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(scores.numpy(), ref_scores.numpy(), rtol=1e-5, atol=1e-6)
    assert f.experimental_get_tracing_count() == 1

    # a training step with dropout, and unknown batch and sequence lengths
    opt = keras.optimizers.Adam(1e-2)
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.2)
    layer(np.ones((1, 2, 5), "float32"))

    @tf.function(input_signature=[tf.TensorSpec([None, None, 5], tf.float32)])
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(layer(x, training=True, use_causal_mask=True)))
        grads = tape.gradient(loss, layer.trainable_weights)
        opt.apply_gradients(zip(grads, layer.trainable_weights))
        return loss

    for shape in ((3, 4, 5), (6, 2, 5)):
        assert np.isfinite(step(np.ones(shape, "float32")).numpy())
    assert step.experimental_get_tracing_count() == 1


def test_mha_functional_model_symbolic_shapes_and_config():
    q_in, v_in = keras.Input((4, 5)), keras.Input((3, 6))
    layer = L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha")
    out, scores = layer(q_in, v_in, return_attention_scores=True)
    assert out.shape.as_list() == [None, 4, 5] and scores.shape.as_list() == [None, 2, 4, 3]
    model = keras.Model([q_in, v_in], [out, scores])
    _set_random_weights(layer, 1)
    got = model([Q, V])
    np.testing.assert_allclose(got[0].numpy(), np_mha(Q, V, V, layer.get_weights())[0],
                               rtol=1e-5, atol=1e-5)
    assert model.count_params() == layer.count_params() == 2 * 3 * (5 + 6 + 6) + 3 * 2 * 3 + \
        6 * 5 + 5
    # config round trip, and configs written by Keras (2: built shapes; 3: extra keys)
    config = layer.get_config()
    clone = L.MultiHeadAttention.from_config(config)
    clone(Q, V)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(Q, V).numpy(), layer(Q, V).numpy(), rtol=1e-6)
    k2 = dict(config, query_shape=[None, 4, 5], key_shape=[None, 3, 6],
              value_shape=[None, 3, 6], name="k2")
    built = L.MultiHeadAttention.from_config(k2)
    assert built.built and built.count_params() == layer.count_params()
    k3 = dict(config, use_gate=False, sliding_window=None, seed=None, name="k3",
              dtype={"module": "keras", "class_name": "DTypePolicy",
                     "config": {"name": "float32"}})
    assert L.MultiHeadAttention.from_config(k3)(Q, V).shape == (2, 4, 5)
    with pytest.raises(NotImplementedError, match="use_gate"):
        L.MultiHeadAttention(2, 3, use_gate=True)
    assert layer.get_build_config() == {"shapes_dict": {
        "query_shape": [None, 4, 5], "value_shape": [None, 3, 6], "key_shape": [None, 3, 6]}}
    fresh = L.MultiHeadAttention.from_config(config)
    fresh.build_from_config(layer.get_build_config())
    assert fresh.count_params() == layer.count_params()


class _PadMask(L.Layer):
    """Float features from ids, with the mask `ids != 0` (as Embedding(mask_zero=True))."""

    def call(self, ids):
        return tf.cast(tf.stack([ids, ids * 2 - 3], axis=-1), "float32") * 0.3

    def compute_mask(self, ids, mask=None):
        return tf.not_equal(ids, 0)


def test_mha_receives_masks_from_functional_and_sequential_models():
    ids = np.array([[3, 4, 5, 0, 0], [1, 2, 0, 0, 0]], "int32")
    inp = keras.Input((5,), dtype="int32")
    x = _PadMask()(inp)
    layer = L.MultiHeadAttention(num_heads=2, key_dim=2)
    y = layer(x, x)
    model = keras.Model(inp, y)
    feats = _PadMask()(ids)
    layer(feats, feats)
    implied = (ids != 0)[:, :, None] & (ids != 0)[:, None, :]
    np.testing.assert_allclose(model(ids).numpy(),
                               layer(feats, feats, attention_mask=implied).numpy(), rtol=1e-6)
    seq = keras.Sequential([_PadMask(), L.MultiHeadAttention(num_heads=1, key_dim=2)])
    out = seq(ids)
    mha = seq.layers[-1]
    np.testing.assert_allclose(out.numpy(), mha(feats, attention_mask=implied).numpy(),
                               rtol=1e-6)
    # the output keeps the query mask
    np.testing.assert_array_equal(seq.compute_mask(ids).numpy(), ids != 0)
    if hasattr(L, "Embedding"):
        emb = L.Embedding(10, 4, mask_zero=True)
        inp = keras.Input((5,), dtype="int32")
        e = emb(inp)
        att = L.MultiHeadAttention(num_heads=2, key_dim=2)
        model = keras.Model(inp, att(e, e))
        ev = emb(ids)
        np.testing.assert_allclose(model(ids).numpy(),
                                   att(ev, ev, attention_mask=implied).numpy(), rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# Attention and AdditiveAttention
# ---------------------------------------------------------------------------------------------
def test_attention_dot_matches_numpy_with_masks_causal_and_key():
    a = L.Attention(use_scale=True)
    a([QA, V])
    a.set_weights([np.array(1.7, "float32")])
    out, w = a([QA, V], mask=[Q_MASK, V_MASK], return_attention_scores=True)
    ref, ref_w = np_attention(QA, V, V, _dot_scores(1.7), Q_MASK, V_MASK)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w.numpy(), ref_w, rtol=1e-5, atol=1e-6)
    assert w.shape == (2, 4, 3)
    key = V * 0.5
    out = a([QA, V, key], use_causal_mask=True).numpy()
    np.testing.assert_allclose(out, np_attention(QA, V, key, _dot_scores(1.7), causal=True)[0],
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(a.compute_mask([QA, V], [Q_MASK, V_MASK]).numpy(), Q_MASK)
    assert a.compute_mask([QA, V], None) is None
    plain = L.Attention()
    np.testing.assert_allclose(plain([QA, V]).numpy(), np_attention(QA, V, V, _dot_scores())[0],
                               rtol=1e-5, atol=1e-5)
    assert plain.weights == [] and a.count_params() == 1


def test_attention_concat_and_additive_match_numpy_and_keras():
    a = L.Attention(use_scale=True, score_mode="concat")
    a([QA, V])
    assert [w.name for w in a.weights] == [f"{a.name}/scale:0", f"{a.name}/concat_score_weight:0"]
    a.set_weights([np.array(0.7, "float32"), np.array(1.3, "float32")])
    out = a([QA, V], mask=[Q_MASK, V_MASK]).numpy()
    ref = np_attention(QA, V, V, _concat_scores(0.7, 1.3), Q_MASK, V_MASK)[0]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    keras_b0 = [[-0.848790, 1.233526, 0.484444, 0.655022, 0.318546, 0.016350],
                [-0.601924, 1.064808, -0.033888, 0.579033, 0.351093, 0.215078],
                [-0.856518, 1.238808, 0.500669, 0.657401, 0.317528, 0.010129],
                [0.0] * 6]
    np.testing.assert_allclose(out[0], keras_b0, atol=2e-5)

    add = L.AdditiveAttention()
    add([QA, V])
    assert add.scale.shape == (6,) and add.count_params() == 6
    add.set_weights(_arrays(5, [(6,)]))
    scale = add.get_weights()[0]
    out, w = add([QA, V], mask=[None, V_MASK], return_attention_scores=True)
    ref, ref_w = np_attention(QA, V, V, _additive_scores(scale), None, V_MASK)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w.numpy(), ref_w, rtol=1e-5, atol=1e-6)
    keras_b1 = [[-0.699306, -0.532535, 0.210768, -0.371923, 1.384987, -1.043047],
                [-0.482679, -0.474819, 0.499956, -0.015409, 1.226640, -1.287522],
                [-0.633539, -0.515012, 0.298564, -0.263687, 1.336913, -1.117268],
                [-0.506439, -0.481150, 0.468237, -0.054513, 1.244008, -1.260707]]
    np.testing.assert_allclose(out.numpy()[1], keras_b1, atol=2e-5)
    no_scale = L.AdditiveAttention(use_scale=False)
    out = no_scale([QA, V], use_causal_mask=True).numpy()
    ref = np_attention(QA, V, V, _additive_scores(1.0), causal=True)[0]
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    assert no_scale.weights == []


def test_attention_dropout_config_errors_and_gradients():
    a = L.Attention(dropout=0.5)
    np.testing.assert_allclose(a([QA, V]).numpy(), L.Attention()([QA, V]).numpy(), rtol=1e-6)
    tf.random.set_seed(1)
    out, w = a([QA, V], training=True, return_attention_scores=True)
    # the returned weights are the ones applied, after dropout (Keras)
    np.testing.assert_allclose(out.numpy(), w.numpy() @ V, rtol=1e-5, atol=1e-5)
    assert np.any(w.numpy() == 0)
    for layer in (L.Attention(use_scale=True, score_mode="concat", dropout=0.1),
                  L.AdditiveAttention(use_scale=False)):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
    with pytest.raises(ValueError, match="list of inputs"):
        L.Attention()(QA)
    with pytest.raises(ValueError, match="score_mode"):
        L.Attention(score_mode="general")
    with pytest.raises(ValueError, match="mask"):
        L.Attention()([QA, V], mask=Q_MASK)
    # symbolic calls
    q_in, v_in = keras.Input((4, 6)), keras.Input((3, 6))
    out, w = L.AdditiveAttention()([q_in, v_in], return_attention_scores=True)
    assert out.shape.as_list() == [None, 4, 6] and w.shape.as_list() == [None, 4, 3]
    # gradients in float64
    add = L.AdditiveAttention(dtype="float64")
    q64, v64 = QA.astype("float64"), V.astype("float64")
    add([q64, v64])

    def fn(q, v):
        return add([q, v], mask=[Q_MASK, V_MASK], use_causal_mask=True)

    check_gradient(fn, [q64, v64], [0, 1], np.random.default_rng(3))
    dot = L.Attention(use_scale=True, score_mode="concat", dtype="float64")
    dot([q64, v64])
    check_gradient(lambda q, v: dot([q, v, v * 0.5]), [q64, v64], [0, 1],
                   np.random.default_rng(4))


# ---------------------------------------------------------------------------------------------
# EinsumDense
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("equation,output_shape,bias_axes,in_shape,kernel,bias,out", [
    ("ab,bc->ac", 3, "c", (2, 4), (4, 3), (3,), (2, 3)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 5, 4), (4, 2, 3), (2, 3), (2, 5, 2, 3)),
    ("abc,cd->abd", (5, 3), "b", (2, 5, 4), (4, 3), (5, 1), (2, 5, 3)),
    ("...b,bc->...c", 3, "c", (2, 5, 4), (4, 3), (3,), (2, 5, 3)),
    ("ab...,bc->ac...", 3, "c", (2, 4, 5), (4, 3), (3, 1), (2, 3, 5)),
    ("abcd,cde->abe", (None, 7), "e", (2, 5, 2, 3), (2, 3, 7), (7,), (2, 5, 7)),
])
def test_einsum_dense_shapes_and_values(equation, output_shape, bias_axes, in_shape, kernel,
                                        bias, out):
    layer = L.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes)
    x = np.random.default_rng(0).standard_normal(in_shape).astype("float32")
    y = layer(x)
    assert tuple(layer.kernel.shape) == kernel and tuple(layer.bias.shape) == bias
    assert y.shape == out and tuple(layer.compute_output_shape(in_shape)) == out
    _set_random_weights(layer, 2)
    k, b = layer.get_weights()
    ref = np.einsum(equation, x, k) + b
    np.testing.assert_allclose(layer(x).numpy(), ref, rtol=1e-5, atol=1e-5)


def test_einsum_dense_errors_and_config():
    with pytest.raises(ValueError, match="einsum equation"):
        L.EinsumDense("ab,bc", output_shape=3)
    with pytest.raises(ValueError, match="rank"):
        L.EinsumDense("abc,cd->abd", output_shape=(None, 3))(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="bias axis"):
        L.EinsumDense("ab,bc->ac", output_shape=3, bias_axes="x")(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="unknown"):
        L.EinsumDense("ab,bc->ac", output_shape=(None,))(np.zeros((2, 3), "float32"))
    layer = L.EinsumDense("abc,cd->abd", output_shape=(None, 4), bias_axes="d",
                          activation="tanh")
    x = np.random.default_rng(1).standard_normal((2, 3, 5)).astype("float32")
    y = layer(x).numpy()
    k, b = layer.get_weights()
    np.testing.assert_allclose(y, np.tanh(x @ k + b), rtol=1e-5, atol=1e-6)
    config = layer.get_config()
    assert config["equation"] == "abc,cd->abd" and config["output_shape"] == [None, 4]
    clone = L.EinsumDense.from_config(dict(config, quantization_config=None))
    clone(x)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(clone(x).numpy(), y, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# the example
# ---------------------------------------------------------------------------------------------
def test_transformer_classifier_example_learns():
    spec = importlib.util.spec_from_file_location(
        "transformer_classifier", ROOT / "examples" / "transformer_classifier.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    x, y = mod.make_data(100, seq_len=8)
    assert x.shape == (100, 8) and set(np.unique(y)) == {0, 1}
    assert np.all((x == mod.TOKEN_A).sum(1) == 1) and np.all((x == mod.TOKEN_B).sum(1) == 1)
    accuracy = mod.main(num_train=600, num_test=200, epochs=3, verbose=0)
    assert accuracy > 0.75, accuracy
