"""`keras.models`: Model, Sequential, clone_model and the JSON / config readers."""

import json

from .engine.model import Functional, Model  # noqa: F401
from .engine.sequential import Sequential


def model_from_config(config, custom_objects=None):
    """A model (or layer) from `{"class_name": ..., "config": ...}`."""
    from .layers import deserialize
    return deserialize(config, custom_objects=custom_objects)


def model_from_json(json_string, custom_objects=None):
    """A model from `model.to_json()`'s output (architecture only, new weights)."""
    return model_from_config(json.loads(json_string), custom_objects=custom_objects)


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture as `model` (Sequential or Functional) and
    freshly initialized weights; `clone_function(layer)` may build each new layer.

    Raises:
        ValueError: `model` is a subclassed model (no config of its graph).
    """
    from .layers import deserialize, serialize
    if clone_function is None:
        def clone_function(layer):
            return deserialize(serialize(layer))
    if isinstance(model, Sequential):
        new = Sequential(name=model.name)
        if model._input_layer is not None and input_tensors is None:
            from .engine.input_layer import InputLayer
            il = model._input_layer
            new.add(InputLayer(batch_input_shape=il._batch_input_shape, dtype=il.dtype,
                               name=il.name))
        elif input_tensors is not None:
            new.add(input_tensors if not isinstance(input_tensors, (list, tuple))
                    else input_tensors[0])
        for layer in model.layers:
            new.add(clone_function(layer))
        return new
    if not getattr(model, "_is_graph_network", False):
        raise ValueError(f"Expected `model` argument to be a functional `Model` instance, but "
                         f"got a subclassed model instead: {model}")
    config = model.get_config()
    return Functional.from_config(config)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved with `model.save` (provided by `keras.saving`)."""
    from . import saving
    return saving.load_model(filepath, custom_objects=custom_objects, compile=compile,
                              safe_mode=safe_mode)


def save_model(model, filepath, overwrite=True, **kwargs):
    """Saves a model (provided by `keras.saving`)."""
    from . import saving
    return saving.save_model(model, filepath, overwrite=overwrite, **kwargs)
