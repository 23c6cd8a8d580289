"""`tf.autograph.experimental`: `do_not_convert`, `set_loop_options` and `Feature`."""

import enum

from .api import do_not_convert

__all__ = ["Feature", "do_not_convert", "set_loop_options"]


class Feature(enum.Enum):
    """Optional AutoGraph features (`tf.autograph.experimental.Feature`). Accepted for
    compatibility; flowgrad's AutoGraph always converts asserts and builtin calls on tensors."""

    ALL = "ALL"
    AUTO_CONTROL_DEPS = "AUTO_CONTROL_DEPS"
    ASSERT_STATEMENTS = "ASSERT_STATEMENTS"
    BUILTIN_FUNCTIONS = "BUILTIN_FUNCTIONS"
    EQUALITY_OPERATORS = "EQUALITY_OPERATORS"
    LISTS = "LISTS"
    NAME_SCOPES = "NAME_SCOPES"


def set_loop_options(parallel_iterations=None, swap_memory=None, maximum_iterations=None,
                     shape_invariants=None):
    """Options for the tensor loop this call opens (`tf.autograph.experimental.set_loop_options`).

    Write it as the first statement of a `while` / `for` body in converted code; AutoGraph
    evaluates it when the loop starts and passes the options to `flowgrad.while_loop`:

        for i in tf.range(n):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(acc, tf.TensorShape([None]))], maximum_iterations=100)
            acc = tf.concat([acc, [i]], 0)

    `shape_invariants` is a list of (variable, shape) pairs: the dimensions given as None may
    change across iterations. Outside converted code the call does nothing. Returns the options
    as a dict.
    """
    return {"parallel_iterations": parallel_iterations, "swap_memory": swap_memory,
            "maximum_iterations": maximum_iterations,
            "shape_invariants": list(shape_invariants or ())}
