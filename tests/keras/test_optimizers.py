"""tf.keras.optimizers: each update rule step by step against closed-form NumPy updates written
here, clipping / weight decay / EMA / accumulation, the learning rate as a Variable and as a
schedule, state as arrays, get / serialize round trips, minimize, and the error messages."""

import warnings

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras import optimizers
from flowgrad.keras.optimizers import schedules

SHAPES = [(3, 4), (4,), (2,)]
STEPS = 4


def _problem(seed=0):
    """Initial values and per-step gradients; some gradients are None (variable 2 at step 1,
    variable 0 at step 2)."""
    rng = np.random.default_rng(seed)
    init = [rng.normal(size=s).astype("float32") for s in SHAPES]
    grads = [[rng.normal(size=s).astype("float32") for s in SHAPES] for _ in range(STEPS)]
    grads[1][2] = None
    grads[2][0] = None
    return init, grads


# -- closed-form references: ref(w, g, state, t, lr, hp) -> new w, with t the 1-based step --------
def ref_sgd(w, g, s, t, lr, momentum=0.0, nesterov=False):
    if momentum == 0:
        return w - lr * g
    m = s.get("m", np.zeros_like(w))
    m = momentum * m - lr * g
    s["m"] = m
    return w + (momentum * m - lr * g if nesterov else m)


def ref_adam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False):
    m = s["m"] = beta_1 * s.get("m", 0 * w) + (1 - beta_1) * g
    v = s["v"] = beta_2 * s.get("v", 0 * w) + (1 - beta_2) * g * g
    if amsgrad:
        v = s["vhat"] = np.maximum(s.get("vhat", 0 * w), v)
    alpha = lr * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
    return w - alpha * m / (np.sqrt(v) + epsilon)


def ref_rmsprop(w, g, s, t, lr, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False):
    v = s["v"] = rho * s.get("v", 0 * w) + (1 - rho) * g * g
    if centered:
        a = s["a"] = rho * s.get("a", 0 * w) + (1 - rho) * g
        step = lr * g / np.sqrt(v - a * a + epsilon)
    else:
        step = lr * g / np.sqrt(v + epsilon)
    if momentum > 0:
        step = s["mom"] = momentum * s.get("mom", 0 * w) + step
    return w - step


def ref_adagrad(w, g, s, t, lr, initial_accumulator_value=0.1, epsilon=1e-7):
    acc = s["acc"] = s.get("acc", np.full_like(w, initial_accumulator_value)) + g * g
    return w - lr * g / np.sqrt(acc + epsilon)


def ref_adadelta(w, g, s, t, lr, rho=0.95, epsilon=1e-7):
    eg = s["eg"] = rho * s.get("eg", 0 * w) + (1 - rho) * g * g
    delta = np.sqrt(s.get("ed", 0 * w) + epsilon) / np.sqrt(eg + epsilon) * g
    s["ed"] = rho * s.get("ed", 0 * w) + (1 - rho) * delta * delta
    return w - lr * delta


