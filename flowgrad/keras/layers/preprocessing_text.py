"""Text and categorical preprocessing layers: `StringLookup`, `IntegerLookup`,
`TextVectorization` and `Hashing` (Keras 3 argument names, defaults, behaviour and configs).

Each layer's work is one registered, non-differentiable op whose kernel runs on the host
(`IndexLookup`, `TextVectorization`, `Hashing`; strings are object arrays of UTF-8 bytes), so
the layers run eagerly, inside `tf.function`, inside `Dataset.map` and in a model's traced
train step. The lookup table is a Python object the ops hold by reference: `adapt` or
`set_vocabulary` after a trace is seen by the traced graph.

Shapes inside a trace must not depend on the data: `TextVectorization(output_mode="int")`
needs `output_sequence_length` there (eagerly the output is padded to the longest row), and
`ragged=True` runs eagerly only. The other output modes have static shapes.

Differences from Keras 3.15:

* `one_hot` / `multi_hot` / `count` outputs are float32 (Keras's declared output spec, and
  tf.keras 2.x's behaviour; Keras 3 returns int64 tensors eagerly). `tf_idf` is float32 too.
* flowgrad has no sparse tensors: `sparse=True` is refused.
* The vocabulary (and tf-idf weights) of an adapted layer is part of `get_config()`, so
  flowgrad's `.keras` files need no asset files; Keras 3's `assets/.../vocabulary.txt` is read
  (`load_assets`) when a Keras-written file is loaded.
* `multi_hot` / `count` / `tf_idf` accept inputs of rank <= 2, as Keras's TensorFlow fast
  path does.
"""

import collections
import itertools
import os

import numpy as np

from ... import dtypes as _dtypes
from ...core.convert import convert_to_tensor
from ...core.dispatch import execute
from ...core.registry import register_op
from ...core.tensor import Tensor, _wrap
from ...errors import InvalidArgumentError
from ...strings import _hash
from ..engine.base_layer import Layer
from ..engine.keras_tensor import KerasTensor
from .preprocessing_base import PreprocessingLayer, _host

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
# Keras's `lower_and_strip_punctuation` / `strip_punctuation` character class.
_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'


def _is_symbolic(t):
    return getattr(t, "_graph_value", None) is not None


def _bytes(v):
    if type(v) is bytes:
        return v
    if isinstance(v, str):
        return v.encode("utf-8")
    if isinstance(v, (bytes, np.bytes_)):
        return bytes(v)
    raise InvalidArgumentError(None, None, f"Expected a string; got {type(v).__name__} {v!r}.")


def _flat_bytes(a):
    return [_bytes(v) for v in np.asarray(a, dtype=object).reshape(-1).tolist()]


def _objects(items, shape):
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


# -- the lookup table ---------------------------------------------------------------------------
class _LookupTable:
    """A vocabulary and how tokens outside it are mapped (host state shared by the ops).

    Indices: `[mask]` (int output with a mask token), then `num_oov_indices` OOV buckets,
    then the tokens in vocabulary order.
    """

    def __init__(self, is_string, num_oov_indices, mask_token, oov_token, invert, output_mode,
                 oov_method, salt, layer_name):
        self.is_string = is_string
        self.num_oov = num_oov_indices
        self.mask = mask_token              # bytes / int / None
        self.oov_token = oov_token
        self.invert = invert
        self.oov_start = 1 if mask_token is not None and output_mode == "int" else 0
        self.token_start = self.oov_start + num_oov_indices
        self.oov_method = oov_method
        self.salt = salt
        self.layer_name = layer_name
        self.tokens = None                  # list of keys (bytes / int); None: no vocabulary
        self.index = {}
        self.idf = None                     # float32 array of the encoded depth, tf_idf only

    def set_tokens(self, tokens):
        self.tokens = list(tokens)
        self.index = {t: i + self.token_start for i, t in enumerate(self.tokens)}

    @property
    def size(self):
        return self.token_start + (len(self.tokens) if self.tokens is not None else 0)

    def _require(self):
        if self.tokens is None:
            raise InvalidArgumentError(
                None, "IndexLookup", f"Layer '{self.layer_name}' has no vocabulary yet: call "
                "`adapt(data)` or pass `vocabulary=` (or call `set_vocabulary`) before using "
                "it.")

    def keys(self, a):
        """The flat keys of an input array (bytes for strings, Python ints otherwise)."""
        if self.is_string:
            return _flat_bytes(a)
        return np.asarray(a).astype(np.int64).reshape(-1).tolist()

    def lookup(self, flat_keys, drop_masked):
        """Indices (int64, flat) for a list of keys; the mask token gives 0, or -1 (dropped
        by the encodings) when `drop_masked`."""
        self._require()
        n = len(flat_keys)
        default = self.oov_start if self.num_oov == 1 else -1
        idx = np.fromiter(map(self.index.get, flat_keys, itertools.repeat(default)),
                          dtype=np.int64, count=n)
        if self.mask is not None:
            masked = np.fromiter((k == self.mask for k in flat_keys), dtype=bool, count=n)
            idx[masked] = -1 if drop_masked else 0
        else:
            masked = None
        if self.num_oov != 1:
            missing = idx == -1
            if masked is not None:
                missing &= ~masked
            if missing.any():
                where = np.nonzero(missing)[0]
                if self.num_oov == 0:
                    bad = [flat_keys[i] for i in where[:10]]
                    shown = ", ".join(repr(b.decode("utf-8", "replace")) if isinstance(b, bytes)
                                      else str(b) for b in bad)
                    raise InvalidArgumentError(
                        None, "IndexLookup", f"Layer '{self.layer_name}': when "
                        f"`num_oov_indices=0` all inputs should be in vocabulary, found OOV "
                        f"values [{shown}], consider setting `num_oov_indices=1`.")
                idx[where] = [self._oov_bucket(flat_keys[i]) for i in where]
        return idx

    def _oov_bucket(self, key):
        if not self.is_string and self.oov_method != "farmhash":
            return key % self.num_oov + self.oov_start
        data = key if self.is_string else str(key).encode()
        h = _hash.siphash(self.salt, data) if self.salt is not None else \
            _hash.fingerprint64(data)
        return h % self.num_oov + self.oov_start

    def vocabulary(self):
        """Every index's token, specials included (mask at 0 for int output)."""
        self._require()
        special = [self.mask] * self.oov_start + [self.oov_token] * self.num_oov
        return special + self.tokens

    def invert_lookup(self, a):
        """Tokens for an array of indices."""
        self._require()
        vocab = self.vocabulary()
        idx = np.asarray(a).astype(np.int64)
        flat = idx.reshape(-1)
        valid = (flat >= self.token_start) & (flat < len(vocab))
        out = np.empty(flat.shape, dtype=object if self.is_string else np.int64)
        out[...] = self.oov_token
        table = np.empty(len(vocab), dtype=out.dtype)
        table[:] = vocab
        out[valid] = table[flat[valid]]
        if self.mask is not None:
            out[flat == 0] = self.mask
        return out.reshape(idx.shape)


