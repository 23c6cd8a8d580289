"""A test harness for Keras layers: one call checks the behaviours every layer must have.

`check_layer(layer_cls, kwargs, input_shape)`:

1. builds the layer on random data and compares the output shape / dtype with
   `compute_output_shape` and with the expected values given;
2. calls it in training mode too (same shape);
3. calls a fresh instance on a symbolic `keras.Input` (batch dimension unknown): the KerasTensor
   shape must agree with the eager one, and a Functional model around it, given the first
   layer's weights, must give the same outputs;
4. rebuilds the layer with `from_config(get_config())` (the config must be JSON-serializable
   unless `json_config=False`), sets the weights and compares outputs;
5. checks `get_weights` / `set_weights` round trips and their shape errors;
6. checks that a GradientTape reaches every trainable weight;
7. when the trainer exists (`Model.compile`), runs one `fit` step on a small model and checks
   the loss is finite; otherwise this step reports itself as skipped.

It returns a `LayerCheck` holding the eager output and what was skipped.

Example:
    >>> from flowgrad.testing.layer_harness import check_layer
    >>> import flowgrad as tf
    >>> r = check_layer(tf.keras.layers.Dense, {"units": 3}, input_shape=(2, 4))
    >>> r.output.shape
    (2, 3)
"""

import json

import numpy as np


class LayerCheck:
    """What `check_layer` found: `output` (NumPy), `layer`, and `skipped` (reasons)."""

    def __init__(self, layer, output, skipped):
        self.layer = layer
        self.output = output
        self.skipped = skipped

    def __repr__(self):
        return f"<LayerCheck {type(self.layer).__name__} output {self.output.shape} " \
               f"skipped={self.skipped}>"


def _is_multi(input_shape):
    return isinstance(input_shape, list) and input_shape and \
        isinstance(input_shape[0], (tuple, list))


def _make_data(shape, dtype, rng):
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        return rng.integers(0, 10, size=shape).astype(dt)
    if dt.kind == "b":
        return rng.random(shape) > 0.5
    return rng.standard_normal(shape).astype(dt)


def _np(x):
    if isinstance(x, (list, tuple)):
        return [_np(v) for v in x]
    return np.asarray(x.numpy() if hasattr(x, "numpy") else x)


def _close(a, b, rtol, atol, what):
    if isinstance(a, list):
        assert len(a) == len(b), f"{what}: {len(a)} outputs vs {len(b)}"
        for x, y in zip(a, b):
            _close(x, y, rtol, atol, what)
        return
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def _shape_of(x):
    if isinstance(x, list):
        return [_shape_of(v) for v in x]
    return tuple(x.shape)


def _compatible(sym, real):
    """A symbolic shape (None = unknown) agrees with a concrete one."""
    if isinstance(real, list):
        return len(sym) == len(real) and all(_compatible(s, r) for s, r in zip(sym, real))
    sym = tuple(sym)
    return len(sym) == len(real) and all(s is None or s == r for s, r in zip(sym, real))


def _fresh_weights(weights, rng):
    return [(_make_data(w.shape, w.dtype, rng) * 0.5 + (1.0 if w.dtype.kind == "f" else 0))
            .astype(w.dtype) for w in weights]