def ref_adamax(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    m = s["m"] = beta_1 * s.get("m", 0 * w) + (1 - beta_1) * g
    u = s["u"] = np.maximum(beta_2 * s.get("u", 0 * w), np.abs(g))
    return w - lr / (1 - beta_1 ** t) * m / (u + epsilon)


def _nadam_u(t, beta_1):
    return beta_1 * (1 - 0.5 * 0.96 ** t)


def ref_nadam(w, g, s, t, lr, beta_1=0.9, beta_2=0.999, epsilon=1e-7, u_product=None):
    # u_product: the product u_1 ... u_t of the optimizer's schedule (over optimizer steps).
    m = s["m"] = beta_1 * s.get("m", 0 * w) + (1 - beta_1) * g
    v = s["v"] = beta_2 * s.get("v", 0 * w) + (1 - beta_2) * g * g
    u_t, u_next = _nadam_u(t, beta_1), _nadam_u(t + 1, beta_1)
    m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
    v_hat = v / (1 - beta_2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + epsilon)


def ref_ftrl(w, g, s, t, lr, learning_rate_power=-0.5, initial_accumulator_value=0.1,
             l1_regularization_strength=0.0, l2_regularization_strength=0.0,
             l2_shrinkage_regularization_strength=0.0, beta=0.0):
    p = -learning_rate_power
    n = s.get("n", np.full_like(w, initial_accumulator_value))
    z = s.get("z", 0 * w)
    n_new = n + g * g
    z = z + g + 2 * l2_shrinkage_regularization_strength * w - (n_new ** p - n ** p) / lr * w
    l1 = l1_regularization_strength
    quadratic = n_new ** p / lr + 2 * (l2_regularization_strength + beta / (2 * lr))
    s["n"], s["z"] = n_new, z
    return (np.clip(z, -l1, l1) - z) / quadratic


def ref_lion(w, g, s, t, lr, beta_1=0.9, beta_2=0.99):
    m = s.get("m", 0 * w)
    new_w = w - lr * np.sign(beta_1 * m + (1 - beta_1) * g)
    s["m"] = beta_2 * m + (1 - beta_2) * g
    return new_w


CASES = [
    ("SGD", ref_sgd, {"learning_rate": 0.1}),
    ("SGD", ref_sgd, {"learning_rate": 0.1, "momentum": 0.9}),
    ("SGD", ref_sgd, {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adam", ref_adam, {"learning_rate": 0.01}),
    ("Adam", ref_adam, {"learning_rate": 0.02, "beta_1": 0.8, "beta_2": 0.9, "epsilon": 1e-3,
                        "amsgrad": True}),
    ("RMSprop", ref_rmsprop, {"learning_rate": 0.01}),
    ("RMSprop", ref_rmsprop, {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5,
                              "centered": True}),
    ("Adagrad", ref_adagrad, {"learning_rate": 0.1}),
    ("Adagrad", ref_adagrad, {"learning_rate": 0.1, "initial_accumulator_value": 0.5,
                              "epsilon": 1e-3}),
    ("Adadelta", ref_adadelta, {"learning_rate": 1.0}),
    ("Adamax", ref_adamax, {"learning_rate": 0.01}),
    ("Nadam", ref_nadam, {"learning_rate": 0.01}),
    ("Ftrl", ref_ftrl, {"learning_rate": 0.1}),
    ("Ftrl", ref_ftrl, {"learning_rate": 0.1, "learning_rate_power": -0.7,
                        "initial_accumulator_value": 0.2, "l1_regularization_strength": 0.01,
                        "l2_regularization_strength": 0.02,
                        "l2_shrinkage_regularization_strength": 0.03, "beta": 0.1}),
    ("Lion", ref_lion, {"learning_rate": 0.01}),
]


def _run(opt, init, grads, dtype="float32"):
    """Applies the gradients step by step; returns the variables' values after each step."""
    vs = [tf.Variable(x.astype(dtype), name=f"w{i}") for i, x in enumerate(init)]
    history = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for gs in grads:
            opt.apply_gradients(
                [(None if g is None else tf.constant(g.astype(dtype)), v) for g, v in zip(gs, vs)])
            history.append([v.numpy().copy() for v in vs])
    return vs, history


def _reference(ref, init, grads, hp, lr_at=None):
    """The closed-form trajectory: a variable's state advances only on steps with a gradient,
    while the step count t (bias corrections) is the optimizer's."""
    hp = dict(hp)
    lr = hp.pop("learning_rate")
    ws = [x.astype(np.float64) for x in init]
    states = [{} for _ in init]
    out = []
    u_product = 1.0
    for step, gs in enumerate(grads):
        t = step + 1
        u_product *= _nadam_u(t, hp.get("beta_1", 0.9))
        extra = {"u_product": u_product} if ref is ref_nadam else {}
        rate = lr if lr_at is None else lr_at(step)
        for i, g in enumerate(gs):
            if g is not None:
                ws[i] = ref(ws[i], g.astype(np.float64), states[i], t, rate, **hp, **extra)
        out.append([w.copy() for w in ws])
    return out


@pytest.mark.parametrize("name,ref,hp", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_update_rule_matches_closed_form(name, ref, hp):
    init, grads = _problem()
    opt = getattr(optimizers, name)(**hp)
    _, got = _run(opt, init, grads)
    want = _reference(ref, init, grads, hp)
    for step, (g_vals, w_vals) in enumerate(zip(got, want)):
        for a, b in zip(g_vals, w_vals):
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6, err_msg=f"step {step}")
    assert int(opt.iterations) == STEPS


def test_adamw_is_adam_after_decoupled_decay():
    init, grads = _problem(1)
    opt = optimizers.AdamW(learning_rate=0.01, weight_decay=0.1)
    _, got = _run(opt, init, grads)

    def ref(w, g, s, t, lr):
        return ref_adam(w - w * 0.1 * lr, g, s, t, lr)
    want = _reference(ref, init, grads, {"learning_rate": 0.01})
    for a, b in zip(got[-1], want[-1]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)
    assert optimizers.AdamW().weight_decay == 0.004


def test_float64_variables_and_mixed_dtypes():
    init, grads = _problem(2)
    opt = optimizers.Adam(learning_rate=0.01)
    _, got = _run(opt, init, grads, dtype="float64")
    want = _reference(ref_adam, init, grads, {"learning_rate": 0.01})
    for a, b in zip(got[-1], want[-1]):
        assert a.dtype == np.float64
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)  # lr is a float32 Variable
    # float32 and float64 variables in one optimizer.
    w32, w64 = tf.Variable([1.0, 2.0]), tf.Variable(np.array([1.0, 2.0]))
    opt = optimizers.SGD(0.5)
    opt.apply_gradients([(tf.constant([1.0, 1.0]), w32),
                         (tf.constant(np.array([1.0, 1.0])), w64)])
    np.testing.assert_allclose(w32.numpy(), [0.5, 1.5])
    np.testing.assert_allclose(w64.numpy(), [0.5, 1.5])


# -- clipping, weight decay, EMA, accumulation, loss scaling --------------------------------------
def _sgd_step(grads, **kw):
    vs = [tf.Variable(np.zeros(np.shape(g), "float32")) for g in grads]
    opt = optimizers.SGD(learning_rate=1.0, **kw)
    opt.apply_gradients([(tf.constant(np.asarray(g, "float32")), v) for g, v in zip(grads, vs)])
    return [-v.numpy() for v in vs]   # the gradient actually applied


def test_clipnorm_is_per_variable():
    g1, g2 = np.array([3.0, 4.0]), np.array([0.3, 0.4])
    c1, c2 = _sgd_step([g1, g2], clipnorm=1.0)
    np.testing.assert_allclose(c1, g1 / 5.0, rtol=1e-6)
    np.testing.assert_allclose(c2, g2, rtol=1e-6)   # norm 0.5 <= 1: unchanged


def test_clipvalue():
    (c,) = _sgd_step([np.array([-3.0, 0.2, 0.7])], clipvalue=0.5)
    np.testing.assert_allclose(c, [-0.5, 0.2, 0.5], rtol=1e-6)


def test_global_clipnorm_scales_all_gradients_together():
    g1, g2 = np.array([3.0, 0.0]), np.array([0.0, 4.0])
    c1, c2 = _sgd_step([g1, g2], global_clipnorm=2.5)
    np.testing.assert_allclose(c1, g1 * 0.5, rtol=1e-6)
    np.testing.assert_allclose(c2, g2 * 0.5, rtol=1e-6)
    c1, c2 = _sgd_step([g1, g2], global_clipnorm=10.0)
    np.testing.assert_allclose(c1, g1, rtol=1e-6)


def test_clipping_arguments_are_exclusive():
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)


def test_clipping_with_adam_step_by_step():
    init, grads = _problem(3)
    opt = optimizers.Adam(learning_rate=0.01, clipnorm=0.5)
    _, got = _run(opt, init, grads)

    def ref(w, g, s, t, lr):
        n = np.sqrt(np.sum(g * g))
        return ref_adam(w, g * 0.5 / max(n, 0.5), s, t, lr)
    want = _reference(ref, init, grads, {"learning_rate": 0.01})
    for step in range(STEPS):
        for a, b in zip(got[step], want[step]):
            np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


def test_weight_decay_and_exclusions():
    w, b = tf.Variable([1.0, 2.0], name="dense/kernel"), tf.Variable([1.0], name="dense/bias")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_names=["bias"])
    opt.apply_gradients([(tf.constant([0.0, 1.0]), w), (tf.constant([1.0]), b)])
    np.testing.assert_allclose(w.numpy(), [1 - 0.05, 2 - 0.1 - 0.1], rtol=1e-6)
    np.testing.assert_allclose(b.numpy(), [0.9], rtol=1e-6)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["x"])
    v = tf.Variable([1.0])
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[v])
    opt.apply_gradients([(tf.constant([0.0]), v)])
    np.testing.assert_allclose(v.numpy(), [1.0])


