"""`tf.compat`: the TensorFlow 1 API (`tf.compat.v1`) and `tf.compat.v2` (flowgrad itself).

`tf.compat.v1` runs TF1 programs: graphs built at top level once eager execution is disabled,
placeholders, Sessions with feed_dict, variables that a Session initializes, symbolic
`gradients` and the TF1 optimizers. See docs/compat_v1.md.
"""

import sys as _sys

from . import v1  # noqa: F401

v2 = _sys.modules[__name__.rsplit(".", 1)[0]]


def as_bytes(bytes_or_text, encoding="utf-8"):
    """Converts bytes or str to bytes (`tf.compat.as_bytes`)."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8"):
    """Converts bytes or str to str (`tf.compat.as_text`)."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"Expected binary or unicode string, got {bytes_or_text!r}")


as_str = as_text
as_str_any = str


def path_to_str(path):
    """A path-like object as a str (`tf.compat.path_to_str`)."""
    import os
    return os.fspath(path) if hasattr(path, "__fspath__") else path


def forward_compatible(year, month, day):
    """flowgrad has no forward-compatibility window: always True."""
    return True
