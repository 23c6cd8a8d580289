"""tf.keras.regularizers and tf.keras.constraints: values, gradients, configs and lookup."""

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras import constraints as C
from flowgrad.keras import regularizers as R

W = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.5], [-0.5, 2.5, 1.0], [0.2, -0.3, 4.0]],
             dtype=np.float32)


# -- regularizers ----------------------------------------------------------------------------------
def test_l1_l2_l1l2_values():
    for reg, want in [(R.L1(0.3), 0.3 * np.abs(W).sum()),
                      (R.L2(0.2), 0.2 * np.square(W).sum()),
                      (R.L1L2(l1=0.1, l2=0.05), 0.1 * np.abs(W).sum() + 0.05 * np.square(W).sum()),
                      (R.L1L2(), 0.0),
                      (R.l1_l2(), 0.01 * np.abs(W).sum() + 0.01 * np.square(W).sum()),
                      (R.L1(), 0.01 * np.abs(W).sum()), (R.L2(), 0.01 * np.square(W).sum())]:
        out = reg(tf.constant(W))
        assert isinstance(out, tf.Tensor) and out.shape == () and out.dtype == tf.float32
        np.testing.assert_allclose(float(out), want, rtol=1e-6)
    assert R.L2(0.5)(tf.constant(W, dtype=tf.float64)).dtype == tf.float64
    # Variables and plain arrays are accepted
    np.testing.assert_allclose(float(R.L1(1.0)(tf.Variable(W))), np.abs(W).sum(), rtol=1e-6)
    np.testing.assert_allclose(float(R.L2(1.0)([1.0, 2.0])), 5.0)
    assert R.L1(l=0.5).l1 == 0.5  # legacy keyword


def test_regularizer_gradient():
    v = tf.Variable(W)
    with tf.GradientTape() as tape:
        penalty = R.L1L2(l1=0.1, l2=0.2)(v)
    g = tape.gradient(penalty, v).numpy()
    np.testing.assert_allclose(g, 0.1 * np.sign(W) + 0.4 * W, rtol=1e-6)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer(mode):
    factor = 0.3
    m = W if mode == "rows" else W.T
    u = m / np.linalg.norm(m, axis=1, keepdims=True)
    p = u @ u.T
    n = p.shape[0]
    want = factor * 0.5 * np.abs(p * (1 - np.eye(n))).sum() / (n * (n - 1) / 2)
    np.testing.assert_allclose(float(R.OrthogonalRegularizer(factor, mode)(W)), want, rtol=1e-5)
    assert float(R.OrthogonalRegularizer(1.0)(np.eye(3, dtype=np.float32))) == 0.0
    with pytest.raises(ValueError, match="rank 2"):
        R.OrthogonalRegularizer()(np.ones((2, 2, 2), np.float32))
    with pytest.raises(ValueError, match="mode"):
        R.OrthogonalRegularizer(mode="diagonal")


@pytest.mark.parametrize("reg", [R.L1(0.3), R.L2(0.002), R.L1L2(0.1, 0.2),
                                 R.OrthogonalRegularizer(0.05, "columns")],
                         ids=lambda r: type(r).__name__)
def test_regularizer_config_roundtrip(reg):
    clone = R.deserialize(R.serialize(reg))
    assert type(clone) is type(reg) and clone.get_config() == reg.get_config()
    assert type(reg).from_config(reg.get_config()).get_config() == reg.get_config()
    np.testing.assert_allclose(float(clone(W)), float(reg(W)), rtol=1e-6)


def test_regularizer_get():
    assert R.get("l1").get_config() == {"l1": 0.01}
    assert R.get("l2").get_config() == {"l2": 0.01}
    assert R.get("l1_l2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert type(R.get("L1L2")) is R.L1L2
    assert type(R.get("orthogonal_regularizer")) is R.OrthogonalRegularizer
    assert R.get(None) is None
    reg = R.L2(0.1)
    assert R.get(reg) is reg
    fn = lambda w: tf.reduce_sum(w)
    assert R.get(fn) is fn
    assert R.get({"class_name": "L2", "config": {"l2": 0.5}}).l2 == 0.5
    assert R.l1 is R.L1 and R.l2 is R.L2
    with pytest.raises(ValueError) as e:
        R.get("l3")
    assert "Did you mean" in str(e.value) and "l1" in str(e.value)
    with pytest.raises(ValueError):
        R.L2("big")


def test_custom_regularizer_subclass():
    class SumAbs(R.Regularizer):
        def __init__(self, k=1.0):
            self.k = k

        def __call__(self, w):
            return self.k * tf.reduce_sum(tf.abs(w))

        def get_config(self):
            return {"k": self.k}

    reg = R.deserialize(R.serialize(SumAbs(2.0)), custom_objects={"SumAbs": SumAbs})
    np.testing.assert_allclose(float(reg(W)), 2 * np.abs(W).sum(), rtol=1e-6)


# -- constraints -----------------------------------------------------------------------------------
EPS = 1e-7


def _norm(w, axis):
    return np.sqrt(np.square(w).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, [0, 1]])