def test_ema_averages_and_finalize():
    v = tf.Variable([0.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5)
    avg = None
    for k in range(3):
        opt.apply_gradients([(tf.constant([-1.0]), v)])
        val = k + 1.0
        avg = val if avg is None else 0.5 * avg + 0.5 * val   # the first step copies
        np.testing.assert_allclose(opt.get_slot(v, "average").numpy(), [avg])
    assert opt.get_slot_names()[0] == "average"
    opt.finalize_variable_values([v])
    np.testing.assert_allclose(v.numpy(), [avg])
    with pytest.raises(ValueError, match="ema_momentum"):
        optimizers.SGD(use_ema=True, ema_momentum=1.5)


def test_ema_overwrite_frequency():
    v = tf.Variable([0.0])
    opt = optimizers.SGD(learning_rate=1.0, use_ema=True, ema_momentum=0.5,
                         ema_overwrite_frequency=2)
    opt.apply_gradients([(tf.constant([-1.0]), v)])   # v=1, avg=1
    np.testing.assert_allclose(v.numpy(), [1.0])
    opt.apply_gradients([(tf.constant([-1.0]), v)])   # v=2, avg=1.5, overwritten
    np.testing.assert_allclose(v.numpy(), [1.5])


def test_gradient_accumulation_updates_every_n_steps_with_the_mean():
    v = tf.Variable([0.0])
    opt = optimizers.SGD(learning_rate=1.0, gradient_accumulation_steps=3)
    seen = []
    for g in [1.0, 2.0, 6.0, 3.0]:
        opt.apply_gradients([(tf.constant([g]), v)])
        seen.append(float(v.numpy()[0]))
    assert seen == [0.0, 0.0, -3.0, -3.0]
    assert int(opt.iterations) == 1          # counted in updates, as Keras 3 does
    with pytest.raises(ValueError, match="gradient_accumulation_steps"):
        optimizers.SGD(gradient_accumulation_steps=1)


def test_loss_scale_factor():
    (c,) = _sgd_step([np.array([4.0])], loss_scale_factor=4.0)
    np.testing.assert_allclose(c, [1.0])
    opt = optimizers.SGD(loss_scale_factor=8.0)
    assert float(opt.scale_loss(tf.constant(2.0))) == 16.0


def test_constraint_applied_after_update():
    v = tf.Variable([1.0, -1.0], constraint=lambda x: tf.maximum(x, 0.0))
    optimizers.SGD(1.0).apply_gradients([(tf.constant([2.0, 2.0]), v)])
    np.testing.assert_allclose(v.numpy(), [0.0, 0.0])


# -- learning rate --------------------------------------------------------------------------------
def test_learning_rate_is_a_float32_variable_and_settable():
    opt = optimizers.Adam(learning_rate=0.01)
    assert isinstance(opt.learning_rate, tf.Variable)
    assert opt.learning_rate.dtype == tf.float32 and not opt.learning_rate.trainable
    assert opt.lr is opt.learning_rate
    opt.learning_rate = 0.5
    assert float(opt.learning_rate) == 0.5
    opt.lr = 0.25
    assert float(opt.learning_rate) == 0.25
    opt.learning_rate.assign(0.125)
    assert opt.get_config()["learning_rate"] == 0.125
    opt.learning_rate = tf.constant(2.0)
    assert float(opt.lr) == 2.0
    assert optimizers.SGD(learning_rate=1).get_config()["learning_rate"] == 1.0
    # A float-built optimizer can switch to a schedule; the rate Variable is then untracked.
    opt.build([tf.Variable([1.0, 2.0])])
    opt.learning_rate = schedules.ExponentialDecay(0.1, 10, 0.5)
    assert opt.variables[0].name == "iteration:0" and len(opt.variables) == 3
    assert all("learning_rate" not in v.name for v in opt.variables)
    assert float(opt.learning_rate) == pytest.approx(0.1)


@pytest.mark.parametrize("how", ["setter", "assign", "lr"])
def test_learning_rate_change_mid_training_takes_effect(how):
    init, grads = _problem(4)
    grads = [[g if g is not None else np.ones_like(init[i]) for i, g in enumerate(gs)]
             for gs in grads]
    opt = optimizers.Adam(learning_rate=0.01)
    vs = [tf.Variable(x) for x in init]
    for step, gs in enumerate(grads):
        if step == 2:
            if how == "setter":
                opt.learning_rate = 0.05
            elif how == "assign":
                opt.learning_rate.assign(0.05)
            else:
                opt.lr.assign(0.05)     # keras.backend.set_value(opt.lr, 0.05) does this
        opt.apply_gradients([(tf.constant(g), v) for g, v in zip(gs, vs)])
    want = _reference(ref_adam, init, grads, {"learning_rate": 0.01},
                      lr_at=lambda s: 0.01 if s < 2 else 0.05)
    for a, b in zip([v.numpy() for v in vs], want[-1]):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


TRACED_CASES = [
    ("Adam", {"learning_rate": 0.01, "clipnorm": 1.0}),
    ("SGD", {"learning_rate": schedules.PiecewiseConstantDecay([1], [0.1, 0.01]),
             "momentum": 0.9, "weight_decay": 0.01}),
    ("Nadam", {"learning_rate": 0.01, "gradient_accumulation_steps": 2}),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01, "use_ema": True}),
    ("RMSprop", {"learning_rate": 0.01, "centered": True, "global_clipnorm": 1.0}),
]