def check_layer(layer_cls, kwargs=None, input_shape=(2, 3), input_dtype="float32",
                input_data=None, expected_output=None, expected_output_shape=None,
                expected_output_dtype=None, call_kwargs=None, custom_objects=None,
                json_config=True, symbolic=True, fit=True, deterministic=True,
                rtol=1e-5, atol=1e-5, seed=0):
    """Runs the generic layer checks (see the module docstring) and returns a `LayerCheck`.

    Args:
        layer_cls: the layer class.
        kwargs: constructor arguments.
        input_shape: the input shape with its batch dimension, or a list of shapes for layers
            taking a list of inputs (merge layers).
        input_dtype: the input dtype (integers are drawn from [0, 10)).
        input_data: an explicit input (array or list of arrays) instead of random data.
        expected_output: the expected eager output (inference mode).
        expected_output_shape: the expected output shape; None entries match anything.
        expected_output_dtype: the expected output dtype name (default: the layer's
            compute dtype for floating inputs).
        call_kwargs: extra arguments for every call.
        json_config: require `get_config()` to be JSON-serializable.
        symbolic: run the KerasTensor / Functional checks.
        fit: run one training step when the trainer is available.
        deterministic: whether inference outputs are reproducible (compared across
            instances); layers whose output is random even at inference set it False.
    """
    import flowgrad as tf
    from flowgrad import keras

    kwargs = dict(kwargs or {})
    call_kwargs = dict(call_kwargs or {})
    rng = np.random.default_rng(seed)
    skipped = []
    multi = _is_multi(input_shape)
    if input_data is None:
        if multi:
            input_data = [_make_data(tuple(s), input_dtype, rng) for s in input_shape]
        else:
            input_data = _make_data(tuple(input_shape), input_dtype, rng)
    else:
        input_data = [np.asarray(v) for v in input_data] if multi else np.asarray(input_data)
        input_shape = [v.shape for v in input_data] if multi else input_data.shape
    x = [tf.constant(v) for v in input_data] if multi else tf.constant(input_data)
    name = layer_cls.__name__

    # 1. eager call, shapes and dtypes ---------------------------------------------------------
    layer = layer_cls(**kwargs)
    y = layer(x, **call_kwargs)
    assert layer.built, f"{name}: not built after the first call"
    y_np = _np(y)
    out_shape = _shape_of(y_np)
    if expected_output_shape is not None:
        assert _compatible(expected_output_shape, out_shape), \
            f"{name}: output shape {out_shape}, expected {expected_output_shape}"
    outs = y if isinstance(y, (list, tuple)) else [y]
    if expected_output_dtype is None:
        in_dtype = np.dtype(input_dtype)
        if in_dtype.kind == "f":
            expected_output_dtype = layer.compute_dtype
    if expected_output_dtype is not None:
        for o in outs:
            assert o.dtype.name == str(expected_output_dtype), \
                f"{name}: output dtype {o.dtype.name}, expected {expected_output_dtype}"
    if expected_output is not None:
        _close(y_np, _np(expected_output) if not isinstance(expected_output, np.ndarray)
               else expected_output, rtol, atol, f"{name}: output vs expected")
    try:
        cos = layer.compute_output_shape(
            [tuple(s) for s in input_shape] if multi else tuple(input_shape))
    except NotImplementedError:
        skipped.append("compute_output_shape")
    else:
        cos_list = [tuple(s) for s in cos] if isinstance(cos, list) else tuple(cos)
        assert _compatible(cos_list, out_shape), \
            f"{name}: compute_output_shape gives {cos_list}, the call gave {out_shape}"
    # deterministic inference
    if deterministic:
        _close(_np(layer(x, **call_kwargs)), y_np, rtol, atol, f"{name}: second call differs")

    # 2. training mode ---------------------------------------------------------------------------
    y_train = layer(x, training=True, **call_kwargs)
    assert _shape_of(_np(y_train)) == out_shape, f"{name}: training output shape differs"

    # 3. symbolic call and Functional model ------------------------------------------------------
    if symbolic:
        if multi:
            inputs = [keras.Input(shape=tuple(s[1:]), dtype=input_dtype) for s in input_shape]
        else:
            inputs = keras.Input(shape=tuple(input_shape[1:]), dtype=input_dtype)
        sym_layer = layer_cls(**kwargs)
        sym = sym_layer(inputs, **call_kwargs)
        sym_list = sym if isinstance(sym, (list, tuple)) else [sym]
        real_list = out_shape if isinstance(out_shape, list) else [out_shape]
        for s, r in zip(sym_list, real_list):
            shp = tuple(s.shape.as_list())
            assert _compatible(shp, r), \
                f"{name}: symbolic output shape {shp} does not match the eager {r}"
            assert not shp or shp[0] is None, \
                f"{name}: the symbolic batch dimension should stay None, got {shp}"
        for s, o in zip(sym_list, outs):
            assert s.dtype == o.dtype, f"{name}: symbolic dtype {s.dtype.name} vs eager " \
                                       f"{o.dtype.name}"
        model = keras.Model(inputs, sym)
        sym_layer.set_weights(layer.get_weights())
        if deterministic:
            _close(_np(model(x)), _np(layer(x, **call_kwargs)), rtol, atol,
                   f"{name}: Functional model output differs")
        assert model.count_params() == layer.count_params()

    # 4. config round trip -------------------------------------------------------------------------
    config = layer.get_config()
    if json_config:
        json.dumps(config, default=_json_default)
    if hasattr(layer_cls.from_config, "__func__") and "custom_objects" in \
            layer_cls.from_config.__func__.__code__.co_varnames:
        clone = layer_cls.from_config(config, custom_objects=custom_objects)
    else:
        clone = layer_cls.from_config(config)
    assert clone.get_config() == config or _json(clone.get_config()) == _json(config), \
        f"{name}: get_config of the clone differs"
    clone(x, **call_kwargs)
    clone.set_weights(layer.get_weights())
    if deterministic:
        _close(_np(clone(x, **call_kwargs)), _np(layer(x, **call_kwargs)), rtol, atol,
               f"{name}: from_config clone output differs")

    # 5. weights ------------------------------------------------------------------------------
    weights = layer.get_weights()
    assert len(weights) == len(layer.weights)
    assert layer.count_params() == sum(int(np.prod(w.shape)) for w in weights)
    if weights:
        new = _fresh_weights(weights, rng)
        layer.set_weights(new)
        for a, b in zip(layer.get_weights(), new):
            np.testing.assert_array_equal(a, b)
        try:
            layer.set_weights(new[:-1])
        except ValueError as e:
            assert layer.name in str(e), f"{name}: set_weights error does not name the layer"
        else:
            raise AssertionError(f"{name}: set_weights accepted a short list")
        bad = [np.zeros(tuple(d + 1 for d in w.shape) or (1,), w.dtype) for w in new]
        try:
            layer.set_weights(bad)
        except ValueError:
            pass
        else:
            raise AssertionError(f"{name}: set_weights accepted wrong shapes")
        layer.set_weights(weights)

    # 6. gradients reach the trainable weights -----------------------------------------------
    if layer.trainable_weights and np.dtype(input_dtype).kind == "f":
        with tf.GradientTape() as tape:
            out = layer(x, training=True, **call_kwargs)
            loss = sum(tf.reduce_sum(o * o) for o in (out if isinstance(out, (list, tuple))
                                                     else [out]))
        grads = tape.gradient(loss, layer.trainable_weights)
        for v, g in zip(layer.trainable_weights, grads):
            assert g is not None, f"{name}: no gradient for {v.name}"
            assert tuple(g.shape) == tuple(v.shape)

    # 7. one fit step --------------------------------------------------------------------------
    if fit:
        reason = _fit_step(layer_cls, kwargs, input_shape, input_dtype, input_data, out_shape,
                           call_kwargs, multi)
        if reason:
            skipped.append(reason)
    return LayerCheck(layer, y_np, skipped)


