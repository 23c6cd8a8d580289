"""Errors raised by AutoGraph.

* `ConversionError` (also a `NotImplementedError`): a construct AutoGraph cannot turn into graph
  control flow, such as `yield`, `for ... else` over a tensor, or a `try` inside a
  tensor-dependent `if`. The message names the construct, where it is and what to write instead.
* `StagingTypeError` / `StagingValueError` (also `TypeError` / `ValueError`): a variable that a
  tensor-dependent `if` or loop would have to carry breaks the graph rules: it changes dtype or
  shape across iterations, or it is defined in only one branch.
* `OperatorNotAllowedInGraphError` (a `TypeError`): a Python operation that needs a tensor's
  value (`bool(t)`) was used on a symbolic tensor. It is `flowgrad.errors`' class when that
  module has it, so `except tf.errors.OperatorNotAllowedInGraphError` catches it either way.
"""

from .. import errors as _errors

__all__ = [
    "AutoGraphError",
    "ConversionError",
    "OperatorNotAllowedInGraphError",
    "StagingTypeError",
    "StagingValueError",
]


class AutoGraphError(Exception):
    """Base class of the errors AutoGraph raises about the code it converts."""


class ConversionError(AutoGraphError, NotImplementedError):
    """A Python construct that AutoGraph cannot convert to graph control flow."""


class StagingTypeError(AutoGraphError, TypeError):
    """A variable carried by tensor control flow changes dtype (or is not a tensor)."""


class StagingValueError(AutoGraphError, ValueError):
    """A variable carried by tensor control flow changes shape, or is undefined on a path."""


OperatorNotAllowedInGraphError = getattr(_errors, "OperatorNotAllowedInGraphError", None)
if OperatorNotAllowedInGraphError is None:  # pragma: no cover - older flowgrad.errors
    class OperatorNotAllowedInGraphError(TypeError):
        """A Python operation that needs a tensor's value was used on a symbolic tensor."""