@pytest.mark.skipif(not hasattr(tf, "function"), reason="flowgrad.function is not available")
@pytest.mark.parametrize("name,kw", TRACED_CASES, ids=[c[0] for c in TRACED_CASES])
def test_traced_step_matches_eager_and_sees_learning_rate_changes(name, kw):
    init, grads = _problem(5)
    grads = [[g if g is not None else np.ones_like(init[i]) for i, g in enumerate(gs)]
             for gs in grads]
    results = []
    for traced in (False, True):
        opt = getattr(optimizers, name)(**kw)
        vs = [tf.Variable(x) for x in init]

        def step(*gs):
            opt.apply_gradients(zip(gs, vs))
        run = tf.function(step) if traced else step
        for k, gs in enumerate(grads):
            if k == 2 and isinstance(opt.learning_rate, tf.Variable):
                opt.learning_rate = 0.05     # after the trace: must still take effect
            run(*[tf.constant(g) for g in gs])
        results.append([v.numpy() for v in vs] + opt.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    if isinstance(opt.learning_rate, tf.Variable):
        assert float(opt.learning_rate) == pytest.approx(0.05)


def test_schedule_learning_rate_uses_iterations():
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    opt = optimizers.SGD(learning_rate=sched)
    v = tf.Variable([0.0])
    for k in range(3):
        assert float(opt.learning_rate) == pytest.approx(0.1 * 0.5 ** k)
        opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-(0.1 + 0.05 + 0.025)], rtol=1e-6)
    assert [w.name for w in opt.variables] == ["iteration:0"]
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.5
    cfg = opt.get_config()
    assert cfg["learning_rate"]["class_name"] == "ExponentialDecay"
    again = optimizers.SGD.from_config(cfg)
    assert isinstance(again._learning_rate, schedules.ExponentialDecay)


