"""tf.keras.optimizers.schedules against closed-form values at several steps, for Python int,
tensor and int64 Variable steps, plus serialization and errors."""

import math

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.keras.optimizers import schedules

STEPS = [0, 1, 3, 4, 5, 7, 9, 10, 12, 13, 20, 21, 30, 45]


def exponential(step, lr0=0.1, decay_steps=7, rate=0.5, staircase=False):
    p = step / decay_steps
    return lr0 * rate ** (math.floor(p) if staircase else p)


def piecewise(step, boundaries=(5, 12), values=(1.0, 0.5, 0.1)):
    for b, v in zip(boundaries, values):
        if step <= b:
            return v
    return values[-1]


def polynomial(step, lr0=0.1, decay_steps=10, end=0.01, power=2.0, cycle=False):
    if cycle:
        decay_steps = decay_steps * max(1, math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (lr0 - end) * (1 - step / decay_steps) ** power + end


def inverse_time(step, lr0=0.1, decay_steps=4, rate=0.5, staircase=False):
    p = step / decay_steps
    return lr0 / (1 + rate * (math.floor(p) if staircase else p))


def cosine(step, lr0=0.1, decay_steps=10, alpha=0.1, warmup_target=None, warmup_steps=0):
    if warmup_target is not None:
        if step < warmup_steps:
            return lr0 + (warmup_target - lr0) * step / warmup_steps
        lr0, step = warmup_target, step - warmup_steps
    step = min(step, decay_steps)
    return lr0 * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * step / decay_steps)) + alpha)


def restarts(step, lr0=0.1, first=4, t_mul=2.0, m_mul=1.0, alpha=0.0):
    period, start, i = first, 0, 0
    while step >= start + period:      # walk the periods
        start += period
        period *= t_mul
        i += 1
    frac = (step - start) / period
    return lr0 * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * frac)) + alpha)


CASES = [
    (schedules.ExponentialDecay(0.1, 7, 0.5), exponential),
    (schedules.ExponentialDecay(0.1, 7, 0.5, staircase=True),
     lambda s: exponential(s, staircase=True)),
    (schedules.PiecewiseConstantDecay([5, 12], [1.0, 0.5, 0.1]), piecewise),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0), polynomial),
    (schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=0.5, cycle=True),
     lambda s: polynomial(s, power=0.5, cycle=True)),
    (schedules.InverseTimeDecay(0.1, 4, 0.5), inverse_time),
    (schedules.InverseTimeDecay(0.1, 4, 0.5, staircase=True),
     lambda s: inverse_time(s, staircase=True)),
    (schedules.CosineDecay(0.1, 10, alpha=0.1), cosine),
    (schedules.CosineDecay(0.0, 10, alpha=0.1, warmup_target=0.2, warmup_steps=5),
     lambda s: cosine(s, lr0=0.0, warmup_target=0.2, warmup_steps=5)),
    (schedules.CosineDecayRestarts(0.1, 4), restarts),
    (schedules.CosineDecayRestarts(0.1, 4, t_mul=1.0, m_mul=0.5, alpha=0.2),
     lambda s: restarts(s, t_mul=1.0, m_mul=0.5, alpha=0.2)),
    (schedules.CosineDecayRestarts(0.1, 3, t_mul=1.5, m_mul=0.8),
     lambda s: restarts(s, first=3, t_mul=1.5, m_mul=0.8)),
]


@pytest.mark.parametrize("schedule,ref", CASES, ids=[f"{type(c[0]).__name__}-{i}"
                                                     for i, c in enumerate(CASES)])
def test_schedule_matches_closed_form(schedule, ref):
    step_var = tf.Variable(np.int64(0), trainable=False)
    for s in STEPS:
        want = ref(s)
        step_var.assign(np.int64(s))
        for step in (s, tf.constant(s), step_var):
            got = schedule(step)
            assert got.dtype == tf.float32
            assert float(got) == pytest.approx(want, rel=1e-5, abs=1e-7), (s, step)


@pytest.mark.parametrize("schedule", [c[0] for c in CASES])
def test_serialize_round_trip(schedule):
    d = schedules.serialize(schedule)
    assert d["module"] == "keras.optimizers.schedules"
    assert d["class_name"] == type(schedule).__name__
    again = schedules.deserialize(d)
    assert type(again) is type(schedule) and again.get_config() == schedule.get_config()
    legacy = schedules.deserialize({"class_name": d["class_name"], "config": d["config"]})
    assert legacy.get_config() == schedule.get_config()
    assert [float(again(s)) for s in (0, 9)] == [float(schedule(s)) for s in (0, 9)]


def test_custom_schedule():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, lr):
            self.lr = lr

        def __call__(self, step):
            return self.lr / (tf.cast(step, tf.float32) + 1.0)

        def get_config(self):
            return {"lr": self.lr}

    d = schedules.serialize(Halving(1.0))
    again = schedules.deserialize(d, custom_objects={"Halving": Halving})
    assert float(again(3)) == 0.25
    opt = tf.keras.optimizers.SGD(Halving(1.0))
    v = tf.Variable([0.0])
    for _ in range(2):
        opt.apply_gradients([(tf.constant([1.0]), v)])
    np.testing.assert_allclose(v.numpy(), [-1.5])
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(0)


def test_errors():
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.CosineDecay(0.1, 0)
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, -1, 0.5)
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


def test_piecewise_with_float_boundaries_and_int64_step():
    s = schedules.PiecewiseConstantDecay([2.0, 4.0], [3.0, 2.0, 1.0])
    it = tf.Variable(np.int64(3))
    assert float(s(it)) == 2.0
    assert float(s(tf.constant(5.0))) == 1.0
