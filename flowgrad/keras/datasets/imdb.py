"""`keras.datasets.imdb`: 50,000 movie reviews as word-index sequences, labelled by
sentiment."""

import numpy as np

from . import _files, _sequences

RESOURCE = _files.Resource(
    "imdb.npz", _files.KERAS_ORIGIN + "imdb.npz",
    "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    loader="imdb.load_data")
WORD_INDEX = _files.Resource(
    "imdb_word_index.json", _files.KERAS_ORIGIN + "imdb_word_index.json",
    "bfafd718b763782e994055a2d397834f")


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113,
              start_char=1, oov_char=2, index_from=3, **kwargs):
    """Loads the IMDB reviews.

    Args:
        path: the file name in the cache, or the path of an existing imdb.npz.
        num_words: keep the `num_words` most frequent words (others become `oov_char`).
        skip_top: also treat the `skip_top` most frequent words as out of vocabulary.
        maxlen: drop the reviews of `maxlen` words or more.
        seed: the shuffling seed.
        start_char: the index marking the start of each review (None: no marker).
        oov_char: the index of out-of-vocabulary words (None: drop them).
        index_from: word indices are shifted by this much (0, 1, 2 are padding, start, OOV).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x are 1-D object arrays of lists of ints,
        y int64 label arrays (25,000 each by default).
    """
    _sequences.check_kwargs(kwargs)
    fpath, _ = _files.locate(RESOURCE, path, "imdb.npz")
    f = _files.load_npz(fpath)
    _files.check_arrays(fpath, f, {k: ((None,), None) for k in
                                   ("x_train", "y_train", "x_test", "y_test")})
    rng = np.random.RandomState(seed)
    x_train, labels_train = _sequences.permute(rng, f["x_train"], f["y_train"])
    x_test, labels_test = _sequences.permute(rng, f["x_test"], f["y_test"])
    x_train = _sequences.shift_and_mark(x_train, start_char, index_from)
    x_test = _sequences.shift_and_mark(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = _sequences.drop_long(maxlen, x_train, labels_train)
        x_test, labels_test = _sequences.drop_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no "
                             "sequence was kept. Increase maxlen.")
    xs = _sequences.cap_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([labels_train, labels_test])
    idx = len(x_train)
    return ((_files.ragged_object_array(xs[:idx]), labels[:idx]),
            (_files.ragged_object_array(xs[idx:]), labels[idx:]))


def get_word_index(path="imdb_word_index.json"):
    """The `{word: index}` dictionary of the IMDB data (indices before `index_from`)."""
    return _sequences.load_word_index(WORD_INDEX, path)