def test_callable_learning_rate_and_legacy_decay():
    v = tf.Variable([0.0])
    opt = optimizers.SGD(learning_rate=lambda: 0.5)
    opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-0.5])
    # tf.keras 2.x: `lr=` and `decay=` (lr / (1 + decay * iterations)).
    v = tf.Variable([0.0])
    opt = optimizers.legacy.SGD(lr=1.0, decay=1.0)
    for _ in range(3):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-(1 + 1 / 2 + 1 / 3)], rtol=1e-6)
    assert opt.get_config()["decay"] == 1.0


# -- state ----------------------------------------------------------------------------------------
def test_iterations_and_variables_order():
    k = tf.Variable(np.ones((2, 2), "float32"), name="dense/kernel")
    b = tf.Variable([0.0, 0.0], name="dense/bias")
    opt = optimizers.Adam(amsgrad=True)
    assert opt.iterations.dtype == tf.int64 and not opt.iterations.trainable
    assert not opt.built and len(opt.variables) == 2
    opt.build([k, b])
    assert [v.name[:-2] for v in opt.variables] == [
        "iteration", "learning_rate", "dense_kernel_momentum", "dense_kernel_velocity",
        "dense_bias_momentum", "dense_bias_velocity", "dense_kernel_velocity_hat",
        "dense_bias_velocity_hat"]
    assert opt.variables() == opt.variables      # tf.keras 2.x called it
    assert all(not v.trainable for v in opt.variables)
    assert opt.get_slot_names() == ["momentum", "velocity", "velocity_hat"]
    assert opt.get_slot(k, "m") is opt.get_slot(k, "momentum")
    assert tuple(opt.get_slot(b, "v").shape) == (2,)
    with pytest.raises(KeyError):
        opt.get_slot(k, "nope")
    assert [v.name[:-2] for v in _built(optimizers.RMSprop(momentum=0.5, centered=True))] == [
        "iteration", "learning_rate", "a_velocity", "b_velocity", "a_momentum", "b_momentum",
        "a_average_gradient", "b_average_gradient"]
    assert [v.name[:-2] for v in _built(optimizers.SGD())] == ["iteration", "learning_rate"]
    assert [v.name[:-2] for v in _built(optimizers.Nadam())][-1] == "u_product"