# -- encodings ----------------------------------------------------------------------------------
def _bincount_rows(idx, rowids, nrows, depth, mode, idf):
    """(nrows, depth) float32 counts of the indices per row (indices outside [0, depth)
    dropped), binarized for multi_hot, times `idf` for tf_idf."""
    keep = (idx >= 0) & (idx < depth)
    counts = np.bincount(rowids[keep] * depth + idx[keep], minlength=nrows * depth)
    out = counts.reshape(nrows, depth).astype(np.float32)
    if mode == "multi_hot":
        np.minimum(out, 1, out=out)
    elif mode == "tf_idf":
        out *= idf[:depth]
    return out


def _encode(idx, mode, depth, idf):
    """Keras's categorical encodings of an index array (any rank for int / one_hot, rank <= 2
    for the others: a rank-1 input is one sample)."""
    if mode == "int":
        return idx
    if mode == "one_hot":
        a = idx.reshape(1) if idx.ndim == 0 else (
            idx[..., 0] if idx.ndim > 1 and idx.shape[-1] == 1 else idx)
        flat = a.reshape(-1)
        out = np.zeros((flat.size, depth), dtype=np.float32)
        keep = (flat >= 0) & (flat < depth)
        out[np.nonzero(keep)[0], flat[keep]] = 1
        return out.reshape(a.shape + (depth,))
    single = idx.ndim <= 1
    rows = idx.reshape(1, -1) if single else idx
    n, m = rows.shape
    rowids = np.repeat(np.arange(n, dtype=np.int64), m)
    out = _bincount_rows(rows.reshape(-1), rowids, n, depth, mode, idf)
    return out[0] if single else out


def _lookup_kernel(xp, x, table, output_mode, depth):
    if table.invert:
        return table.invert_lookup(x)
    a = np.asarray(x)
    idx = table.lookup(table.keys(a), drop_masked=output_mode != "int").reshape(a.shape)
    return _encode(idx, output_mode, depth, table.idf)


INDEX_LOOKUP = register_op("IndexLookup", _lookup_kernel, differentiable=False)


# -- tokenizing ---------------------------------------------------------------------------------
def _characters(v):
    return [c.encode("utf-8") for c in v.decode("utf-8", "replace")]


def tokenize(strings, split):
    """Tokens of each string (flat list, row splits) for `split` "whitespace" / "character"."""
    flat = _flat_bytes(strings)
    rows = [v.split() for v in flat] if split == "whitespace" else [_characters(v) for v in flat]
    splits = [0]
    for r in rows:
        splits.append(splits[-1] + len(r))
    return [t for r in rows for t in r], splits


def _ngrams(tokens, splits, widths):
    from ...strings.string_ops import ngram_rows
    return ngram_rows(tokens, splits, widths, b" ", b"", b"", 0, False)


def _vectorize_kernel(xp, x, table, split, widths, output_mode, depth, sequence_length):
    a = np.asarray(x)
    if split is None:
        if widths:
            from ...strings.string_ops import _ngrams_kernel
            a = _ngrams_kernel(xp, a.reshape(1) if a.ndim == 0 else a, widths, b" ", b"", b"",
                               0, False)
        idx = table.lookup(table.keys(a), drop_masked=output_mode != "int").reshape(a.shape)
        if output_mode == "int":
            return _fit_length(idx, sequence_length)
        return _encode(idx, output_mode, depth, table.idf)
    tokens, splits = tokenize(a, split)
    if widths:
        tokens, splits = _ngrams(tokens, splits, widths)
    idx = table.lookup(tokens, drop_masked=output_mode != "int")
    splits = np.asarray(splits, dtype=np.int64)
    lengths = np.diff(splits)
    nrows = lengths.size
    rowids = np.repeat(np.arange(nrows, dtype=np.int64), lengths)
    if output_mode == "int":
        width = int(lengths.max()) if nrows else 0
        width = width if sequence_length is None else sequence_length
        out = np.zeros((nrows, width), dtype=np.int64)
        pos = np.arange(idx.size) - splits[rowids]
        keep = pos < width
        out[rowids[keep], pos[keep]] = idx[keep]
        return out[0] if a.ndim == 0 else out
    out = _bincount_rows(idx, rowids, nrows, depth, output_mode, table.idf)
    return out[0] if a.ndim == 0 else out


