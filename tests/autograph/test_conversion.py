"""AutoGraph conversions run eagerly: with concrete tensors the converted statements go through
flowgrad.cond / flowgrad.while_loop, with Python values they stay Python; both must agree with
the original function."""

import functools

import numpy as np
import pytest

import flowgrad as tf
from flowgrad.autograph import operators

from ._helpers import check, same, value

C = tf.constant


# -- if / elif / else ------------------------------------------------------------------------------
def sign_and_double(x):
    if x > 0:
        y = x * 2.0
        s = 1.0
    elif x < 0:
        y = -x
        s = -1.0
    else:
        y = x
        s = 0.0
    return y, s


def test_if_elif_else():
    check(sign_and_double, (C(3.0),), (C(-2.0),), (C(0.0),))


def only_if(x):
    y = x
    if x > 1.0:
        y = y * 10.0
    return y


def test_if_without_else_keeps_value():
    check(only_if, (C(3.0),), (C(0.5),))


def nested_ifs(x, y):
    r = 0.0
    if x > 0:
        if y > 0:
            r = x + y
        else:
            r = x - y
    else:
        if y > 0:
            r = y - x
    return r


def test_nested_ifs():
    check(nested_ifs, (C(1.0), C(2.0)), (C(1.0), C(-2.0)), (C(-1.0), C(2.0)),
          (C(-1.0), C(-2.0)))


def test_if_calls_flowgrad_cond_for_tensor(monkeypatch):
    calls = []
    real = operators._cf.cond

    def spy(pred, t, f, name=None):
        calls.append(pred)
        return real(pred, t, f)
    monkeypatch.setattr(operators._cf, "cond", spy)
    conv = tf.autograph.convert(only_if)
    conv(2.0)
    assert calls == []                      # Python condition: plain Python if
    assert value(conv(C(2.0))) == 20.0
    assert len(calls) == 1                  # tensor condition: flowgrad.cond


def python_values_only(flag, items):
    out = []
    if flag:
        out.append("yes")
    else:
        out = None
    if items:
        msg = "non-empty"
    return out, msg if items else "empty"


def test_python_conditions_stay_python():
    conv = tf.autograph.convert(python_values_only)
    for args in [(True, [1]), (False, [1]), (True, [])]:
        assert conv(*args) == python_values_only(*args)


def unbound_after_python_if(flag):
    if flag:
        z = 1
    return z


def test_python_if_leaves_variable_unbound_like_python():
    conv = tf.autograph.convert(unbound_after_python_if)
    assert conv(True) == 1
    with pytest.raises(UnboundLocalError):
        conv(False)


def side_effects(x, log):
    if x > 0:
        log.append("pos")
    else:
        log.append("neg")
    return x


def test_only_the_taken_branch_runs_eagerly():
    conv = tf.autograph.convert(side_effects)
    log = []
    conv(C(1.0), log)
    conv(C(-1.0), log)
    conv(-1, log)
    assert log == ["pos", "neg", "neg"]


def test_conditional_expression():
    def f(x):
        return x * 2.0 if x > 0 else -x
    check(f, (C(3.0),), (C(-4.0),))


def test_and_or_not_are_lazy_and_logical():
    def f(x, y):
        a = x > 0 and y > 0
        b = x > 0 or y > 0
        c = not x > 0
        return a, b, c
    check(f, (C(1.0), C(1.0)), (C(1.0), C(-1.0)), (C(-1.0), C(1.0)), (C(-1.0), C(-1.0)))
    calls = []

    def probe():
        calls.append(1)
        return C(True)
    ops = operators
    assert value(ops.and_(lambda: C(False), probe)) is False and calls == []
    assert value(ops.or_(lambda: C(True), probe)) is True and calls == []
    assert value(ops.and_(lambda: C(True), probe)) is True and calls == [1]
    assert ops.and_(lambda: 0, probe) == 0 and ops.or_(lambda: "a", probe) == "a"
    assert value(ops.not_(C([True, False]))) == [False, True]


def test_chained_comparison():
    def f(x):
        if 0.0 < x < 1.0:
            return 1
        return 0
    check(f, (C(0.5),), (C(2.0),), (C(-1.0),))


# -- while loops -----------------------------------------------------------------------------------
def count_up(n):
    i = 0
    s = 0
    while i < n:
        s += i * i
        i += 1
    return i, s