def _built(opt):
    opt.build([tf.Variable([1.0], name="a"), tf.Variable([1.0], name="b")])
    return opt.variables


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "Nadam", "Ftrl", "SGD"])
def test_weights_round_trip_resumes_training_exactly(name):
    init, grads = _problem(6)
    grads = [[g if g is not None else np.ones_like(init[i]) for i, g in enumerate(gs)]
             for gs in grads]
    kw = {"momentum": 0.9} if name in ("SGD", "RMSprop") else {}
    a, vs_a = getattr(optimizers, name)(**kw), [tf.Variable(x) for x in init]
    for gs in grads[:2]:
        a.apply_gradients([(tf.constant(g), v) for g, v in zip(gs, vs_a)])
    b, vs_b = getattr(optimizers, name)(**kw), [tf.Variable(v.numpy()) for v in vs_a]
    b.build(vs_b)
    b.set_weights(a.get_weights())
    store = {}
    a.save_own_variables(store)
    assert sorted(store, key=int) == [str(i) for i in range(len(a.variables))]
    c, vs_c = getattr(optimizers, name)(**kw), [tf.Variable(v.numpy()) for v in vs_a]
    c.build(vs_c)
    c.load_own_variables(store)
    for gs in grads[2:]:
        for opt, vs in ((a, vs_a), (b, vs_b), (c, vs_c)):
            opt.apply_gradients([(tf.constant(g), v) for g, v in zip(gs, vs)])
    for x, y, z in zip(vs_a, vs_b, vs_c):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
        np.testing.assert_array_equal(x.numpy(), z.numpy())
    assert int(b.iterations) == STEPS