def _fit_length(idx, length):
    if length is None:
        return idx
    if idx.ndim == 0:
        idx = idx.reshape(1)
    idx = idx[..., :length]
    pad = length - idx.shape[-1]
    if pad:
        idx = np.concatenate([idx, np.zeros(idx.shape[:-1] + (pad,), np.int64)], axis=-1)
    return idx


TEXT_VECTORIZATION = register_op("TextVectorization", _vectorize_kernel, differentiable=False)


def _hash_kernel(xp, x, num_bins, mask_value, salt, output_mode, out_dtype):
    a = np.asarray(x)
    bins = num_bins - 1 if mask_value is not None and num_bins > 1 else num_bins
    if a.dtype == object:
        keys = _flat_bytes(a)
        masked = None if mask_value is None else np.fromiter(
            (k == mask_value for k in keys), dtype=bool, count=len(keys))
    else:
        masked = None if mask_value is None else (a == mask_value).reshape(-1)
        ints = a.astype(np.int64) if a.dtype.kind == "f" else a
        keys = [str(v).encode() for v in ints.reshape(-1).tolist()]
    if salt is not None:
        h = [_hash.siphash(salt, k) % bins for k in keys]
    else:
        h = [_hash.fingerprint64(k) % bins for k in keys]
    idx = np.asarray(h, dtype=np.int64)
    if masked is not None and num_bins > 1:
        idx = np.where(masked, 0, idx + 1)
    idx = idx.reshape(a.shape)
    if output_mode == "int":
        return idx.astype(out_dtype)
    return _encode(idx, output_mode, num_bins, None)


HASHING = register_op("Hashing", _hash_kernel, differentiable=False)


# -- layers -------------------------------------------------------------------------------------
def _no_sparse(layer, sparse):
    if sparse:
        raise ValueError(f"{layer}: `sparse=True` is not supported: flowgrad has no sparse "
                         "tensors. Use the default `sparse=False` (dense outputs).")


def _check_output_mode(layer, mode, allowed=_OUTPUT_MODES):
    if mode == "binary":
        mode = "multi_hot"
    if mode == "tf-idf":
        mode = "tf_idf"
    if mode not in allowed:
        raise ValueError(f"Invalid value for argument `output_mode` of {layer}. Expected one "
                         f"of {allowed}. Received: output_mode={mode!r}")
    return mode


def _read_vocabulary_file(path, is_string):
    if not os.path.exists(path):
        raise ValueError(f"Vocabulary file {path} does not exist.")
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    lines = [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]
    while lines and lines[-1] == b"":
        lines.pop()
    return lines if is_string else [int(ln) for ln in lines]


def _listify(x):
    if x is None:
        return None
    if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
        x = x.numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in x] if isinstance(
        x, (list, tuple)) else x


