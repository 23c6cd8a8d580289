"""tf.keras.losses: functions and classes against NumPy closed forms, reductions, sample
weights, shapes and errors, configs, lookup, and gradients against finite differences."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras import losses as L
from flowgrad.testing.gradient_check import check_gradient

EPS = 1e-7
RNG = np.random.default_rng(0)
Y_BIN = RNG.integers(0, 2, size=(6, 3)).astype(np.float32)
P_BIN = RNG.uniform(0.05, 0.95, size=(6, 3)).astype(np.float32)
Y_REG = RNG.normal(size=(6, 3)).astype(np.float32)
P_REG = RNG.normal(size=(6, 3)).astype(np.float32)
Y_CAT = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, size=5)]
P_CAT = RNG.uniform(0.05, 1.0, size=(5, 4)).astype(np.float32)
P_CAT /= P_CAT.sum(-1, keepdims=True)
LOGITS = RNG.normal(size=(5, 4)).astype(np.float32)
LABELS = RNG.integers(0, 4, size=5)


# -- NumPy references (Keras 2 formulas) -----------------------------------------------------------
def np_softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def np_bce_elem(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -(t * np.log(p + EPS) + (1 - t) * np.log(1 - p + EPS))


def np_huber(t, p, delta=1.0):
    e = p - t
    a = np.abs(e)
    return np.where(a <= delta, 0.5 * e ** 2, delta * a - 0.5 * delta ** 2).mean(-1)


def np_signed(t):
    return 2 * t - 1 if np.all((t == 0) | (t == 1)) else t


def np_cce(t, p, axis=-1):
    p = p / p.sum(axis, keepdims=True)
    return -(t * np.log(np.clip(p, EPS, 1 - EPS))).sum(axis)


def np_log_softmax(z, axis=-1):
    z = z - z.max(axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis, keepdims=True))


def np_l2n(x, axis=-1):
    return x / np.sqrt(np.maximum((x ** 2).sum(axis, keepdims=True), 1e-12))


REFERENCES = {
    "mean_squared_error": (lambda t, p: ((t - p) ** 2).mean(-1), Y_REG, P_REG),
    "mean_absolute_error": (lambda t, p: np.abs(t - p).mean(-1), Y_REG, P_REG),
    "mean_absolute_percentage_error": (
        lambda t, p: 100 * np.abs((t - p) / np.maximum(np.abs(t), EPS)).mean(-1), Y_REG, P_REG),
    "mean_squared_logarithmic_error": (
        lambda t, p: ((np.log(np.maximum(p, EPS) + 1) - np.log(np.maximum(t, EPS) + 1)) ** 2)
        .mean(-1), Y_BIN * 3, P_BIN * 2),
    "huber": (np_huber, Y_REG, P_REG),
    "log_cosh": (lambda t, p: np.log(np.cosh(p - t)).mean(-1), Y_REG, P_REG),
    "binary_crossentropy": (lambda t, p: np_bce_elem(t, p).mean(-1), Y_BIN, P_BIN),
    "categorical_crossentropy": (np_cce, Y_CAT, P_CAT),
    "kl_divergence": (lambda t, p: (np.clip(t, EPS, 1) * np.log(np.clip(t, EPS, 1)
                                                                 / np.clip(p, EPS, 1))).sum(-1),
                      Y_CAT, P_CAT),
    "poisson": (lambda t, p: (p - t * np.log(p + EPS)).mean(-1), Y_BIN * 2, P_BIN),
    "hinge": (lambda t, p: np.maximum(1 - np_signed(t) * p, 0).mean(-1), Y_BIN, P_REG),
    "squared_hinge": (lambda t, p: np.maximum(1 - np_signed(t) * p, 0).__pow__(2).mean(-1),
                      Y_BIN, P_REG),
    "categorical_hinge": (lambda t, p: np.maximum(((1 - t) * p).max(-1) - (t * p).sum(-1) + 1, 0),
                          Y_CAT, LOGITS),
    "cosine_similarity": (lambda t, p: -(np_l2n(t) * np_l2n(p)).sum(-1), Y_REG, P_REG),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_functions_match_closed_forms(name, dtype):
    ref, t, p = REFERENCES[name]
    out = L.get(name)(t.astype(dtype), tf.constant(p.astype(dtype)))
    assert isinstance(out, tf.Tensor) and out.shape == (t.shape[0],)
    assert out.dtype == tf.as_dtype(dtype)
    tol = 1e-5 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(out.numpy(), ref(t.astype(np.float64), p.astype(np.float64)),
                               rtol=tol, atol=tol)


def test_tutorial_mean_squared_error():
    loss = L.MeanSquaredError()([1.0], [0.8])
    assert isinstance(loss, tf.Tensor) and loss.shape == () and loss.dtype == tf.float32
    np.testing.assert_allclose(loss.numpy(), 0.04, rtol=1e-5)
    assert tf.keras.losses.MeanSquaredError is L.MeanSquaredError


def test_aliases():
    assert L.mse is L.MSE is L.mean_squared_error
    assert L.mae is L.MAE is L.mean_absolute_error
    assert L.mape is L.mean_absolute_percentage_error and L.msle is L.mean_squared_logarithmic_error
    assert L.kld is L.KLD is L.kullback_leibler_divergence is L.kl_divergence
    assert L.logcosh is L.log_cosh


def test_huber_delta_and_log_cosh_extremes():
    np.testing.assert_allclose(L.huber(Y_REG, P_REG, delta=0.3).numpy(),
                               np_huber(Y_REG.astype(float), P_REG.astype(float), 0.3), rtol=1e-5)
    big = L.log_cosh([[0.0]], [[200.0]])  # log(cosh(200)) without overflow
    np.testing.assert_allclose(big.numpy(), [200 - np.log(2)], rtol=1e-6)


def test_hinge_keeps_signed_labels():
    t = np.array([[-1.0, 1.0, 1.0]], np.float32)
    p = np.array([[0.3, -0.2, 2.0]], np.float32)
    np.testing.assert_allclose(L.hinge(t, p).numpy(), np.maximum(1 - t * p, 0).mean(-1),
                               rtol=1e-6)


# -- cross-entropies -------------------------------------------------------------------------------
def test_binary_crossentropy_options():
    t, p = Y_BIN.astype(np.float64), P_BIN.astype(np.float64)
    logits = np.log(p / (1 - p))
    ls = 0.2
    ts = t * (1 - ls) + 0.5 * ls
    np.testing.assert_allclose(L.binary_crossentropy(t, p, label_smoothing=ls).numpy(),
                               np_bce_elem(ts, p).mean(-1), rtol=1e-10)
    exact = (np_softplus(logits) - logits * ts).mean(-1)
    np.testing.assert_allclose(
        L.binary_crossentropy(t, logits, from_logits=True, label_smoothing=ls).numpy(),
        exact, rtol=1e-10)
    np.testing.assert_allclose(L.binary_crossentropy(t, p, axis=0).numpy(),
                               np_bce_elem(t, p).mean(0), rtol=1e-10)
    # probabilities of exactly 0 and 1 stay finite (clipped at 1e-7)
    edge = L.binary_crossentropy([[1.0, 0.0]], [[0.0, 1.0]]).numpy()
    assert np.all(np.isfinite(edge)) and edge[0] > 15
    cls = L.BinaryCrossentropy(from_logits=True)
    np.testing.assert_allclose(float(cls(t, logits)), np.mean((np_softplus(logits)
                                                               - logits * t).mean(-1)), rtol=1e-10)


def test_binary_focal_crossentropy():
    t, p = Y_BIN.astype(np.float64), P_BIN.astype(np.float64)
    p_t = t * p + (1 - t) * (1 - p)
    for gamma, balance, alpha in [(2.0, False, 0.25), (1.5, True, 0.3)]:
        want = (1 - p_t) ** gamma * np_bce_elem(t, p)
        if balance:
            want = want * (t * alpha + (1 - t) * (1 - alpha))
        got = L.BinaryFocalCrossentropy(apply_class_balancing=balance, alpha=alpha, gamma=gamma,
                                        reduction="none")(t, p)
        np.testing.assert_allclose(got.numpy(), want.mean(-1), rtol=1e-9)
    logits = np.log(p / (1 - p))
    np.testing.assert_allclose(
        L.binary_focal_crossentropy(t, logits, from_logits=True).numpy(),
        ((1 - p_t) ** 2 * (np_softplus(logits) - logits * t)).mean(-1), rtol=1e-9)


def test_categorical_crossentropy_options():
    t, p = Y_CAT.astype(np.float64), P_CAT.astype(np.float64)
    ls = 0.1
    ts = t * (1 - ls) + ls / 4
    np.testing.assert_allclose(L.categorical_crossentropy(t, p, label_smoothing=ls).numpy(),
                               np_cce(ts, p), rtol=1e-10)
    np.testing.assert_allclose(L.categorical_crossentropy(t, p * 3.0).numpy(), np_cce(t, p),
                               rtol=1e-10)  # unnormalized probabilities are renormalized
    z = LOGITS.astype(np.float64)
    np.testing.assert_allclose(L.categorical_crossentropy(t, z, from_logits=True).numpy(),
                               -(t * np_log_softmax(z)).sum(-1), rtol=1e-10)
    np.testing.assert_allclose(L.categorical_crossentropy(t.T, z.T, from_logits=True,
                                                          axis=0).numpy(),
                               -(t * np_log_softmax(z)).sum(-1), rtol=1e-10)
    np.testing.assert_allclose(L.categorical_crossentropy(t.T, p.T, axis=0).numpy(),
                               np_cce(t, p), rtol=1e-10)
    np.testing.assert_allclose(float(L.CategoricalCrossentropy()(t, p)), np_cce(t, p).mean(),
                               rtol=1e-10)


def test_sparse_categorical_crossentropy_label_shapes():
    p = P_CAT.astype(np.float64)
    p /= p.sum(-1, keepdims=True)
    want = -np.log(p[np.arange(5), LABELS])
    for labels in (LABELS, LABELS[:, None], LABELS.astype(np.float32),
                   tf.constant(LABELS, dtype=tf.int64)):
        np.testing.assert_allclose(L.sparse_categorical_crossentropy(labels, p).numpy(), want,
                                   rtol=1e-10)
    z = LOGITS.astype(np.float64)
    np.testing.assert_allclose(
        L.sparse_categorical_crossentropy(LABELS[:, None], z, from_logits=True).numpy(),
        -np_log_softmax(z)[np.arange(5), LABELS], rtol=1e-10)
    # sequences: (batch, steps, classes) with (batch, steps) or (batch, steps, 1) labels
    zs = RNG.normal(size=(2, 3, 4))
    ls = RNG.integers(0, 4, size=(2, 3))
    ref = -np.take_along_axis(np_log_softmax(zs), ls[..., None], -1)[..., 0]
    for lab in (ls, ls[..., None]):
        out = L.sparse_categorical_crossentropy(lab, zs, from_logits=True)
        assert out.shape == (2, 3)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10)
    # the class axis first
    np.testing.assert_allclose(
        L.sparse_categorical_crossentropy(LABELS, z.T, from_logits=True, axis=0).numpy(),
        -np_log_softmax(z)[np.arange(5), LABELS], rtol=1e-10)


def test_sparse_categorical_crossentropy_ignore_class():
    z = LOGITS.astype(np.float64)
    labels = np.array([0, 2, -1, 3, -1])
    per = -np_log_softmax(z)[np.arange(5), np.maximum(labels, 0)]
    valid = labels != -1
    loss = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(float(loss(labels, z)), per[valid].mean(), rtol=1e-10)
    sw = np.array([1.0, 2.0, 3.0, 0.5, 1.0])
    np.testing.assert_allclose(float(loss(labels, z, sample_weight=sw)),
                               (per * sw)[valid].sum() / valid.sum(), rtol=1e-10)
    none = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                           reduction="none")(labels, z)
    np.testing.assert_allclose(none.numpy(), np.where(valid, per, 0), rtol=1e-10)
    summed = L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                             reduction="sum")(labels, z)
    np.testing.assert_allclose(float(summed), per[valid].sum(), rtol=1e-10)
    np.testing.assert_allclose(
        L.sparse_categorical_crossentropy(labels, z, from_logits=True, ignore_class=-1).numpy(),
        np.where(valid, per, 0), rtol=1e-10)


# -- reductions and sample weights -----------------------------------------------------------------
def test_reductions_and_sample_weights():
    t, p = Y_REG.astype(np.float64), P_REG.astype(np.float64)
    per = ((t - p) ** 2).mean(-1)
    sw = np.linspace(0.5, 2.0, 6)
    cases = [
        ("sum_over_batch_size", None, per.mean()),
        ("auto", None, per.mean()),
        ("sum", None, per.sum()),
        ("none", None, per),
        ("sum_over_batch_size", sw, (per * sw).mean()),
        ("sum_over_batch_size", sw[:, None], (per * sw).mean()),  # (batch, 1) weights
        ("sum", sw, (per * sw).sum()),
        ("none", sw, per * sw),
        ("sum_over_batch_size", 2.5, per.mean() * 2.5),
        ("mean_with_sample_weight", sw, (per * sw).sum() / sw.sum()),
    ]
    for reduction, weight, want in cases:
        out = L.MeanSquaredError(reduction=reduction)(t, p, sample_weight=weight)
        np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, err_msg=reduction)
    # losses of rank 2 (sequences) with per-sample weights: weights broadcast over the steps
    t3, p3 = RNG.normal(size=(4, 5, 2)), RNG.normal(size=(4, 5, 2))
    per3 = ((t3 - p3) ** 2).mean(-1)
    w = np.array([1.0, 0.0, 2.0, 0.5])
    out = L.MeanSquaredError()(t3, p3, sample_weight=w)
    np.testing.assert_allclose(float(out), (per3 * w[:, None]).sum() / per3.size, rtol=1e-10)
    out = L.MeanSquaredError(reduction="none")(t3, p3, sample_weight=w[:, None] * np.ones((4, 5)))
    assert out.shape == (4, 5)
    with pytest.raises(ValueError, match="sample_weight"):
        L.MeanSquaredError()(t, p, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="Reduction"):
        L.MeanSquaredError(reduction="mean_of_squares")
    assert L.Reduction.SUM == "sum" and "none" in L.Reduction.all()


def test_rank_matching_in_loss_classes():
    t = np.array([1.0, 0.0, 1.0, 1.0])
    p = np.array([[0.9], [0.2], [0.4], [0.6]])
    for cls in (L.MeanSquaredError, L.BinaryCrossentropy, L.MeanAbsoluteError, L.Hinge):
        np.testing.assert_allclose(float(cls()(t, p)), float(cls()(t[:, None], p)), rtol=1e-12)
        np.testing.assert_allclose(float(cls()(p, t)), float(cls()(p, t[:, None])), rtol=1e-12)
    sw = np.array([1.0, 2.0, 0.0, 1.0])
    np.testing.assert_allclose(float(L.MeanSquaredError()(t, p, sample_weight=sw)),
                               np.mean((t - p[:, 0]) ** 2 * sw), rtol=1e-12)


def test_dtypes():
    out = L.MeanSquaredError()(np.array([[1, 0]]), tf.constant([[0.5, 0.5]], tf.float64))
    assert out.dtype == tf.float64  # y_true is cast to y_pred's dtype
    assert L.MeanSquaredError()([[1, 0]], [[1, 1]]).dtype == tf.float32  # ints become float32
    assert L.BinaryCrossentropy()(tf.constant([[1]]), tf.constant([[0.5]])).dtype == tf.float32
    assert L.MeanSquaredError(dtype="float64")([[1.0]], [[0.5]]).dtype == tf.float64
    v = tf.Variable([[0.2, 0.8]])
    assert float(L.MeanSquaredError()([[0.0, 1.0]], v)) == pytest.approx(0.04, rel=1e-5)


# -- errors ----------------------------------------------------------------------------------------
def test_shape_errors_name_the_loss_and_shapes():
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        L.MeanSquaredError()(np.ones((4, 3)), np.ones((4, 2)))
    assert "mean_squared_error" in str(e.value) and "(4, 3)" in str(e.value)
    assert isinstance(e.value, ValueError)
    with pytest.raises(ValueError) as e:
        L.CategoricalCrossentropy()(np.ones((4, 3)), np.ones((4, 2)))
    assert "categorical_crossentropy" in str(e.value) and "(4, 2)" in str(e.value)
    with pytest.raises(ValueError) as e:
        L.SparseCategoricalCrossentropy()(np.zeros(3), np.ones((4, 2)) / 2)
    assert "sparse_categorical_crossentropy" in str(e.value) and "(4, 2)" in str(e.value)
    with pytest.raises(ValueError):
        L.BinaryCrossentropy(from_logits=True)(np.ones((4, 3)), np.ones((4, 2)))


# -- classes, configs, lookup ----------------------------------------------------------------------
ALL = [L.MeanSquaredError(), L.MeanAbsoluteError(reduction="sum"),
       L.MeanAbsolutePercentageError(name="mape_loss"), L.MeanSquaredLogarithmicError(),
       L.Huber(delta=0.5), L.LogCosh(), L.BinaryCrossentropy(True, 0.1),
       L.BinaryFocalCrossentropy(True, 0.3, 1.5, from_logits=False),
       L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, reduction="none"),
       L.SparseCategoricalCrossentropy(from_logits=True, ignore_class=3), L.KLDivergence(),
       L.Poisson(), L.Hinge(), L.SquaredHinge(), L.CategoricalHinge(), L.CosineSimilarity(axis=0),
       L.LossFunctionWrapper(L.mse, name="wrapped", reduction="sum")]


@pytest.mark.parametrize("loss", ALL, ids=lambda x: type(x).__name__)
def test_config_roundtrip(loss):
    config = loss.get_config()
    assert config["name"] == loss.name and config["reduction"] == loss.reduction
    clone = type(loss).from_config(config)
    assert clone.get_config() == config
    again = L.deserialize(L.serialize(loss))
    assert type(again) is type(loss) and again.get_config() == config
    t, p = (LABELS, LOGITS) if isinstance(loss, L.SparseCategoricalCrossentropy) else \
        (Y_CAT, P_CAT)
    np.testing.assert_allclose(again(t, p).numpy(), loss(t, p).numpy(), rtol=1e-6)


def test_default_names():
    assert L.MeanSquaredError().name == "mean_squared_error"
    assert L.Huber().name == "huber_loss"
    assert L.SparseCategoricalCrossentropy().name == "sparse_categorical_crossentropy"
    assert L.KLDivergence().name == "kl_divergence"
    assert L.Huber().get_config() == {"reduction": "sum_over_batch_size", "name": "huber_loss",
                                      "delta": 1.0}


def test_get():
    assert L.get("mse") is L.mean_squared_error
    assert L.get("mean_squared_error") is L.mean_squared_error
    assert L.get("categorical_crossentropy") is L.categorical_crossentropy
    assert L.get("sparse_categorical_crossentropy") is L.sparse_categorical_crossentropy
    assert L.get("binary_crossentropy") is L.binary_crossentropy
    assert L.get("kld") is L.kl_divergence and L.get("MAE") is L.mean_absolute_error
    assert isinstance(L.get("BinaryCrossentropy"), L.BinaryCrossentropy)
    assert isinstance(L.get(L.Huber), L.Huber)
    h = L.Huber()
    assert L.get(h) is h
    assert L.get(None) is None
    fn = lambda t, p: tf.reduce_mean(p)
    assert L.get(fn) is fn
    assert L.get({"class_name": "Huber", "config": {"delta": 2.0}}).get_config()["delta"] == 2.0
    k3 = {"module": "keras.losses", "class_name": "MeanSquaredError",
          "config": {"name": "mse", "reduction": "sum"}, "registered_name": None}
    assert L.get(k3).reduction == "sum"
    assert L.serialize(L.mse) == "mean_squared_error"
    with pytest.raises(ValueError) as e:
        L.get("categorical_crossentropie")
    msg = str(e.value)
    assert "Did you mean" in msg and "'categorical_crossentropy'" in msg and "mse" in msg
    with pytest.raises(ValueError):
        L.get(12)


def test_custom_loss_subclass():
    class Scaled(L.Loss):
        def __init__(self, k=2.0, **kwargs):
            super().__init__(**kwargs)
            self.k = k

        def call(self, y_true, y_pred):
            return self.k * tf.reduce_mean(tf.square(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "k": self.k}

    loss = Scaled(3.0, reduction="sum")
    t, p = Y_REG.astype(np.float64), P_REG.astype(np.float64)
    np.testing.assert_allclose(float(loss(tf.constant(t), tf.constant(p))),
                               3 * ((t - p) ** 2).mean(-1).sum(), rtol=1e-12)
    assert Scaled.from_config(loss.get_config()).k == 3.0
    assert Scaled().name == "scaled"
    with pytest.raises(NotImplementedError):
        L.Loss()([1.0], [1.0])


# -- gradients -------------------------------------------------------------------------------------
GRAD_CASES = [
    (L.MeanSquaredError(), Y_REG, P_REG),
    (L.MeanAbsoluteError(), Y_REG, P_REG),
    (L.MeanAbsolutePercentageError(), Y_REG, P_REG),
    (L.MeanSquaredLogarithmicError(), Y_BIN * 3, P_BIN * 2),
    (L.Huber(delta=0.7), Y_REG, P_REG),
    (L.LogCosh(), Y_REG, P_REG),
    (L.BinaryCrossentropy(), Y_BIN, P_BIN),
    (L.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), Y_BIN, P_REG),
    (L.BinaryFocalCrossentropy(apply_class_balancing=True), Y_BIN, P_BIN),
    (L.BinaryFocalCrossentropy(from_logits=True), Y_BIN, P_REG),
    (L.CategoricalCrossentropy(), Y_CAT, P_CAT),
    (L.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), Y_CAT, LOGITS),
    (L.SparseCategoricalCrossentropy(), LABELS, P_CAT),
    (L.SparseCategoricalCrossentropy(from_logits=True), LABELS[:, None], LOGITS),
    (L.KLDivergence(), Y_CAT * 0.9 + 0.025, P_CAT),
    (L.Poisson(), Y_BIN * 2, P_BIN),
    (L.Hinge(), Y_BIN, P_REG),
    (L.SquaredHinge(), Y_BIN, P_REG),
    (L.CategoricalHinge(), Y_CAT, LOGITS),
    (L.CosineSimilarity(), Y_REG, P_REG),
]


@pytest.mark.parametrize("case", GRAD_CASES, ids=lambda c: type(c[0]).__name__)
def test_gradient_wrt_y_pred(case):
    loss, t, p = case
    t = t if t.dtype.kind in "iu" else t.astype(np.float64)
    sw = np.linspace(0.5, 1.5, p.shape[0])
    rng = np.random.default_rng(3)
    check_gradient(lambda yp: loss(t, yp, sample_weight=sw), [p.astype(np.float64)], [0], rng)
    none = type(loss).from_config({**loss.get_config(), "reduction": "none"})
    check_gradient(lambda yp: none(t, yp), [p.astype(np.float64)], [0], rng)