def test_set_weights_errors():
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="not yet been built"):
        opt.set_weights([])
    opt.build([tf.Variable([1.0, 2.0])])
    with pytest.raises(ValueError, match="4 variables"):
        opt.set_weights([np.int64(0)])
    w = opt.get_weights()
    w[2] = np.zeros(3)
    with pytest.raises(ValueError, match="shape"):
        opt.set_weights(w)
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        opt.load_own_variables({"0": np.int64(1)})


def test_new_variables_after_build_get_state():
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    opt = optimizers.Adam(0.1)
    opt.apply_gradients([(tf.constant([1.0]), a)])
    opt.apply_gradients([(tf.constant([1.0]), a), (tf.constant([1.0]), b)])
    assert len(opt.variables) == 6
    # b's first update has t=2 bias correction: alpha * m / sqrt(v) with m=0.1, v=0.001.
    alpha = 0.1 * np.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2)
    np.testing.assert_allclose(b.numpy(), [2.0 - alpha * 0.1 / (np.sqrt(0.001) + 1e-7)],
                               rtol=1e-5)


def test_keras3_style_custom_optimizer():
    class SignSGD(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, **kwargs):
            super().__init__(learning_rate, **kwargs)

        def build(self, var_list):
            if self.built:
                return
            super().build(var_list)
            self.counts = [self.add_variable_from_reference(v, "count") for v in var_list]

        def update_step(self, gradient, variable, learning_rate):
            self.assign_add(self.counts[self._get_variable_index(variable)],
                            tf.ones_like(gradient))
            self.assign_sub(variable, tf.sign(gradient) * tf.cast(learning_rate, variable.dtype))

    v, w = tf.Variable([1.0, 1.0]), tf.Variable([0.0])
    opt = SignSGD()
    opt.apply_gradients([(tf.constant([3.0, -0.1]), v)])
    np.testing.assert_allclose(v.numpy(), [0.9, 1.1])
    assert opt.variables[-1].name == "Variable_count:0"
    with pytest.raises(ValueError, match="Unknown variable"):
        opt.apply_gradients([(tf.constant([1.0]), w)])
    with pytest.raises(NotImplementedError):
        optimizers.Optimizer(0.1).update_step(tf.constant(1.0), v, 0.1)


def test_tf_keras_2_11_style_custom_optimizer():
    class HalfMomentum(optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, name="HalfMomentum", **kwargs):
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)

        def build(self, var_list):
            super().build(var_list)
            if getattr(self, "_made", False):
                return
            self._made = True
            self.vel = [self.add_variable_from_reference(model_variable=v, variable_name="vel")
                        for v in var_list]

        def update_step(self, gradient, variable):     # no learning_rate argument in 2.11
            lr = tf.cast(self.learning_rate, variable.dtype)
            vel = self.vel[self._index_dict[self._var_key(variable)]]
            vel.assign(0.5 * vel - lr * gradient)
            variable.assign_add(vel)

    v = tf.Variable([1.0])
    opt = HalfMomentum()
    for _ in range(2):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [1.0 - 0.1 - 0.15], rtol=1e-6)


# -- gradients, minimize --------------------------------------------------------------------------
def test_none_gradients_are_skipped_with_a_warning():
    a, b = tf.Variable([1.0], name="a"), tf.Variable([1.0], name="b")
    opt = optimizers.SGD(0.5)
    with pytest.warns(UserWarning, match=r"Gradients do not exist for variables \['b:0'\]"):
        it = opt.apply_gradients([(tf.constant([1.0]), a), (None, b)])
    assert it is opt.iterations and int(it) == 1
    np.testing.assert_allclose([a.numpy(), b.numpy()], [[0.5], [1.0]])


def test_all_gradients_none_raises_naming_the_variables():
    a, b = tf.Variable([1.0], name="dense/kernel"), tf.Variable([1.0], name="dense/bias")
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: "
                                         r"\['dense/kernel:0', 'dense/bias:0'\]"):
        optimizers.Adam().apply_gradients([(None, a), (None, b)])


