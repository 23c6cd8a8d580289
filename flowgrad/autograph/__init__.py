"""AutoGraph (`tf.autograph`): converts Python control flow on tensors into graph control flow.

`flowgrad.function` calls `convert` on the function it traces (when `autograph=True`). In the
converted function, `if` / `while` / `for` statements, `and` / `or` / `not` and conditional
expressions whose conditions are tensors become `flowgrad.cond` and `flowgrad.while_loop`;
on Python values they behave exactly as the original Python. See docs/autograph.md.

Example:
    >>> import flowgrad as tf
    >>> def collatz_steps(n):
    ...     steps = 0
    ...     while n != 1:
    ...         if n % 2 == 0:
    ...             n = n // 2
    ...         else:
    ...             n = 3 * n + 1
    ...         steps += 1
    ...     return steps
    >>> int(tf.autograph.convert(collatz_steps)(tf.constant(6)))
    8
"""

from . import experimental, operators
from .api import (convert, do_not_convert, get_verbosity, is_converted, set_verbosity, to_code,
                  to_graph, trace)
from .errors import (AutoGraphError, ConversionError, OperatorNotAllowedInGraphError,
                     StagingTypeError, StagingValueError)

experimental_do_not_convert = do_not_convert

__all__ = ["AutoGraphError", "ConversionError", "OperatorNotAllowedInGraphError",
           "StagingTypeError", "StagingValueError", "convert", "do_not_convert", "experimental",
           "experimental_do_not_convert", "get_verbosity", "is_converted", "operators",
           "set_verbosity", "to_code", "to_graph", "trace"]