def test_max_norm(axis):
    ax = tuple(axis) if isinstance(axis, list) else axis
    n = _norm(W, ax)
    want = W * np.clip(n, 0, 2.0) / (n + EPS)
    out = C.MaxNorm(max_value=2.0, axis=axis)(tf.constant(W))
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    assert np.all(_norm(out.numpy(), ax) <= 2.0 + 1e-5)


def test_max_norm_conv_kernel_and_variable():
    rng = np.random.default_rng(0)
    k = rng.normal(size=(3, 3, 4, 5)).astype(np.float32) * 3
    out = C.MaxNorm(1.5, axis=[0, 1, 2])(tf.Variable(k)).numpy()
    np.testing.assert_allclose(_norm(out, (0, 1, 2)).ravel(),
                               np.minimum(_norm(k, (0, 1, 2)).ravel(), 1.5), rtol=1e-5)


def test_non_neg_unit_norm_min_max_norm():
    np.testing.assert_array_equal(C.NonNeg()(W).numpy(), np.maximum(W, 0))
    np.testing.assert_allclose(C.UnitNorm(axis=0)(W).numpy(), W / (_norm(W, 0) + EPS),
                               rtol=1e-6)
    np.testing.assert_allclose(C.UnitNorm(axis=1)(W).numpy(), W / (_norm(W, 1) + EPS),
                               rtol=1e-6)
    for lo, hi, rate in [(0.0, 1.0, 1.0), (2.0, 3.0, 1.0), (2.0, 3.0, 0.5), (4.0, 6.0, 0.25)]:
        n = _norm(W, 0)
        desired = rate * np.clip(n, lo, hi) + (1 - rate) * n
        np.testing.assert_allclose(C.MinMaxNorm(lo, hi, rate, axis=0)(W).numpy(),
                                   W * desired / (n + EPS), rtol=1e-6)
    assert isinstance(C.Constraint()(W), np.ndarray)  # the base class is the identity


@pytest.mark.parametrize("con", [C.MaxNorm(3.0, axis=1), C.NonNeg(), C.UnitNorm(axis=[0, 1]),
                                 C.MinMaxNorm(0.5, 2.0, 0.7, axis=1)],
                         ids=lambda c: type(c).__name__)
def test_constraint_config_roundtrip(con):
    clone = C.deserialize(C.serialize(con))
    assert type(clone) is type(con) and clone.get_config() == con.get_config()
    np.testing.assert_allclose(clone(W).numpy(), con(W).numpy())


def test_constraint_get_and_aliases():
    for name, cls in [("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("non_neg", C.NonNeg),
                      ("nonneg", C.NonNeg), ("unit_norm", C.UnitNorm),
                      ("min_max_norm", C.MinMaxNorm), ("MinMaxNorm", C.MinMaxNorm)]:
        assert type(C.get(name)) is cls
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg
    assert C.get(None) is None
    c = C.NonNeg()
    assert C.get(c) is c
    assert C.get({"class_name": "MaxNorm", "config": {"max_value": 4, "axis": 1}}).max_value == 4
    with pytest.raises(ValueError) as e:
        C.get("max_nrom")
    assert "max_norm" in str(e.value)


def test_constraint_applied_to_variable_assign():
    v = tf.Variable(W, constraint=C.NonNeg())
    v.assign(v.constraint(v))
    assert v.numpy().min() >= 0


def test_no_host_values_read(monkeypatch):
    """Regularizers and constraints run inside traced train steps: flowgrad ops only."""
    w = tf.constant(W)

    def forbidden(self, *args, **kwargs):
        raise AssertionError("host value read")

    for name in ("numpy", "__bool__", "__float__", "__int__", "__index__", "__array__"):
        monkeypatch.setattr(tf.Tensor, name, forbidden)
    for reg in (R.L1(), R.L2(), R.L1L2(0.1, 0.2), R.OrthogonalRegularizer(0.1, "columns")):
        assert isinstance(reg(w), tf.Tensor)
    for con in (C.MaxNorm(), C.NonNeg(), C.UnitNorm(), C.MinMaxNorm(0.5, 1.5, 0.5)):
        assert isinstance(con(w), tf.Tensor)