def test_apply_keras3_signature():
    a, b = tf.Variable([1.0]), tf.Variable([2.0])
    opt = optimizers.SGD(1.0)
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([tf.constant([1.0])])
    opt.build([a, b])
    opt.apply([tf.constant([1.0]), tf.constant([1.0])])
    np.testing.assert_allclose([a.numpy(), b.numpy()], [[0.0], [1.0]])
    with pytest.raises(ValueError, match="1 gradients for 2 variables"):
        opt.apply([tf.constant([1.0])])
    assert opt.apply_gradients([]) is None


def test_minimize_with_callable_loss_and_with_tape():
    x = tf.Variable(3.0)
    opt = optimizers.SGD(learning_rate=0.25)
    opt.minimize(lambda: x * x, [x])
    assert float(x) == 1.5
    opt.minimize(lambda: x * x, lambda: [x])      # var_list as a callable
    assert float(x) == 0.75
    with tf.GradientTape() as tape:
        loss = 4.0 * x
    opt.minimize(loss, [x], tape=tape)
    assert float(x) == -0.25
    with pytest.raises(ValueError, match="`tape` is required"):
        opt.minimize(loss, [x])
    # Minimizing a quadratic converges.
    w = tf.Variable([5.0, -3.0])
    adam = optimizers.Adam(0.1)
    for _ in range(300):
        adam.minimize(lambda: tf.reduce_sum(tf.square(w - tf.constant([1.0, 2.0]))), [w])
    np.testing.assert_allclose(w.numpy(), [1.0, 2.0], atol=0.05)


# -- get / serialize ------------------------------------------------------------------------------
ALL = ["sgd", "adam", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "adamw",
       "lion"]


@pytest.mark.parametrize("name", ALL)
def test_get_by_name_and_config_round_trip(name):
    opt = optimizers.get(name.upper() if name == "sgd" else name.capitalize())
    assert type(opt).__name__.lower() == name
    assert optimizers.get(opt) is opt
    d = optimizers.serialize(opt)
    assert d["module"] == "keras.optimizers" and d["class_name"] == type(opt).__name__
    again = optimizers.deserialize(d)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    legacy = optimizers.get({"class_name": type(opt).__name__.lower(),
                             "config": dict(opt.get_config(), is_legacy_optimizer=False)})
    assert legacy.get_config() == opt.get_config()


def test_config_carries_hyperparameters():
    opt = optimizers.Adam(learning_rate=0.5, beta_1=0.8, amsgrad=True, clipnorm=1.0,
                          name="my_adam")
    cfg = opt.get_config()
    assert cfg["learning_rate"] == 0.5 and cfg["beta_1"] == 0.8 and cfg["amsgrad"] is True
    assert cfg["clipnorm"] == 1.0 and cfg["name"] == "my_adam"
    assert optimizers.Adam.from_config(cfg).get_config() == cfg
    assert optimizers.Adam().name.startswith("adam")
    assert optimizers.RMSprop().name.startswith("rm_sprop")


def test_get_errors_list_valid_names():
    with pytest.raises(ValueError, match="adadelta, adagrad, adam"):
        optimizers.get("nonexistent")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier"):
        optimizers.get(42)
    assert optimizers.get(None) is None
    with pytest.raises(ValueError, match="not recognized"):
        optimizers.Adam(bogus=1)


def test_custom_objects_and_namespaces():
    class MySGD(optimizers.SGD):
        pass
    d = optimizers.serialize(MySGD(momentum=0.5))
    assert d["registered_name"] == "MySGD"
    assert type(optimizers.deserialize(d, custom_objects={"MySGD": MySGD})) is MySGD
    assert optimizers.legacy.Adam is optimizers.Adam
    assert optimizers.experimental.AdamW is optimizers.AdamW
    assert tf.keras.optimizers.schedules.ExponentialDecay is schedules.ExponentialDecay


def test_hyperparameter_validation():
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        optimizers.Adagrad(initial_accumulator_value=-1.0)
    with pytest.raises(ValueError, match="learning_rate_power"):
        optimizers.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=0.0)
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD(learning_rate="fast")
    assert optimizers.SGD(momentum=np.float32(0.5)).momentum == 0.5
    assert optimizers.Adam(epsilon=None).epsilon == 1e-7   # tf.keras 2.x: None means default
