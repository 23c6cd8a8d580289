"""`keras.preprocessing`: text (`Tokenizer`, `text_to_word_sequence`, `one_hot`) and sequence
(`pad_sequences`) utilities of tf.keras 2."""

from . import sequence, text  # noqa: F401
