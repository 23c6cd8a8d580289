"""tf.keras.activations: values against NumPy closed forms, options, lookup and gradients."""

import math

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras import activations as A
from flowgrad.testing.gradient_check import check_gradient

X = np.linspace(-5.0, 5.0, 21).astype(np.float32)
ERF = np.vectorize(math.erf)
SELU_A, SELU_S = 1.6732632423543772, 1.0507009873554805


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": _sig,
    "tanh": np.tanh,
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_S * np.where(x > 0, x, SELU_A * np.expm1(x)),
    "softplus": _softplus,
    "softsign": lambda x: x / (1 + np.abs(x)),
    "swish": lambda x: x * _sig(x),
    "silu": lambda x: x * _sig(x),
    "gelu": lambda x: 0.5 * x * (1 + ERF(x / np.sqrt(2))),
    "exponential": np.exp,
    "hard_sigmoid": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "linear": lambda x: x,
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "log_sigmoid": lambda x: -_softplus(-x),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_match_closed_forms(name):
    fn = A.get(name)
    out = fn(X)
    assert isinstance(out, tf.Tensor)
    assert out.dtype == tf.float32 and out.shape == X.shape
    np.testing.assert_allclose(out.numpy(), REFERENCE[name](X.astype(np.float64)), rtol=1e-5,
                               atol=1e-6)
    # float64 in, float64 out
    out64 = fn(tf.constant(X.astype(np.float64)))
    assert out64.dtype == tf.float64


def test_tutorial_calls_on_python_lists():
    r = A.relu([-3.0, 0.0, 5.0])
    s = A.sigmoid([0.0, 2.0, -2.0])
    assert isinstance(r, tf.Tensor) and isinstance(s, tf.Tensor)
    assert r.numpy().tolist() == [0.0, 0.0, 5.0]
    np.testing.assert_allclose(s.numpy(), _sig(np.array([0.0, 2.0, -2.0])), rtol=1e-6)
    assert A.relu([-1.0, 2.0]).numpy().tolist() == [0.0, 2.0]


def test_integer_inputs():
    assert A.relu([-1, 2]).dtype == tf.int32  # relu keeps integers, like tf.nn.relu
    s = A.sigmoid(np.array([0, 1]))
    assert s.dtype == tf.float32
    np.testing.assert_allclose(s.numpy(), _sig(np.array([0.0, 1.0])), rtol=1e-6)


@pytest.mark.parametrize("alpha,max_value,threshold", [
    (0.0, None, 0.0), (0.1, None, 0.0), (0.0, 2.5, 0.0), (0.0, 6.0, 0.0), (0.3, 2.0, 0.0),
    (0.0, None, 1.0), (0.2, 3.0, 1.5), (0.1, None, -1.0), (0.0, 2.5, -1.0)])
def test_relu_options(alpha, max_value, threshold):
    x = X.astype(np.float64)
    # Keras 2 semantics: zero out x <= threshold, clip to [0, max_value], leak alpha*(x-thr).
    expected = np.where(x > threshold, x, 0.0)
    if max_value is not None:
        expected = np.clip(expected, 0, max_value)
    elif threshold == 0:
        expected = np.maximum(expected, 0)
    expected = expected - alpha * np.maximum(threshold - x, 0)
    out = A.relu(X, alpha=alpha, max_value=max_value, threshold=threshold)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)
    # Keras 3 spelling
    np.testing.assert_allclose(A.relu(X, negative_slope=alpha, max_value=max_value,
                                      threshold=threshold).numpy(), out.numpy())


def test_elu_alpha_leaky_alias_and_gelu_approximate():
    np.testing.assert_allclose(A.elu(X, alpha=0.5).numpy(),
                               np.where(X > 0, X, 0.5 * np.expm1(X)), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(A.leaky_relu(X, alpha=0.05).numpy(),
                               np.where(X > 0, X, 0.05 * X), rtol=1e-6)
    x = X.astype(np.float64)
    approx = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(A.gelu(X, approximate=True).numpy(), approx, rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(A.silu(X, beta=2.0).numpy(), X * _sig(2 * x), rtol=1e-5)


def test_softmax_axes():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7.0
    for axis in (-1, 0, 1):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        np.testing.assert_allclose(A.softmax(x, axis=axis).numpy(),
                                   e / e.sum(axis=axis, keepdims=True), rtol=1e-5)
        np.testing.assert_allclose(A.log_softmax(x, axis=axis).numpy(),
                                   np.log(e / e.sum(axis=axis, keepdims=True)), rtol=1e-5,
                                   atol=1e-6)
    e = np.exp(x - x.max(axis=(1, 2), keepdims=True))
    out = A.softmax(x, axis=(1, 2))
    np.testing.assert_allclose(out.numpy(), e / e.sum(axis=(1, 2), keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(A.log_softmax(x, axis=(1, 2)).numpy(), np.log(out.numpy()),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(A.softmax([1.0, 2.0, 3.0]).numpy().sum(), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="scalar"):
        A.softmax(3.0)


def test_get_identifiers():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu
    assert A.get(A.tanh) is A.tanh
    fn = lambda x: x * 2
    assert A.get(fn) is fn
    assert A.get(tf.nn.relu) is tf.nn.relu
    assert A.get({"class_name": "function", "config": "softmax", "module": "keras.activations",
                  "registered_name": "softmax"}) is A.softmax
    assert A.get("Softmax") is A.softmax  # CamelCase spelling of the function name
    with pytest.raises(ValueError) as e:
        A.get("rellu")
    assert "'relu'" in str(e.value) and "Did you mean" in str(e.value)
    assert "sigmoid" in str(e.value)  # the valid names are listed
    with pytest.raises(ValueError):
        A.get(42)


def test_serialize_roundtrip():
    for name in REFERENCE:
        fn = A.get(name)
        assert A.deserialize(A.serialize(fn)) is fn
    assert A.serialize(A.swish) in ("swish", "silu")
    assert A.serialize(None) == "linear"

    def my_act(x):
        return x

    assert A.serialize(my_act) == "my_act"
    assert A.deserialize("my_act", custom_objects={"my_act": my_act}) is my_act


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "selu", "softplus", "softsign",
                                  "swish", "gelu", "mish", "softmax", "log_softmax",
                                  "hard_silu", "exponential"])
def test_gradients_match_finite_differences(name):
    fn = A.get(name)
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, size=(3, 4))
    x = np.where(np.abs(x) < 0.05, 0.3, x)  # keep away from kinks
    check_gradient(lambda t: fn(t), [x], [0], rng)


def test_relu_gradient_with_options():
    x = tf.constant([-3.0, -0.5, 0.5, 2.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = A.relu(x, alpha=0.1, max_value=3.0, threshold=0.0)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, [0.1, 0.1, 1.0, 1.0, 0.0], rtol=1e-6)


def test_activations_read_no_host_values(monkeypatch):
    """Activations run inside traced train steps: no .numpy()/bool()/float() on Tensors."""
    x = tf.constant(X.reshape(3, 7))

    def forbidden(self, *args, **kwargs):
        raise AssertionError("host value read")

    for name in ("numpy", "__bool__", "__float__", "__int__", "__index__", "__array__"):
        monkeypatch.setattr(tf.Tensor, name, forbidden)
    for name in REFERENCE:
        assert isinstance(A.get(name)(x), tf.Tensor)
    assert isinstance(A.relu(x, alpha=0.1, max_value=2.0, threshold=0.5), tf.Tensor)
    assert isinstance(A.softmax(x, axis=(0, 1)), tf.Tensor)