class IndexLookup(PreprocessingLayer):
    """The shared machinery of `StringLookup` and `IntegerLookup` (Keras's `IndexLookup`)."""

    _is_string = True

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, **kwargs):
        cls = type(self).__name__
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_dtype", None)
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{cls}: `oov_method` must be 'floormod' or 'farmhash'; received "
                             f"{oov_method!r}.")
        output_mode = _check_output_mode(cls, output_mode)
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        _no_sparse(cls, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is "
                             f"`'tf_idf'`. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output "
                             "mode, the `idf_weights` argument must also be provided.")
        if salt is not None:
            if not self._is_string and oov_method != "farmhash":
                raise ValueError("`salt` can only be used when `oov_method='farmhash'`. "
                                 f"Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"The `salt` argument for `{cls}` can only be a tuple of 2 "
                                 f"integers, or a single integer. Received: salt={salt}.")
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        self._has_input_vocabulary = has_input_vocabulary
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._table = _LookupTable(
            self._is_string, num_oov_indices, self._key(mask_token), self._key(oov_token),
            invert, output_mode, oov_method,
            None if salt is None else tuple(s & _hash._M64 for s in salt), self.name)
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- keys -----------------------------------------------------------------------------------
    def _key(self, token):
        """A vocabulary token as a table key (bytes for strings, int for integers)."""
        if token is None:
            return None
        if self._is_string:
            if isinstance(token, str):
                return token.encode(self._encoding)
            return _bytes(token)
        return int(token)

    def _token(self, key):
        """A table key as get_vocabulary returns it (str for strings)."""
        if self._is_string and isinstance(key, bytes):
            return key.decode(self._encoding)
        return key

    _encoding = "utf-8"

    # -- vocabulary -----------------------------------------------------------------------------
    def vocabulary_size(self):
        """The number of indices: tokens plus mask and OOV indices."""
        return self._table.size if self._table.tokens is not None else \
            self._table.token_start

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary, index order; with `include_special_tokens` a token's position is
        its index."""
        if self._table.tokens is None:
            vocab = [self._table.mask] * self._table.oov_start + \
                [self._table.oov_token] * self.num_oov_indices
        else:
            vocab = self._table.vocabulary()
        if not include_special_tokens:
            vocab = vocab[self._table.token_start:]
        return [self._token(v) for v in vocab]

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list / array / 1-D tensor, or a text file with one token per
        line) and, for `tf_idf`, the inverse document frequencies.

        Raises:
            ValueError: repeated tokens, special tokens at other positions than the start,
                more tokens than `max_tokens`, or idf weights that do not fit.
        """
        name = f"Layer '{self.name}' ({type(self).__name__})"
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{name}: `idf_weights` must be set if output_mode is "
                                 "'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"{name}: `idf_weights` should only be set if output_mode is "
                             f"`'tf_idf'`. Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == "tf_idf":
                raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary "
                                 "from file.")
            tokens = _read_vocabulary_file(os.fspath(vocabulary), self._is_string)
        else:
            if isinstance(vocabulary, Tensor) or hasattr(vocabulary, "_is_variable"):
                vocabulary = vocabulary.numpy()
            tokens = [self._key(v.item() if isinstance(v, np.generic) else v)
                      for v in np.asarray(vocabulary, dtype=object).reshape(-1).tolist()]
        if not tokens:
            raise ValueError(f"{name}: cannot set an empty vocabulary. Received: "
                             f"vocabulary={vocabulary}")
        t = self._table
        special = [t.mask] * t.oov_start + [t.oov_token] * self.num_oov_indices
        found_special = tokens[:t.token_start] == special
        if found_special:
            tokens = tokens[t.token_start:]
        repeated = [k for k, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{name}: the passed vocabulary has at least one repeated term. "
                             "Please uniquify your dataset. The repeated terms are: "
                             f"{[self._token(r) for r in repeated]}")
        if t.mask is not None and t.mask in tokens:
            raise ValueError(
                f"{name}: found reserved mask token at unexpected location in `vocabulary`. "
                "Note that passed `vocabulary` does not need to include the OOV and mask "
                "tokens. Either remove all mask and OOV tokens, or include them only at the "
                f"start of the vocabulary in precisely this order: "
                f"{[self._token(s) for s in special]}. Received: mask_token={self.mask_token} "
                f"at vocabulary index {tokens.index(t.mask) + t.token_start}")
        if self.invert and t.oov_token is not None and t.oov_token in tokens:
            raise ValueError(
                f"{name}: found reserved OOV token at unexpected location in `vocabulary`. "
                "Either remove all mask and OOV tokens, or include them only at the start of "
                f"the vocabulary in precisely this order: {[self._token(s) for s in special]}.")
        new_size = t.token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError(f"{name}: attempted to set a vocabulary larger than the maximum "
                             f"vocab size. Received vocabulary size is {new_size}; "
                             f"`max_tokens` is {self.max_tokens}.")
        if self.output_mode == "tf_idf":
            w = np.asarray(_listify(idf_weights), dtype=np.float64)
            if w.ndim != 1:
                raise ValueError(f"{name}: TF-IDF data must be a 1-index array. Received: "
                                 f"idf_weights of shape {w.shape}")
            if len(w) != len(tokens) + (t.token_start if found_special else 0):
                raise ValueError(f"{name}: `idf_weights` must be the same length as "
                                 f"vocabulary. len(idf_weights) is {len(w)}; len(vocabulary) "
                                 f"is {len(tokens) + (t.token_start if found_special else 0)}")
            front = 0 if found_special else t.token_start
            back = self.max_tokens - front - len(w) if self.pad_to_max_tokens else 0
            self._set_idf(np.pad(w, (front, back), constant_values=(
                0 if found_special else np.average(w), 0)))
        t.set_tokens(tokens)
        self._frozen_vocab_size = self.vocabulary_size()
        self._is_adapted = True

    def load_assets(self, dir_path):
        """Reads the adapted vocabulary Keras 3 stores in `.keras` files as
        `assets/<layer path>/vocabulary.txt` (one token per line, special tokens first)."""
        path = os.path.join(dir_path, "vocabulary.txt")
        if self.input_vocabulary is not None or not os.path.exists(path):
            return
        if self.output_mode == "tf_idf":
            raise NotImplementedError(
                f"Layer '{self.name}': loading an adapted tf_idf vocabulary from a Keras "
                ".keras file is not supported (its idf weights are stored apart); save the "
                "model with flowgrad, which keeps them in the layer config.")
        with open(path, encoding=self._encoding if self._is_string else "utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        self.set_vocabulary(lines if self._is_string else [int(v) for v in lines])

    def _set_idf(self, weights):
        self._table.idf = np.asarray(weights, dtype=np.float32)

    @property
    def idf_weights(self):
        """The tf-idf weights per index (tf_idf output mode), a float32 tensor."""
        if self._table.idf is None:
            raise AttributeError(f"Layer '{self.name}' has no idf_weights (output_mode="
                                 f"{self.output_mode!r}, or no vocabulary yet).")
        return _wrap(self._table.idf.copy())

    # -- adapt ----------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Computes the vocabulary from `data`: tokens sorted by frequency (ties: the larger
        token first), at most `max_tokens` indices; `tf_idf` also learns document
        frequencies. An array or list of rank 1 is one token per sample."""
        if not _is_batches(data):
            arr = _host(data)
            if arr.ndim == 1:
                data = arr.reshape(-1, 1)
        super().adapt(data, batch_size=batch_size, steps=steps)

    def reset_state(self):
        if self._has_input_vocabulary:
            return
        self._counts = collections.Counter()
        self._doc_counts = collections.Counter()
        self._num_documents = 0

    def update_state(self, data):
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        a = np.asarray(data)
        if a.ndim == 0:
            a = a.reshape(1, 1)
        elif a.ndim == 1:
            a = a.reshape(1, -1)
        else:
            a = a.reshape(a.shape[0], -1)
        self._accumulate([self._table.keys(row) for row in a])

    def _accumulate(self, rows):
        """Counts the tokens of each row (a document)."""
        for row in rows:
            self._counts.update(row)
        if self.output_mode == "tf_idf":
            for row in rows:
                self._doc_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self):
        if self._has_input_vocabulary or not self._counts:
            return
        t = self._table
        counts = dict(self._counts)
        for special in (t.mask, t.oov_token):
            counts.pop(special, None)
        tokens = sorted(counts, key=lambda k: (counts[k], k), reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - t.token_start]
        if self.output_mode == "tf_idf":
            df = np.asarray([self._doc_counts[k] for k in tokens], dtype=np.float64)
            idf = np.log(1 + self._num_documents / (1 + df)).astype(np.float32)
            mean = idf.mean() if idf.size else 0.0
            idf = np.concatenate([np.full(t.token_start, mean, np.float32), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = np.pad(idf, (0, self.max_tokens - idf.size))
            self._set_idf(idf)
        t.set_tokens(tokens)
        self._frozen_vocab_size = self.vocabulary_size()
        self.reset_state()

    # -- call -----------------------------------------------------------------------------------
    def _depth(self):
        if self.pad_to_max_tokens:
            return self.max_tokens
        if self._table.tokens is None:
            raise RuntimeError(
                f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, "
                f"you must set the layer's vocabulary before calling it (layer "
                f"'{self._table.layer_name}'). Either pass a `vocabulary` argument to the layer, or call "
                "`adapt` with some sample data.")
        return self.vocabulary_size()

    def _input_tensor(self, inputs):
        want_string = self._is_string and not self.invert
        if isinstance(inputs, Tensor) or hasattr(inputs, "_is_variable"):
            t = convert_to_tensor(inputs)
        else:
            try:
                t = convert_to_tensor(inputs)
            except (TypeError, ValueError) as e:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) could not "
                                 f"convert its input to a tensor: {e}") from None
        ok = t.dtype == _dtypes.string if want_string else t.dtype.is_integer
        if not ok:
            expected = "string" if want_string else "integer"
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects {expected} "
                             f"inputs; received dtype {t.dtype.name} (shape {t.shape}).")
        return t

    def call(self, inputs):
        from ...ragged.ragged_tensor import RaggedTensor
        if isinstance(inputs, RaggedTensor):
            return inputs.with_flat_values(self.call(inputs.flat_values)) \
                if self.output_mode == "int" else self._call_ragged(inputs)
        t = self._input_tensor(inputs)
        depth = None if self.output_mode == "int" else self._depth()
        _check_rank(self, t, self.output_mode)
        if self.output_mode == "tf_idf" and self._table.idf is None:
            raise ValueError(f"Layer '{self.name}': output_mode='tf_idf' needs idf weights: "
                             "call `adapt` or pass `idf_weights`.")
        return execute(INDEX_LOOKUP, (t,), {"table": self._table,
                                            "output_mode": self.output_mode, "depth": depth})

    def _call_ragged(self, rt):
        from ...ragged.ragged_tensor import _host as host
        if rt.ragged_rank != 1:
            raise ValueError(f"Layer '{self.name}': output_mode={self.output_mode!r} supports "
                             "RaggedTensors with one ragged dimension.")
        idx = self._table.lookup(self._table.keys(host(rt.flat_values)), drop_masked=True)
        splits = host(rt.row_splits)
        n = splits.size - 1
        rowids = np.repeat(np.arange(n, dtype=np.int64), np.diff(splits))
        return _wrap(_bincount_rows(idx, rowids, n, self._depth(), self.output_mode,
                                    self._table.idf))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self.output_mode == "int":
            return tuple(shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "one_hot":
            if not shape:
                return (1, depth)
            return tuple(shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (depth,)
        return tuple(shape[:-1]) + (depth,)

    def _output_dtype(self):
        if self.output_mode != "int":
            return _dtypes.float32
        if self.invert:
            return _dtypes.string if self._is_string else _dtypes.int64
        return _dtypes.int64

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        if not isinstance(inputs, KerasTensor) or inputs.shape.rank is None:
            return None
        return KerasTensor(self.compute_output_shape(inputs.shape.as_list()),
                           self._output_dtype())

    def get_config(self):
        config = super().get_config()
        adapted = not self._has_input_vocabulary and self._table.tokens is not None
        vocabulary = self.get_vocabulary() if adapted else _listify(self.input_vocabulary)
        idf = self.input_idf_weights
        if adapted and self.output_mode == "tf_idf":
            idf = self._table.idf[:self.vocabulary_size()]
        config.update({
            "invert": self.invert,
            "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token,
            "mask_token": self.mask_token,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "idf_weights": _listify(idf),
            "vocabulary": vocabulary,
            "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method,
            "salt": self.salt,
        })
        if adapted:
            # restored as a set (not input) vocabulary: the layer can be adapted again
            config["has_input_vocabulary"] = False
        return config

    @classmethod
    def from_config(cls, config):
        """The layer of `get_config()` (Keras's `vocabulary_size` and flowgrad's
        `has_input_vocabulary` keys included)."""
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        return cls(**config)


def _check_rank(layer, t, mode):
    if mode in ("multi_hot", "count", "tf_idf") and t.shape.rank is not None and \
            t.shape.rank > 2:
        raise ValueError(f"Layer '{layer.name}' ({type(layer).__name__}): output_mode={mode!r} "
                         "supports inputs of rank <= 2 (a batch of samples, or one sample); "
                         f"received shape {tuple(t.shape.as_list())}.")


def _is_batches(data):
    from ...data.dataset_ops import DatasetV2
    from .preprocessing_base import _is_batch_list
    return isinstance(data, DatasetV2) or _is_batch_list(data) or (
        hasattr(data, "__next__") and hasattr(data, "__iter__")) or hasattr(
        data, "__getitem__") and hasattr(data, "on_epoch_end")


class StringLookup(IndexLookup):
    """Maps strings to integer indices from a vocabulary (or back, with `invert=True`).

    Args:
        max_tokens: the largest vocabulary size, special indices included (None: no limit).
        num_oov_indices: how many indices out-of-vocabulary tokens hash into (0: they are an
            error).
        mask_token: a token mapped to index 0 (int output) or dropped (other modes).
        oov_token: the token `invert=True` returns for OOV indices.
        vocabulary: a list / array of strings or the path of a text file, one per line.
        idf_weights: inverse document frequencies for `output_mode="tf_idf"`.
        invert: map indices back to strings.
        output_mode: "int", "one_hot", "multi_hot", "count" or "tf_idf".
        pad_to_max_tokens: encoded outputs have `max_tokens` columns.
        sparse: must be False (flowgrad has no sparse tensors).
        encoding: the text encoding of the vocabulary strings.
        salt: hash OOV tokens with SipHash keyed by `salt` (one int or two) instead of
            FarmHash.

    Example:
        >>> import flowgrad as tf
        >>> layer = tf.keras.layers.StringLookup(vocabulary=["a", "b", "c"])
        >>> layer([["a", "z"], ["c", "b"]]).numpy().tolist()
        [[1, 0], [3, 2]]
    """

    _is_string = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self._encoding = encoding
        self.encoding = encoding
        kwargs.pop("oov_method", None)  # strings always hash their OOV buckets
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method="farmhash", salt=salt, name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["oov_method"] = "floormod"  # Keras's default, unused for strings
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices from a vocabulary (or back, with `invert=True`).

    Takes `StringLookup`'s arguments (integer tokens; `oov_token=-1`), plus `oov_method`:
    "floormod" (default: `token % num_oov_indices`) or "farmhash" for the OOV buckets.

    Example:
        >>> import flowgrad as tf
        >>> layer = tf.keras.layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer([[12, 1138, 42], [42, 1000, 36]]).numpy().tolist()
        [[1, 3, 4], [4, 0, 2]]
    """

    _is_string = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError("Only `vocabulary_dtype='int64'` is supported at this time. "
                             f"Received: vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = "int64"
        return config


class TextVectorization(PreprocessingLayer):
    """Turns strings into sequences of token indices or into bag-of-words vectors.

    The steps: standardize (lower-case, strip punctuation), split (whitespace or characters),
    n-grams, then a vocabulary lookup (`adapt` learns the vocabulary: index 0 is padding,
    1 the OOV token `[UNK]`).

    Args:
        max_tokens: the largest vocabulary size, padding and OOV included.
        standardize: "lower_and_strip_punctuation" (default), "lower", "strip_punctuation",
            None, or a callable on a string tensor.
        split: "whitespace" (default), "character", None, or a callable returning a
            RaggedTensor of tokens.
        ngrams: None, an int n (all n-grams up to n) or a tuple of widths.
        output_mode: "int" (default), "multi_hot", "count" or "tf_idf".
        output_sequence_length: "int" output is padded / cut to this length.
        pad_to_max_tokens: encoded outputs have `max_tokens` columns.
        vocabulary: a list of strings or a text file; idf_weights for "tf_idf".
        ragged: "int" output as a RaggedTensor (eager only).
        sparse: must be False.
        encoding: the text encoding of the vocabulary.

    Example:
        >>> import flowgrad as tf
        >>> layer = tf.keras.layers.TextVectorization(output_sequence_length=4)
        >>> layer.adapt(["The cat sat.", "The dog!"])
        >>> layer(["the dog sat"]).numpy().tolist()
        [[2, 4, 3, 0]]
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        cls = "TextVectorization"
        if not (standardize is None or callable(standardize) or standardize in (
                "lower_and_strip_punctuation", "lower", "strip_punctuation")):
            raise ValueError(f"Invalid value for argument `standardize` of {cls}. Expected one "
                             "of ('lower_and_strip_punctuation', 'lower', "
                             f"'strip_punctuation'), None or a callable. Received: "
                             f"standardize={standardize!r}")
        if not (split is None or callable(split) or split in ("whitespace", "character")):
            raise ValueError(f"Invalid value for argument `split` of {cls}. Expected one of "
                             "('whitespace', 'character'), None or a callable. Received: "
                             f"split={split!r}")
        output_mode = _check_output_mode(cls, output_mode)
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) or (
                isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. "
                             f"Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None or isinstance(
                output_sequence_length, int)):
            raise ValueError("`output_sequence_length` must be either None or an integer when "
                             "`output_mode` is 'int'. Received: output_sequence_length="
                             f"{output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError("`output_sequence_length` must not be set if `output_mode` is not "
                             f"'int'. Received output_sequence_length={output_sequence_length}.")
        if ragged and output_mode != "int":
            raise ValueError(f"`ragged` must not be true if `output_mode` is not `'int'`. "
                             f"Received: ragged={ragged} and output_mode={output_mode}")
        _no_sparse(cls, sparse)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        kwargs.setdefault("autocast", False)
        super().__init__(name=name, **kwargs)
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._ragged = ragged
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            encoding=encoding, has_input_vocabulary=has_input_vocabulary,
            vocabulary_size=vocabulary_size, name=f"{self.name}_lookup")
        self._lookup_layer._table.layer_name = self.name
        if vocabulary is not None:
            self._is_adapted = True

    # -- vocabulary -----------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order (`""` padding and `"[UNK]"` first for int output)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        """The number of indices, padding and OOV included."""
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (list, array, tensor or text file) and tf-idf weights."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)
        self._is_adapted = True

    def load_assets(self, dir_path):
        """Reads the vocabulary of a Keras 3 `.keras` file (see `StringLookup.load_assets`)."""
        self._lookup_layer.load_assets(dir_path)
        self._is_adapted = self._lookup_layer.is_adapted

    # -- preprocessing --------------------------------------------------------------------------
    def _string_tensor(self, inputs):
        from ...ragged.ragged_tensor import RaggedTensor
        if isinstance(inputs, RaggedTensor):
            raise ValueError(  # noqa: TRY004 - Keras raises ValueError for bad inputs
                f"Layer '{self.name}' (TextVectorization) expects a dense string tensor; "
                "received a RaggedTensor.")
        if isinstance(inputs, Tensor) or hasattr(inputs, "_is_variable"):
            t = convert_to_tensor(inputs)
        else:
            try:
                t = convert_to_tensor(inputs, dtype=_dtypes.string)
            except (TypeError, ValueError) as e:
                raise ValueError(f"Layer '{self.name}' (TextVectorization) expects string "
                                 f"inputs; could not convert {inputs!r:.80}: {e}") from None
        if t.dtype != _dtypes.string:
            raise ValueError(f"Layer '{self.name}' (TextVectorization) expects string inputs; "
                             f"received dtype {t.dtype.name} (shape {t.shape}).")
        return t

    def _standardized(self, t):
        from ... import strings
        std = self._standardize
        if std in ("lower", "lower_and_strip_punctuation"):
            t = strings.lower(t)
        if std in ("strip_punctuation", "lower_and_strip_punctuation"):
            t = strings.regex_replace(t, _PUNCTUATION, "")
        if callable(std):
            t = std(t)
        return t

    def _squeezed(self, t):
        """Splitting needs a batch of strings: (batch, 1) becomes (batch,)."""
        shape = t.shape
        if self._split is not None and shape.rank is not None and shape.rank > 1:
            if shape.rank > 2 or shape[-1] != 1:
                raise ValueError(
                    f"Layer '{self.name}' (TextVectorization): when tokenizing strings, the "
                    "input rank must be 1 or the last shape dimension must be 1. Received: "
                    f"inputs.shape={tuple(shape.as_list())} with rank={shape.rank}")
            from ...ops.array_ops import squeeze
            t = squeeze(t, axis=-1)
        return t

    def _tokens(self, inputs):
        """Eager preprocessing: a RaggedTensor (or dense Tensor for split=None) of tokens."""
        from ... import strings
        from ...ragged.ragged_tensor import RaggedTensor
        t = self._squeezed(self._standardized(self._string_tensor(inputs)))
        split = self._split
        if split == "whitespace":
            t = strings.split(t)
        elif split == "character":
            t = strings.unicode_split(t, "UTF-8")
        elif callable(split):
            t = split(t)
        if self._ngrams is not None:
            t = strings.ngrams(t, ngram_width=self._ngrams, separator=" ")
        if not isinstance(t, (Tensor, RaggedTensor)):
            t = convert_to_tensor(t)
        return t

    # -- adapt ----------------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and tf-idf weights) from strings: an array, a list, a
        Dataset of string batches (`(text, label)` elements adapt on the text) or an iterable
        of batches. Tokens are sorted by frequency (ties: the larger token first) and cut to
        `max_tokens`."""
        if not _is_batches(data):
            arr = _host(data)
            if arr.ndim == 1:
                data = arr.reshape(-1, 1)
        super().adapt(data, batch_size=batch_size, steps=steps)

    def reset_state(self):
        self._lookup_layer.reset_state()

    def update_state(self, data):
        lk = self._lookup_layer
        if lk._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             "vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             "method.")
        from ...ragged.ragged_tensor import RaggedTensor
        from ...ragged.ragged_tensor import _host as host
        a = np.asarray(data)
        tokens = self._tokens(_wrap(_objects(_flat_bytes(a), a.shape)))
        if isinstance(tokens, RaggedTensor):
            flat = lk._table.keys(host(tokens.flat_values))
            splits = host(tokens.row_splits).tolist() if tokens.ragged_rank == 1 else None
            if splits is None:
                raise ValueError(f"Layer '{self.name}': the split function must return one "
                                 "row of tokens per input string.")
            rows = [flat[s:e] for s, e in itertools.pairwise(splits)]
        else:
            v = host(tokens)
            v = v.reshape(1, -1) if v.ndim <= 1 else v.reshape(v.shape[0], -1)
            rows = [lk._table.keys(r) for r in v]
        lk._accumulate(rows)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    # -- call -----------------------------------------------------------------------------------
    def call(self, inputs):
        from ...ragged.ragged_tensor import RaggedTensor
        lk = self._lookup_layer
        mode = self._output_mode
        depth = None if mode == "int" else lk._depth()
        if mode == "tf_idf" and lk._table.idf is None:
            raise ValueError(f"Layer '{self.name}': output_mode='tf_idf' needs idf weights: "
                             "call `adapt` or pass `idf_weights`.")
        if self._ragged or callable(self._split):
            t = self._string_tensor(inputs)
            if _is_symbolic(t):
                raise self._trace_error("ragged=True" if self._ragged else "a callable split")
            tokens = self._tokens(t)
            if not isinstance(tokens, RaggedTensor):
                return self._finish_dense(lk(tokens))
            if mode != "int":
                return lk(tokens)
            ids = lk(tokens)
            if self._ragged:
                if self._output_sequence_length is not None:
                    ids = ids[:, :self._output_sequence_length]
                return ids
            shape = [None] * ids.shape.rank
            shape[-1] = self._output_sequence_length
            return ids.to_tensor(default_value=0, shape=shape)
        t = self._squeezed(self._standardized(self._string_tensor(inputs)))
        if self._split is None:
            _check_rank(self, t, mode)
        if (_is_symbolic(t) and mode == "int" and self._split is not None
                and self._output_sequence_length is None):
            raise self._trace_error("output_sequence_length=None")
        lk._table._require()
        return execute(TEXT_VECTORIZATION, (t,), {
            "table": lk._table, "split": self._split, "widths": self._ngrams,
            "output_mode": mode, "depth": depth,
            "sequence_length": self._output_sequence_length})

    def _finish_dense(self, ids):
        if self._output_mode == "int" and self._output_sequence_length is not None:
            return _wrap(_fit_length(np.asarray(ids._value), self._output_sequence_length))
        return ids

    def _trace_error(self, what):
        return ValueError(
            f"Layer '{self.name}' (TextVectorization) with {what} computes outputs whose shape "
            "depends on the text, which flowgrad cannot do inside a traced function "
            "(tf.function, model.fit / predict steps). Set `output_sequence_length` (with "
            "output_mode='int'), or apply the layer eagerly or in the input pipeline "
            "(`dataset.map(lambda x, y: (vectorize_layer(x), y))` runs it eagerly when needed).")

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self._output_mode == "int":
            if self._split is None:
                if self._output_sequence_length is not None and shape:
                    shape[-1] = self._output_sequence_length
                return tuple(shape)
            return (shape[0] if shape else None, self._output_sequence_length)
        depth = self._max_tokens if self._lookup_layer.pad_to_max_tokens else \
            self._lookup_layer._frozen_vocab_size
        if self._split is None:
            return tuple(shape[:-1]) + (depth,) if len(shape) > 1 else (depth,)
        return (shape[0] if shape else None, depth) if len(shape) else (depth,)

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        if not isinstance(inputs, KerasTensor) or inputs.shape.rank is None:
            return None
        dtype = _dtypes.int64 if self._output_mode == "int" else _dtypes.float32
        return KerasTensor(self.compute_output_shape(inputs.shape.as_list()), dtype,
                           ragged=self._ragged)

    def get_config(self):
        from ..saving.serialization_lib import serialize_keras_object
        lk = self._lookup_layer
        config = super().get_config()
        lk_config = lk.get_config()
        config.update({
            "max_tokens": self._max_tokens,
            "standardize": self._standardize if self._standardize is None or isinstance(
                self._standardize, str) else serialize_keras_object(self._standardize),
            "split": self._split if self._split is None or isinstance(self._split, str)
            else serialize_keras_object(self._split),
            "ngrams": self._ngrams_arg,
            "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length,
            "pad_to_max_tokens": lk.pad_to_max_tokens,
            "sparse": False,
            "ragged": self._ragged,
            "vocabulary": lk_config["vocabulary"],
            "idf_weights": lk_config["idf_weights"],
            "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        if "has_input_vocabulary" in lk_config:
            config["has_input_vocabulary"] = lk_config["has_input_vocabulary"]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving.serialization_lib import deserialize_keras_object
        config = dict(config)
        if isinstance(config.get("dtype"), dict):
            config["dtype"] = config["dtype"].get("config", {}).get("name", "float32")
        for key in ("standardize", "split"):
            v = config.get(key)
            if v is not None and not isinstance(v, str) or isinstance(v, str) and v not in ("lower_and_strip_punctuation", "lower",
                                                  "strip_punctuation", "whitespace",
                                                  "character"):
                config[key] = deserialize_keras_object(v, custom_objects)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


class Hashing(Layer):
    """Hashes strings or integers into `num_bins` bins (FarmHash Fingerprint64, as Keras).

    Integers (and floats, truncated to int64) are hashed by their decimal string. With
    `mask_value`, that value goes to bin 0 and the others to bins 1..num_bins-1. With `salt`
    (one int or a pair), SipHash-2-4 keyed by it is used instead.

    Args:
        num_bins: the number of bins, the mask bin included.
        mask_value: a value mapped to bin 0.
        salt: None, an int, or two ints: the SipHash key.
        output_mode: "int", "one_hot", "multi_hot" or "count".
        sparse: must be False.

    Example:
        >>> import flowgrad as tf
        >>> tf.keras.layers.Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).numpy() \\
        ...     .ravel().tolist()
        [1, 0, 1, 1, 2]
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            from ..backend import floatx
            kwargs["dtype"] = "int64" if output_mode == "int" else floatx()
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError("When `output_mode=\"int\"`, `dtype` should be an integer type, "
                             f"'int32' or 'int64'. Received: dtype={kwargs['dtype']}")
        output_mode = _check_output_mode("Hashing", output_mode,
                                         ("int", "one_hot", "multi_hot", "count"))
        _no_sparse("Hashing", sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of size "
                                 f"2 integers, or a single integer. Received: salt={salt}.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = salt
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs):
        t = inputs if isinstance(inputs, Tensor) else convert_to_tensor(inputs)
        dt = t.dtype
        if not (dt == _dtypes.string or dt.is_integer or dt.is_floating):
            raise ValueError(f"Layer '{self.name}' (Hashing) expects string, integer or float "
                             f"inputs; received dtype {dt.name}.")
        mask = self.mask_value
        if mask is not None and dt == _dtypes.string:
            mask = _bytes(mask)
        salt = None if self.salt is None else tuple(s & _hash._M64 for s in self.salt)
        return execute(HASHING, (t,), {
            "num_bins": self.num_bins, "mask_value": mask, "salt": salt,
            "output_mode": self.output_mode,
            "out_dtype": np.dtype(_dtypes.as_dtype(self.dtype)._np)})

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if self.output_mode == "int":
            return tuple(shape)
        if self.output_mode == "one_hot":
            if not shape:
                return (1, self.num_bins)
            return tuple(shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (
                self.num_bins,)
        return tuple(shape[:-1]) + (self.num_bins,)

    def _symbolic_outputs(self, inputs, *args, **kwargs):
        if not isinstance(inputs, KerasTensor) or inputs.shape.rank is None:
            return None
        return KerasTensor(self.compute_output_shape(inputs.shape.as_list()), self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config

