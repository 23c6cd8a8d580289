"""Shared by IMDB and Reuters: index shifting, length filtering and vocabulary capping of
word-index sequences, as Keras does."""

import json

import numpy as np

from . import _files


def shift_and_mark(seqs, start_char, index_from):
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in seqs]
    if index_from:
        return [[w + index_from for w in x] for x in seqs]
    return [list(x) for x in seqs]


def drop_long(maxlen, seqs, labels):
    """Keeps the sequences shorter than `maxlen` (and their labels)."""
    kept_x, kept_y = [], []
    for x, y in zip(seqs, labels):
        if len(x) < maxlen:
            kept_x.append(x)
            kept_y.append(y)
    return kept_x, kept_y


def cap_vocabulary(seqs, num_words, skip_top, oov_char):
    """Words outside [skip_top, num_words) become `oov_char` (or are removed when it is
    None); `num_words=None` keeps every word."""
    if not num_words:
        num_words = max(max(x) for x in seqs if x) if any(seqs) else 0
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in seqs]
    return [[w for w in x if skip_top <= w < num_words] for x in seqs]


def permute(rng, x, y):
    order = np.arange(len(x))
    rng.shuffle(order)
    return x[order], y[order]


def load_word_index(res, path):
    fpath, _ = _files.locate(res, path, res.fname)
    with open(fpath, encoding="utf-8") as f:
        index = json.load(f)
    if not isinstance(index, dict):
        raise ValueError(  # noqa: TRY004 - a bad file, not a bad argument
            f"{fpath} is not a word index (a JSON object of word -> index).")
    return index


def check_kwargs(kwargs):
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}.")
