"""What AutoGraph cannot convert fails with an error naming the construct, the line and what to
write instead. These run eagerly with concrete tensors: the checks a graph would need are made
there too, so code that runs converted eagerly also traces."""

import inspect

import pytest

import flowgrad as tf
from flowgrad.autograph import ConversionError, StagingTypeError, StagingValueError

C = tf.constant


def _line_of(fn, text):
    lines, start = inspect.getsourcelines(fn)
    for k, line in enumerate(lines):
        if text in line:
            return start + k
    raise AssertionError(text)


def test_yield_is_rejected_with_line():
    def gen(n):
        yield from range(n)
    with pytest.raises(ConversionError) as e:
        tf.autograph.convert(gen)
    msg = str(e.value)
    assert "yield" in msg and f":{_line_of(gen, 'yield from')}" in msg
    assert "tf.while_loop" in msg or "tf.stack" in msg
    assert isinstance(e.value, NotImplementedError)


def test_async_and_walrus_are_rejected():
    async def coro(x):
        return x

    def walrus(x):
        if (y := x * 2) > 0:
            return y
        return x
    with pytest.raises(ConversionError, match="async def"):
        tf.autograph.convert(coro)
    with pytest.raises(ConversionError, match=r":=.*separate statement"):
        tf.autograph.convert(walrus)


def test_nested_generator_stays_python():
    def f(n):
        def gen():
            yield from range(n)
        return sum(gen())
    assert tf.autograph.convert(f)(4) == 6


def test_for_else_over_tensor():
    def f(xs):
        for x in xs:
            if x < 0:
                break
        else:
            xs = xs * 2.0
        return xs
    conv = tf.autograph.convert(f)
    assert conv([1.0, -1.0]) == [1.0, -1.0]          # a Python list: Python for/else
    with pytest.raises(ConversionError) as e:
        conv(C([1.0, 2.0]))
    msg = str(e.value)
    assert "`else`" in msg and f":{_line_of(f, 'for x in xs')}" in msg and "flag" in msg


def test_tensor_dependent_try_except():
    def f(x):
        if x > 0:
            try:
                x = x * 2.0
            except ValueError:
                x = -x
        return x
    conv = tf.autograph.convert(f)
    assert conv(1.0) == 2.0
    with pytest.raises(ConversionError) as e:
        conv(C(1.0))
    msg = str(e.value)
    assert "try/except" in msg and f":{_line_of(f, 'if x > 0')}" in msg
    assert "Move the try/except outside" in msg


def test_variable_defined_in_one_branch_only():
    def f(x):
        if x > 0:
            y = x * 2.0
        return y
    conv = tf.autograph.convert(f)
    assert conv(2.0) == 4.0                            # Python condition: fine
    for arg in (C(2.0), C(-2.0)):
        with pytest.raises(StagingValueError) as e:
            conv(arg)
        msg = str(e.value)
        assert "'y'" in msg and "else branch" in msg and "define y before the if" in msg.lower()
        assert f":{_line_of(f, 'if x > 0')}" in msg
        assert isinstance(e.value, ValueError)


def test_variable_defined_in_else_only():
    def f(x):
        if x > 0:
            pass
        else:
            z = 1.0
        return z
    with pytest.raises(StagingValueError, match="'z' is assigned in the else branch"):
        tf.autograph.convert(f)(C(-1.0))


def test_temporary_defined_in_one_branch_is_fine():
    def f(x):
        if x > 0:
            t = x * 3.0
            x = t + 1.0
        return x
    assert float(tf.autograph.convert(f)(C(1.0))) == 4.0


def test_loop_variable_changing_dtype():
    def f(n):
        s = 0
        for i in tf.range(n):
            s = tf.cast(s, tf.float32) + 0.5
        return s
    with pytest.raises(StagingTypeError) as e:
        tf.autograph.convert(f)(C(3))
    msg = str(e.value)
    assert "'s' has dtype int32 before the for loop" in msg and "float32" in msg
    assert f":{_line_of(f, 'for i in')}" in msg and "tf.cast" in msg
    assert isinstance(e.value, TypeError)


def test_loop_variable_changing_shape_gives_invariant_hint():
    def f(n):
        acc = tf.zeros([1])
        i = 0
        while i < n:
            acc = tf.concat([acc, acc], 0)
            i += 1
        return acc
    with pytest.raises(StagingValueError) as e:
        tf.autograph.convert(f)(C(3))
    msg = str(e.value)
    assert "'acc'" in msg and "shape (1,)" in msg and "(2,)" in msg
    assert "set_loop_options(shape_invariants=[(acc, tf.TensorShape([None]))])" in msg


def test_none_before_tensor_loop():
    def f(n):
        last = None
        for i in range(n):
            last = i
        return last
    assert tf.autograph.convert(f)(3) == 2
    with pytest.raises(StagingValueError, match="'last' is None before the for loop"):
        tf.autograph.convert(f)(C(3))


def test_python_object_reassigned_in_tensor_loop():
    def f(n):
        names = "a"
        i = 0
        while i < n:
            names = names + "b"
            i += 1
        return names
    with pytest.raises(StagingTypeError, match="Only tensors can change in a tensor loop"):
        tf.autograph.convert(f)(C(2))


def test_mutating_a_list_in_place_is_allowed_eagerly():
    def f(n):
        out = []
        for i in tf.range(n):
            out.append(i * 2)
        return out
    assert [int(v) for v in tf.autograph.convert(f)(C(3))] == [0, 2, 4]


def test_non_bool_tensor_condition():
    def f(x):
        if x:
            x = x + 1.0
        return x
    with pytest.raises(TypeError, match="bool"):
        tf.autograph.convert(f)(C(1.0))


def test_iterating_a_scalar_tensor():
    def f(x):
        for v in x:
            x = v
        return x
    with pytest.raises(TypeError, match="scalar tensor"):
        tf.autograph.convert(f)(C(1.0))


def test_unavailable_source_warns_and_runs_as_is():
    ns = {}
    exec("def made(x):\n    return x + 1\n", ns)  # noqa: S102
    with pytest.warns(UserWarning, match="could not convert"):
        conv = tf.autograph.convert(ns["made"])
    assert conv is ns["made"]
    with pytest.raises(ConversionError, match="source"):
        tf.autograph.to_code(ns["made"])


def test_operator_not_allowed_error_class():
    err = tf.autograph.OperatorNotAllowedInGraphError
    assert issubclass(err, TypeError)
    if hasattr(tf.errors, "OperatorNotAllowedInGraphError"):
        assert err is tf.errors.OperatorNotAllowedInGraphError


def test_names_bound_by_comprehensions_and_lambdas_are_not_state():
    def f(x):
        if x > 0:
            k = 1.0
            x = x + k
        ys = [k * 2 for k in range(3)]
        inc = lambda k: k + 1
        return x, ys, inc(2)
    x, ys, three = tf.autograph.convert(f)(C(1.0))
    assert float(x) == 2.0 and ys == [0, 2, 4] and three == 3
