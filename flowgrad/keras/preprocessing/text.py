"""`keras.preprocessing.text`: word tokenization and the `Tokenizer` of tf.keras 2."""

import collections
import hashlib
import json
import warnings

import numpy as np

__all__ = ["Tokenizer", "hashing_trick", "one_hot", "text_to_word_sequence",
           "tokenizer_from_json"]

_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def text_to_word_sequence(input_text, filters=_FILTERS, lower=True, split=" "):
    """Splits a text into words: lowercased, the `filters` characters replaced by `split`.

    Example:
        >>> text_to_word_sequence("Hello, World!  again")
        ['hello', 'world', 'again']
    """
    if lower:
        input_text = input_text.lower()
    table = str.maketrans({c: split for c in filters})
    input_text = input_text.translate(table)
    return [w for w in input_text.split(split) if w]


def hashing_trick(text, n, hash_function=None, filters=_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Maps each word to an index in [1, n) by hashing (`hash_function`: None = Python's
    `hash`, which varies between runs; "md5" for a stable one)."""
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":
        def hash_function(w):
            return int(hashlib.md5(w.encode()).hexdigest(), 16)
    seq = text_to_word_sequence(text, filters, lower, split) if analyzer is None else \
        analyzer(text)
    return [(hash_function(w) % (n - 1) + 1) for w in seq]


def one_hot(input_text, n, filters=_FILTERS, lower=True, split=" ", analyzer=None):
    """`hashing_trick` with Python's `hash`: word indices in [1, n)."""
    return hashing_trick(input_text, n, hash_function=hash, filters=filters, lower=lower,
                         split=split, analyzer=analyzer)


class Tokenizer:
    """Turns texts into sequences of word indices (or into bag-of-words matrices).

    Indices start at 1 and follow descending word frequency in the texts seen by
    `fit_on_texts` (ties: first seen first); with `oov_token`, index 1 is that token and words
    not in the vocabulary (or beyond `num_words`) map to it.

    Args:
        num_words: only the words with index < `num_words` are kept when converting.
        filters: characters removed from the texts (replaced by `split`).
        lower: lowercase the texts.
        split: the word separator.
        char_level: treat every character as a token.
        oov_token: the token standing for out-of-vocabulary words.
        analyzer: a callable splitting a text into tokens (instead of the rules above).

    Example:
        >>> t = Tokenizer(num_words=3)
        >>> t.fit_on_texts(["the cat", "the dog"])
        >>> t.word_index, t.texts_to_sequences(["the dog"])
        ({'the': 1, 'cat': 2, 'dog': 3}, [[1]])
    """

    def __init__(self, num_words=None, filters=_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:
            warnings.warn("The `nb_words` argument of `Tokenizer` has been renamed "
                          "`num_words`.", stacklevel=2)
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Unrecognized keyword arguments: {kwargs}")
        self.word_counts = collections.OrderedDict()
        self.word_docs = collections.defaultdict(int)
        self.filters = filters
        self.split = split
        self.lower = lower
        self.num_words = num_words
        self.document_count = document_count
        self.char_level = char_level
        self.oov_token = oov_token
        self.index_docs = collections.defaultdict(int)
        self.word_index = {}
        self.index_word = {}
        self.analyzer = analyzer

    def _tokens(self, text):
        if self.char_level or isinstance(text, list):
            if self.lower:
                if isinstance(text, list):
                    return [t.lower() for t in text]
                return text.lower()
            return text
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts):
        """Counts the words of `texts` (strings, or lists of tokens) and rebuilds
        `word_index` / `index_word` by descending frequency."""
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        ordered = sorted(self.word_counts.items(), key=lambda kv: kv[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ordered]
        self.word_index = dict(zip(vocab, range(1, len(vocab) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        # counts of indices that no word takes now (from fit_on_sequences) are kept
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def fit_on_sequences(self, sequences):
        """Counts in how many sequences each index occurs (for the tf-idf matrix mode)."""
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[i] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices (unknown words dropped, or mapped to the
        `oov_token`'s index)."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        num_words = self.num_words
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None:
                    if num_words and i >= num_words:
                        if oov is not None:
                            vect.append(oov)
                    else:
                        vect.append(i)
                elif oov is not None:
                    vect.append(oov)
            yield vect

    def sequences_to_texts(self, sequences):
        """The inverse of `texts_to_sequences` (words joined by spaces)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        num_words = self.num_words
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        for seq in sequences:
            vect = []
            for i in seq:
                w = self.index_word.get(i)
                if w is not None:
                    if num_words and i >= num_words:
                        if oov is not None:
                            vect.append(self.index_word[oov])
                    else:
                        vect.append(w)
                elif oov is not None:
                    vect.append(self.index_word[oov])
            yield " ".join(vect)

    def texts_to_matrix(self, texts, mode="binary"):
        """A `(len(texts), num_words)` float64 matrix of the texts' word indices (see
        `sequences_to_matrix` for the modes)."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """A `(len(sequences), num_words)` float64 matrix of the indices (`num_words`, or the
        vocabulary size + 1; larger indices are dropped).

        `mode`: "binary" (1 where an index occurs), "count", "freq" (count / sequence length,
        dropped indices included in the length) or "tfidf":
        `(1 + log(count)) * log(1 + document_count / (1 + index_docs[index]))`, the document
        counts coming from `fit_on_texts` / `fit_on_sequences`. An unknown mode raises
        ValueError before any work (tf-keras raises only on a non-empty sequence).
        """
        if not self.num_words:
            if self.word_index:
                num_words = len(self.word_index) + 1
            else:
                raise ValueError("Specify a dimension (`num_words` argument), or fit on some "
                                 "text data first.")
        else:
            num_words = self.num_words
        if mode not in ("binary", "count", "tfidf", "freq"):
            raise ValueError(f"Unknown vectorization mode: {mode}")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Fit the Tokenizer on some data before using tfidf mode.")
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not seq:
                continue
            counts = collections.defaultdict(int)
            for j in seq:
                if j >= num_words:
                    continue
                counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i][j] = c
                elif mode == "freq":
                    x[i][j] = c / len(seq)
                elif mode == "binary":
                    x[i][j] = 1
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i][j] = tf * idf
        return x

    def get_config(self):
        return {
            "num_words": self.num_words, "filters": self.filters, "lower": self.lower,
            "split": self.split, "char_level": self.char_level, "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer as a JSON string (`tokenizer_from_json` reads it back)."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A `Tokenizer` from `Tokenizer.to_json()`."""
    cfg = dict(json.loads(json_string)["config"])
    word_counts = json.loads(cfg.pop("word_counts"))
    word_docs = json.loads(cfg.pop("word_docs"))
    index_docs = {int(k): v for k, v in json.loads(cfg.pop("index_docs")).items()}
    index_word = {int(k): v for k, v in json.loads(cfg.pop("index_word")).items()}
    word_index = json.loads(cfg.pop("word_index"))
    t = Tokenizer(**cfg)
    t.word_counts = collections.OrderedDict(word_counts)
    t.word_docs = collections.defaultdict(int, word_docs)
    t.index_docs = collections.defaultdict(int, index_docs)
    t.index_word = index_word
    t.word_index = word_index
    return t
