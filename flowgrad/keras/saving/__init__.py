"""`keras.saving`: `save_model` / `load_model` for `.keras` (Keras 3 zip), legacy `.h5` and
SavedModel-style directories, weights files, and custom-object registration.

See docs/saving.md for the formats, what is compatible with Keras, and the safety rules.
"""

from ._io import CorruptFileError  # noqa: F401
from .object_registration import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from .saving_lib import load_model, load_weights, save_model, save_weights
from .serialization_lib import (
    deserialize_keras_object,
    serialize_keras_object,
)

__all__ = [
    "CustomObjectScope", "custom_object_scope", "deserialize_keras_object", "get_custom_objects",
    "get_registered_name", "get_registered_object", "load_model", "load_weights",
    "register_keras_serializable", "save_model", "save_weights", "serialize_keras_object",
]
