"""`keras.preprocessing`: text (`Tokenizer`, `text_to_word_sequence`, `one_hot`) and sequence
(`pad_sequences`) utilities of tf.keras 2, and image files (`image.load_img`,
`image.ImageDataGenerator`, `image_dataset_from_directory`), and the dataset builders
`text_dataset_from_directory` / `timeseries_dataset_from_array` (also in `keras.utils`)."""

from ..utils.dataset_utils import (  # noqa: F401
    text_dataset_from_directory,
    timeseries_dataset_from_array,
)
from . import image, sequence, text  # noqa: F401
from .image import image_dataset_from_directory  # noqa: F401
