"""The base of Keras's stateful preprocessing layers: `adapt` computes a layer's state
(vocabulary, mean and variance, bin boundaries) from data before training.

A subclass implements three hooks, all working on host NumPy arrays:

* `reset_state()` clears whatever an earlier `adapt` accumulated;
* `update_state(batch)` folds one batch into the running state;
* `finalize_state()` turns the running state into the layer's lookup tables or weights.

`adapt(data, batch_size=None, steps=None)` accepts what Keras accepts: a NumPy array, a Python
list, a Tensor, or a `tf.data.Dataset` (batched or not; each element is one `update_state`
call). Arrays are fed in batches of `batch_size` (all at once when it is None). Iterables of
batches are accepted as in Keras 3: a generator or iterator, a `keras.utils.PyDataset`, or a
list / tuple whose items are all arrays or Tensors (a list of numbers or strings is data).

A Dataset (or iterable) element `(x, y)` or `(x, y, sample_weight)` adapts on `x` only, as
Keras 3's `Normalization.adapt` does (Keras's other layers are inconsistent there: its
`Discretization` fails on such elements and its lookup layers mix the labels into the
vocabulary; flowgrad drops the labels for every layer).
"""

import itertools

import numpy as np

from ...core.tensor import Tensor
from ..engine.base_layer import Layer


def _host(x):
    """A Tensor, Variable, array or list as a host NumPy array (strings as bytes objects)."""
    if isinstance(x, Tensor) or hasattr(x, "_is_variable"):
        x = x.numpy()
    arr = np.asarray(x)
    if hasattr(arr, "get"):  # a CuPy array
        arr = arr.get()
    if arr.dtype.kind in "US":
        arr = np.array([s.encode("utf-8") if isinstance(s, str) else s
                        for s in arr.reshape(-1).tolist()], dtype=object).reshape(arr.shape)
    return arr


class PreprocessingLayer(Layer):
    """A layer whose state comes from `adapt(data)`; see the module docstring."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._is_adapted = False

    @property
    def is_adapted(self):
        """Whether `adapt` has run (or the state was given in the constructor)."""
        return self._is_adapted

    def reset_state(self):
        """Clears the accumulated adapt state."""

    def update_state(self, data):
        raise NotImplementedError(f"{type(self).__name__} cannot be adapted.")

    def finalize_state(self):
        """Turns the accumulated state into the layer's tables or weights."""

    def adapt(self, data, batch_size=None, steps=None):
        """Computes the layer's state from `data`.

        Args:
            data: a NumPy array, list, Tensor or `tf.data.Dataset`.
            batch_size: for arrays, how many rows each `update_state` call sees.
            steps: the number of batches (Dataset elements) to read; all when None.
        """
        from ...data.dataset_ops import DatasetV2
        from ..utils.data_utils import PyDataset
        self.reset_state()
        iterable = isinstance(data, (DatasetV2, PyDataset)) or _is_batch_list(data) or (
            hasattr(data, "__next__") and hasattr(data, "__iter__"))
        if iterable:
            if batch_size is not None:
                raise ValueError(f"{type(self).__name__}.adapt: batch_size cannot be given "
                                 f"with a {type(data).__name__} of batches; batch the data "
                                 "instead.")
            batches = (_first(el) for el in data)
        else:
            arr = _host(data)
            if arr.ndim == 0:
                raise ValueError(f"{type(self).__name__}.adapt expects a batch of data; got a "
                                 f"scalar {arr!r}.")
            if batch_size is None:
                batches = iter([arr])
            else:
                batches = (arr[i:i + int(batch_size)] for i in range(0, len(arr), int(batch_size)))
        if steps is not None:
            batches = itertools.islice(batches, int(steps))
        seen = False
        for batch in batches:
            self.update_state(_host(batch))
            seen = True
        if not seen:
            raise ValueError(f"{type(self).__name__}.adapt received no data.")
        self.finalize_state()
        self._is_adapted = True


def _first(element):
    """A Dataset element `(x, y)`, `(x, y, sample_weight)` or `(x,)` adapts on `x`, as Keras
    3's `Normalization` does."""
    if isinstance(element, tuple):
        return element[0]
    return element


def _is_batch_list(data):
    """Whether `data` is a list / tuple of batches (arrays or Tensors), not a list of values."""
    if not isinstance(data, (list, tuple)) or not data:
        return False
    return all((isinstance(b, (np.ndarray, Tensor)) or hasattr(b, "_is_variable"))
               and len(getattr(b, "shape", ())) >= 1 for b in data)
