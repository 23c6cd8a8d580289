"""`keras.datasets.reuters`: 11,228 newswires as word-index sequences, in 46 topics."""

import numpy as np

from . import _files, _sequences

RESOURCE = _files.Resource(
    "reuters.npz", _files.KERAS_ORIGIN + "reuters.npz",
    "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    loader="reuters.load_data")
WORD_INDEX = _files.Resource(
    "reuters_word_index.json", _files.KERAS_ORIGIN + "reuters_word_index.json",
    "4d44cc38712099c9e383dc6e5f11a921")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2,
              seed=113, start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads the Reuters newswires (arguments as `imdb.load_data`, plus `test_split`).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x 1-D object arrays of lists of ints, y int64
        topic indices.
    """
    _sequences.check_kwargs(kwargs)
    fpath, _ = _files.locate(RESOURCE, path, "reuters.npz")
    f = _files.load_npz(fpath)
    _files.check_arrays(fpath, f, {"x": ((None,), None), "y": ((None,), None)})
    rng = np.random.RandomState(seed)
    xs, labels = _sequences.permute(rng, f["x"], f["y"])
    xs = _sequences.shift_and_mark(xs, start_char, index_from)
    if maxlen:
        xs, labels = _sequences.drop_long(maxlen, xs, labels)
    xs = _sequences.cap_vocabulary(xs, num_words, skip_top, oov_char)
    idx = int(len(xs) * (1 - test_split))
    labels = np.asarray(labels)
    return ((_files.ragged_object_array(xs[:idx]), np.array(labels[:idx])),
            (_files.ragged_object_array(xs[idx:]), np.array(labels[idx:])))


def get_word_index(path="reuters_word_index.json"):
    """The `{word: index}` dictionary of the Reuters data."""
    return _sequences.load_word_index(WORD_INDEX, path)
