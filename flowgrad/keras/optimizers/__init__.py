"""`tf.keras.optimizers`: the optimizers, `get` / `serialize` / `deserialize`, and the
`schedules`, `legacy` and `experimental` namespaces.

Example:
    >>> import flowgrad as tf
    >>> opt = tf.keras.optimizers.get("adam")
    >>> type(opt).__name__, round(float(opt.learning_rate), 6)
    ('Adam', 0.001)
"""

from .. import _serialization as _ser
from . import experimental, legacy, schedules
from .adam import Adam, Adamax, AdamW, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .base import Optimizer
from .ftrl import Ftrl
from .lion import Lion
from .sgd import SGD

_MODULE = "keras.optimizers"
_BUILTIN = {c.__name__.lower(): c for c in (
    SGD, Adam, AdamW, Adamax, Nadam, RMSprop, Adagrad, Adadelta, Ftrl, Lion)}


def serialize(optimizer):
    """Returns the optimizer's configuration as a JSON-ready dict, in Keras 3's layout
    (`{"module", "class_name", "config", "registered_name"}`).

    Example:
        >>> import flowgrad as tf
        >>> d = tf.keras.optimizers.serialize(tf.keras.optimizers.SGD(momentum=0.5))
        >>> d["class_name"], d["config"]["momentum"]
        ('SGD', 0.5)
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"serialize() expects a keras Optimizer; received {optimizer!r}.")
    cls = type(optimizer)
    return _ser.serialize_keras3(optimizer, _MODULE, _BUILTIN.get(cls.__name__.lower()) is cls)


def deserialize(config, custom_objects=None, **kwargs):
    """Creates an optimizer from `serialize()`'s dict (or tf.keras 2.x's
    `{"class_name", "config"}`); built-in class names match case-insensitively.

    Args:
        config: the serialized optimizer.
        custom_objects: a dict of user optimizer (and schedule) classes by name.

    Raises:
        ValueError: an unknown class name.
    """
    name, cls, custom_objects = _ser.resolve_keras3(config, custom_objects, _BUILTIN, str.lower)
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {str(name)!r}. Valid names: "
                         f"{', '.join(sorted(_BUILTIN))} (any case); pass custom optimizers in "
                         "custom_objects.")
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier, **kwargs):
    """Returns an optimizer from a name ('adam', 'SGD', ...), a config dict, or an instance
    (returned as is); None gives None.

    Raises:
        ValueError: an unknown name or an identifier of another kind; the message lists the
            valid names.

    Example:
        >>> import flowgrad as tf
        >>> type(tf.keras.optimizers.get("RMSprop")).__name__
        'RMSprop'
    """
    if identifier is None:
        return None
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, **kwargs)
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}}, **kwargs)
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}. Pass an "
                     f"Optimizer, a config dict, or one of the names "
                     f"{', '.join(sorted(_BUILTIN))}.")



__all__ = [
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lion",
    "Nadam",
    "Optimizer",
    "RMSprop",
    "deserialize",
    "experimental",
    "get",
    "legacy",
    "schedules",
    "serialize",
]
