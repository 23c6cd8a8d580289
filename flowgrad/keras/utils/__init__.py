"""`keras.utils`: progress bar, one-hot encoding, batch datasets, datasets from folders and
arrays, file downloads and seeding."""

import random as _random

import numpy as _np

from .data_utils import (  # noqa: F401
    PyDataset,
    Sequence,
    pack_x_y_sample_weight,
    unpack_x_y_sample_weight,
)
from .dataset_utils import (  # noqa: F401
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from .file_utils import get_file  # noqa: F401
from .numerical_utils import normalize, to_categorical  # noqa: F401
from .progbar import Progbar  # noqa: F401

# Names that live with the serialization code; forwarded so `keras.utils.X` finds them.
_FROM_SAVING = ("get_custom_objects", "custom_object_scope", "CustomObjectScope",
                "register_keras_serializable", "get_registered_name", "get_registered_object",
                "serialize_keras_object", "deserialize_keras_object")


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global generator and `flowgrad.random`.

    Args:
        seed: an integer.

    Example:
        >>> import numpy as np
        >>> set_random_seed(3); a = np.random.rand()
        >>> set_random_seed(3); a == np.random.rand()
        True
    """
    if not isinstance(seed, (int, _np.integer)):
        raise ValueError(  # noqa: TRY004 - Keras raises ValueError here
            f"set_random_seed expects an integer seed; got {seed!r}.")
    from ... import random as fg_random
    _random.seed(int(seed))
    _np.random.seed(int(seed))
    fg_random.set_seed(int(seed))


_FROM_IMAGE = ("image_dataset_from_directory", "load_img", "img_to_array", "array_to_img",
               "save_img")


def __getattr__(name):
    if name in _FROM_IMAGE:
        from ..preprocessing import image as _image
        return getattr(_image, name)
    if name == "pad_sequences":
        from ..preprocessing.sequence import pad_sequences
        return pad_sequences
    if name in _FROM_SAVING:
        import importlib
        try:
            saving = importlib.import_module(__name__.rsplit(".", 1)[0] + ".saving")
        except ModuleNotFoundError:
            saving = None
        if saving is not None and hasattr(saving, name):
            return getattr(saving, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

from .vis_utils import (  # noqa: F401
    model_to_dot,
    plot_function,
    plot_history,
    plot_model,
)