def test_while_over_tensor_condition(monkeypatch):
    calls = []
    real = operators._cf.while_loop

    def spy(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(operators._cf, "while_loop", spy)
    conv = check(count_up, (C(5),), (C(0),))
    assert len(calls) == 2
    assert conv(5) == count_up(5) and len(calls) == 2     # Python loop


def collatz(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def test_while_with_if_inside():
    check(collatz, (C(6),), (C(27),), (C(1),))


def test_while_break_continue():
    def f(n):
        i = 0
        s = 0
        while i < n:
            i += 1
            if i % 3 == 0:
                continue
            if s > 20:
                break
            s += i
        return i, s
    check(f, (C(4),), (C(10),), (C(100),))


def test_while_true_with_break():
    def f(x):
        while True:
            x = x * 2.0
            if x > 100.0:
                break
        return x
    check(f, (C(3.0),), (C(200.0),))


def test_while_else_on_python_condition():
    def f(n, stop):
        i = 0
        while i < n:
            if i == stop:
                break
            i += 1
        else:
            i = -1
        return i
    conv = tf.autograph.convert(f)
    for args in [(5, 2), (5, 9)]:
        assert conv(*args) == f(*args)


# -- for loops -------------------------------------------------------------------------------------
def sum_range(n):
    s = 0
    for i in tf.range(n):
        s += i
    return s


def test_for_over_tf_range():
    conv = tf.autograph.convert(sum_range)
    assert value(conv(C(5))) == 10
    assert value(conv(0)) == 0


def test_for_over_python_range_of_tensor_uses_tf_range():
    def f(n):
        s = 0
        for i in range(n):
            s += i
        return s
    check(f, (C(6),))


def test_for_over_tensor_rows():
    def f(m):
        acc = tf.zeros([2])
        count = 0
        for row in m:
            acc = acc + row
            count += 1
        return acc, count
    m = C([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    acc, count = tf.autograph.convert(f)(m)
    assert value(acc) == [9.0, 12.0] and value(count) == 3


def test_for_over_tensor_break_continue_return():
    def first_negative_index(xs):
        i = 0
        for x in xs:
            if x < 0:
                return i
            i += 1  # noqa: SIM113 - a counter carried by the loop is what is tested
        return -1

    def sum_until_big(xs):
        s = 0.0
        for x in xs:
            if x == 0.0:
                continue
            if s > 5.0:
                break
            s += x
        return s
    check(first_negative_index, (C([1.0, 2.0, -3.0, 4.0]),), (C([1.0, 2.0]),))
    check(sum_until_big, (C([1.0, 0.0, 2.0, 3.0, 4.0, 5.0]),), (C([1.0, 1.0]),))


def test_for_over_python_list_is_unrolled():
    seen = []

    def f(x, items):
        for k in items:
            seen.append(k)
            x = x * k
        return x
    check(f, (C(2.0), [1.0, 2.0, 3.0]))
    assert seen == [1.0, 2.0, 3.0] * 3


def test_for_over_python_list_with_tensor_break():
    def f(x, items):
        total = 0.0
        for k in items:
            if x < k:
                break
            total += k
        return total
    check(f, (C(2.5), [1.0, 2.0, 3.0, 4.0]), (C(10.0), [1.0, 2.0]))


def test_for_else_on_python_iterable():
    def f(items, target):
        for k in items:
            if k == target:
                found = True
                break
        else:
            found = False
        return found
    conv = tf.autograph.convert(f)
    assert conv([1, 2, 3], 2) is True and conv([1, 2, 3], 5) is False


def test_for_tuple_target_and_enumerate():
    def f(pairs):
        s = 0
        for i, (a, b) in enumerate(pairs):
            s += i * a + b
        return s
    conv = tf.autograph.convert(f)
    assert conv([(1, 2), (3, 4)]) == f([(1, 2), (3, 4)])


def test_nested_loops():
    def f(n, m):
        total = 0
        i = 0
        while i < n:
            for j in tf.range(m):
                if j > i:
                    break
                total += i * j
            i += 1
        return total
    check(f, (C(4), C(5)), (C(0), C(3)))


def test_loop_variable_used_after_python_loop():
    def f(items):
        for k in items:
            pass
        return k
    conv = tf.autograph.convert(f)
    assert conv([1, 2, 3]) == 3


def test_return_value_from_nested_loop():
    def f(n):
        for i in tf.range(n):
            for j in tf.range(n):
                if i * j == 6:
                    return i + j
        return -1
    check(f, (C(5),), (C(2),))


def test_return_inside_while():
    def f(x):
        i = 0
        while i < 10:
            if x * i > 20.0:
                return i
            i += 1
        return -1
    check(f, (C(3.0),), (C(0.5),))


def test_early_return_in_if():
    def f(x):
        if x > 0:
            return x
        y = x * x
        return -y
    conv = check(f, (C(2.0),), (C(-3.0),))
    assert "else_body" in tf.autograph.to_code(f)     # the rest moved into the else branch
    assert conv is tf.autograph.convert(f)


def test_function_without_return_value():
    def f(x, log):
        if x > 0:
            log.append(1)
            return
        log.append(2)
    conv = tf.autograph.convert(f)
    log = []
    assert conv(C(1.0), log) is None and conv(C(-1.0), log) is None and log == [1, 2]


def test_set_loop_options_shape_invariants():
    def f(n):
        acc = tf.zeros([0])
        for i in tf.range(n):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(acc, tf.TensorShape([None]))])
            acc = tf.concat([acc, [tf.cast(i, tf.float32)]], 0)
        return acc
    assert value(tf.autograph.convert(f)(C(3))) == [0.0, 1.0, 2.0]
    opts = tf.autograph.experimental.set_loop_options(maximum_iterations=3)
    assert opts["maximum_iterations"] == 3


def test_maximum_iterations_option():
    def f(x):
        while x < 100.0:
            tf.autograph.experimental.set_loop_options(maximum_iterations=2)
            x = x + 1.0
        return x
    assert value(tf.autograph.convert(f)(C(0.0))) == 2.0


# -- calls, scoping, Python function features ------------------------------------------------------
def helper_abs(x):
    if x < 0:
        x = -x
    return x


def calls_helper(x):
    return helper_abs(x) + helper_abs(-x)


def test_user_functions_are_converted_recursively():
    check(calls_helper, (C(2.0),), (C(-3.0),))
    assert "converted_call" in tf.autograph.to_code(calls_helper)
    assert "converted_call" not in tf.autograph.to_code(calls_helper, recursive=False)


def test_library_and_marked_functions_are_not_converted():
    from flowgrad.autograph import api
    assert api._convert_for_call(tf.reduce_sum) is tf.reduce_sum
    assert api._convert_for_call(np.sum) is np.sum
    assert api._convert_for_call(functools.reduce) is functools.reduce

    @tf.autograph.experimental.do_not_convert
    def raw(x):
        if x > 0:
            return 1
        return 0
    assert tf.autograph.convert(raw) is raw
    assert api._convert_for_call(raw) is raw
    assert tf.autograph.do_not_convert is tf.autograph.experimental_do_not_convert


def test_closures_defaults_and_nonlocal():
    scale = C(3.0)
    counter = 0

    def f(x, offset=1.0, *, power=2):
        nonlocal counter
        counter += 1
        if x > 0:
            x = x * scale + offset
        return x ** power
    conv = tf.autograph.convert(f)
    assert same(conv(C(1.0)), f(1.0 * 1.0)) and counter == 2
    assert same(conv(C(1.0), power=1), 4.0)
    assert conv.__name__ == "f" and conv.__defaults__ == (1.0,)


GLOBAL_COUNT = 0


def bump_global(x):
    global GLOBAL_COUNT
    if x > 0:
        GLOBAL_COUNT += 1
    return x


def test_global_assignment_in_branch():
    conv = tf.autograph.convert(bump_global)
    before = GLOBAL_COUNT
    conv(C(1.0))
    conv(-1.0)
    conv(2)
    assert GLOBAL_COUNT == before + 2


class Base:
    def scale(self, x):
        return x * 2.0


class Model(Base):
    def __init__(self, threshold):
        self.threshold = threshold

    def scale(self, x):
        if x > self.threshold:
            x = super().scale(x)
        return x

    def __call__(self, x):
        return self.scale(x) + 1.0


def test_methods_super_and_callable_objects():
    m = Model(C(1.0))
    conv = tf.autograph.convert(m.scale)
    assert same(conv(C(3.0)), 6.0) and same(conv(C(0.5)), 0.5)
    assert same(tf.autograph.convert(m)(C(3.0)), 7.0)


def test_lambda_conversion():
    f = lambda x: x * 2.0 if x > 0 else -x
    conv = tf.autograph.convert(f)
    assert same(conv(C(2.0)), 4.0) and same(conv(C(-2.0)), 2.0)
    assert "if_exp" in tf.autograph.to_code(f)


def test_partial_and_nested_functions():
    def outer(x):
        def inner(y):
            if y > 0:
                return y
            return -y
        return inner(x) * 2.0
    check(outer, (C(-2.0),), (C(3.0),))
    p = functools.partial(helper_abs)
    assert same(tf.autograph.convert(p)(C(-1.0)), 1.0)


def test_conversion_is_cached_and_marked():
    conv = tf.autograph.convert(collatz)
    assert tf.autograph.convert(collatz) is conv
    assert tf.autograph.convert(conv) is conv
    assert tf.autograph.is_converted(conv) and not tf.autograph.is_converted(collatz)
    assert tf.autograph.to_graph(collatz) is conv


def test_print_stays_python(capsys):
    def f(x):
        if x > 0:
            print("positive")
        return x
    tf.autograph.convert(f)(C(1.0))
    assert capsys.readouterr().out == "positive\n"
    assert "print('positive')" in tf.autograph.to_code(f)


def test_assert_statement():
    def f(x):
        assert x > 0, "x must be positive"
        return x
    conv = tf.autograph.convert(f)
    assert same(conv(C(1.0)), 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="x must be positive"):
        conv(C(-1.0))
    with pytest.raises(AssertionError, match="x must be positive"):
        conv(-1.0)


def test_variable_condition():
    v = tf.Variable(2.0)

    def f(x):
        if v > x:
            x = x + v
        return x
    check(f, (C(1.0),), (C(5.0),))


# -- to_code ---------------------------------------------------------------------------------------
def test_to_code_shows_converted_calls():
    code = tf.autograph.to_code(count_up)
    assert code.startswith("def count_up(n):")
    assert "ag__.while_stmt(loop_test_" in code and "('s', 'i')" in code
    code = tf.autograph.to_code(sign_and_double)
    assert code.count("ag__.if_stmt(") == 2 and "else_body_" in code
    code = tf.autograph.to_code(test_for_over_tensor_rows)
    assert "ag__.for_stmt(m, loop_body_" in code      # nested functions are converted too
    compile(code, "<to_code>", "exec")


def test_verbosity_and_trace(capsys):
    tf.autograph.set_verbosity(1, alsologtostdout=True)
    try:
        def fresh(x):
            return x
        tf.autograph.convert(fresh)
    finally:
        tf.autograph.set_verbosity(0)
    assert "converted" in capsys.readouterr().out
    tf.autograph.trace("hello", 1)
    assert capsys.readouterr().out == "hello 1\n"


def factorial(n):
    if n <= 1:
        return 1
    return n * factorial(n - 1)


def test_recursive_function_refers_to_itself_as_a_global():
    conv = tf.autograph.convert(factorial)
    assert conv(5) == 120 and value(conv(C(5))) == 120


def test_star_args_kwonly_and_signature():
    import inspect

    def f(*args, scale=1, **kw):
        """Sums the arguments."""
        total = 0
        for a in args:
            total += a
        if kw.get("negate", False):
            total = -total
        return max(total * scale, -100), kw
    conv = tf.autograph.convert(f)
    assert conv(1, 2, 3) == f(1, 2, 3)
    assert conv(1, 2, scale=2, negate=True) == f(1, 2, scale=2, negate=True)
    assert conv.__doc__ == "Sums the arguments."
    assert str(inspect.signature(conv)) == "(*args, scale=1, **kw)"


def test_with_try_and_comprehension_in_python_loops():
    def f(items):
        out = 0
        for it in items:
            try:
                v = int(it)
            except ValueError:
                continue
            if v > 5:
                break
            out += sum([v * k for k in range(2)])
        return out
    items = ["1", "x", "3", "9", "2"]
    assert tf.autograph.convert(f)(items) == f(items)