def _fit_step(layer_cls, kwargs, input_shape, input_dtype, input_data, out_shape,
              call_kwargs, multi):
    from flowgrad import keras
    model_cls = keras.Model
    compile_fn = getattr(model_cls, "compile", None)
    if compile_fn is None or getattr(model_cls, "fit", None) is None:
        return "fit (Model.compile / fit not available yet)"
    if isinstance(out_shape, list):
        return "fit (multi-output layer)"
    if np.dtype(input_dtype).kind != "f":
        return "fit (integer inputs)"
    if multi:
        inputs = [keras.Input(shape=tuple(s[1:]), dtype=input_dtype) for s in input_shape]
    else:
        inputs = keras.Input(shape=tuple(input_shape[1:]), dtype=input_dtype)
    out = layer_cls(**kwargs)(inputs, **call_kwargs)
    model = keras.Model(inputs, out)
    try:
        model.compile(optimizer="sgd", loss="mse")
    except NotImplementedError:
        return "fit (Model.compile not implemented yet)"
    target = np.zeros(out_shape, dtype="float32")
    history = model.fit(input_data, target, epochs=1, batch_size=len(target), verbose=0)
    losses = getattr(history, "history", {}).get("loss", [])
    assert all(np.isfinite(losses)), f"{layer_cls.__name__}: fit gave a non-finite loss {losses}"
    return None


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"config value {o!r} ({type(o).__name__}) is not JSON-serializable")


def _json(config):
    return json.loads(json.dumps(config, default=_json_default))
