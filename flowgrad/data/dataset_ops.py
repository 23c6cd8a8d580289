"""`tf.data.Dataset`: input pipelines as chains of Python iterators over NumPy elements.

Each dataset object describes one step of a pipeline; iterating it (`iter(ds)`) builds a chain
of Python generators, one per step. Elements flow between the steps as nested structures of
NumPy arrays (`_structure.py`) and become flowgrad Tensors only where the user sees them, so
batching is `np.stack` on the host and a `map` after `batch` runs once per batch.

Fast path: a chain of `from_tensor_slices` followed by `shuffle` / `take` / `skip` / `shard` /
`repeat` / `cache` moves *indices* instead of elements, and `batch` then gathers each batch
with one fancy-indexing operation per component.

User functions (`map`, `filter`, ...) are traced once with `flowgrad.function` for the
element spec and fall back to eager Python when they cannot be traced (`_function.py`).
`prefetch` runs the upstream pipeline in a background thread feeding a bounded queue.
"""

import collections
import glob as _glob
import itertools
import os
import queue
import struct
import threading

import numpy as np

from .. import dtypes as _dtypes
from .. import nest
from ..core.tensor import Tensor, _wrap
from ..core.tensor_shape import TensorShape
from ..errors import InvalidArgumentError, OutOfRangeError
from ..graph.function import TensorSpec
from . import _structure
from ._function import StructuredFunction, function_error

AUTOTUNE = -1
INFINITE = -1     # tf.data.INFINITE_CARDINALITY
UNKNOWN = -2      # tf.data.UNKNOWN_CARDINALITY
_END = object()


def _int(value, what):
    if isinstance(value, Tensor) or hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value[()]
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{what}` must be an integer; got {value!r}.") from None


def _card_sum(a, b):
    if a == INFINITE or b == INFINITE:
        return INFINITE
    if a == UNKNOWN or b == UNKNOWN:
        return UNKNOWN
    return a + b


class DatasetSpec:
    """The spec of a dataset-valued component (`tf.data.DatasetSpec`), e.g. in `window`."""

    def __init__(self, element_spec, dataset_shape=()):
        self.element_spec = element_spec
        self.shape = TensorShape(dataset_shape)

    def __eq__(self, other):
        return isinstance(other, DatasetSpec) and other.element_spec == self.element_spec

    def __hash__(self):
        return hash(repr(self.element_spec))

    def __repr__(self):
        return f"DatasetSpec({self.element_spec!r}, TensorShape({self.shape.as_list()}))"


class Options:
    """Options of a pipeline (`tf.data.Options`). Accepted and kept; flowgrad's pipeline is
    deterministic and sequential apart from `prefetch`, so most have no effect.

    Any attribute (`deterministic`, `experimental_optimization.map_parallelization`,
    `threading.private_threadpool_size`, `experimental_distribute.auto_shard_policy`, ...)
    can be set.
    """

    def __init__(self):
        object.__setattr__(self, "_values", {})

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        values = object.__getattribute__(self, "_values")
        if name not in values:
            if name in ("deterministic", "experimental_deterministic", "experimental_slack",
                        "experimental_external_state_policy", "experimental_symbolic_checkpoint",
                        "experimental_warm_start"):
                return None
            values[name] = Options()
        return values[name]

    def __setattr__(self, name, value):
        self._values[name] = value

    def merge(self, other):
        out = Options()
        for src in (self, other):
            if src is None:
                continue
            for k, v in src._values.items():
                if isinstance(v, Options) and isinstance(out._values.get(k), Options):
                    out._values[k] = out._values[k].merge(v)
                else:
                    out._values[k] = v
        return out

    def __eq__(self, other):
        return isinstance(other, Options) and self._values == other._values

    __hash__ = None

    def __repr__(self):
        return f"Options({self._values!r})"


# =================================================================================================
# the base class
# =================================================================================================
class DatasetV2:
    """A sequence of elements, each a (nested structure of) tensors (`tf.data.Dataset`).

    Create one with `from_tensor_slices`, `from_tensors`, `from_generator`, `range`, `zip`,
    `list_files` or a reader (`TFRecordDataset`, `TextLineDataset`), then chain
    transformations (`map`, `filter`, `shuffle`, `batch`, `prefetch`, ...). Iterate it with a
    `for` loop (elements are flowgrad Tensors) or `as_numpy_iterator()`, or pass it to
    `Model.fit`.

    Example:
        >>> import flowgrad as tf
        >>> ds = tf.data.Dataset.range(10).filter(lambda x: x % 2 == 0).batch(2)
        >>> [b.numpy().tolist() for b in ds]
        [[0, 2], [4, 6], [8]]
    """

    def __init__(self, inputs=()):
        self._inputs = tuple(inputs)
        self._spec_cache = None
        self._options_value = None

    # -- to implement ---------------------------------------------------------------------------
    def _iterate(self):
        """A fresh iterator over the elements (NumPy structures)."""
        raise NotImplementedError

    def _compute_spec(self):
        raise NotImplementedError

    def _card(self):
        return UNKNOWN

    # index fast path: the TensorSliceDataset whose rows this dataset's elements are, and
    # whether the order of indices is the same on every iteration
    def _slices(self):
        return None

    def _static_order(self):
        return False

    def _indices(self):
        raise NotImplementedError

    # -- properties -------------------------------------------------------------------------------
    @property
    def element_spec(self):
        """The structure of `TensorSpec`s describing one element."""
        spec = self._spec_cache
        if spec is None:
            spec = self._spec_cache = self._compute_spec()
        return spec

    def cardinality(self):
        """The number of elements as a scalar int64 tensor: `INFINITE_CARDINALITY` (-1) for
        infinite datasets, `UNKNOWN_CARDINALITY` (-2) when it cannot be known without
        iterating (filter, from_generator, ...)."""
        return _wrap(np.array(self._card(), np.int64))

    def __len__(self):
        c = self._card()
        if c == INFINITE:
            raise TypeError("The dataset is infinite.")
        if c == UNKNOWN:
            raise TypeError("The dataset length is unknown.")
        return c

    def __bool__(self):
        return True

    def __iter__(self):
        return OwnedIterator(self)

    def as_numpy_iterator(self):
        """An iterator over the elements as NumPy values (scalars for 0-d, bytes for
        strings)."""
        for s in nest.flatten(self.element_spec):
            if isinstance(s, DatasetSpec):
                raise TypeError("Dataset.as_numpy_iterator() does not support datasets "
                                "containing datasets; iterate them separately.")
        return _NumpyIterator(self)

    def __repr__(self):
        name = type(self).__name__
        try:
            spec = self.element_spec
        except Exception:  # noqa: BLE001 - a repr must not fail
            spec = "<unknown>"
        return f"<{name} element_spec={spec}>"

    def _first_element(self):
        """The first element (NumPy structure), or None for an empty dataset."""
        it = self._iterate()
        try:
            return next(it, None)
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()

    # -- options ----------------------------------------------------------------------------------
    def options(self):
        """The `tf.data.Options` of this pipeline (merged from its inputs)."""
        opts = Options()
        for d in self._inputs:
            opts = opts.merge(d.options())
        if self._options_value is not None:
            opts = opts.merge(self._options_value)
        return opts

    def with_options(self, options, name=None):
        """This dataset with `options` set (`tf.data.Options`)."""
        if not isinstance(options, Options):
            raise TypeError(f"options must be a tf.data.Options; got {type(options).__name__}.")
        return _OptionsDataset(self, options)

    # -- sources ----------------------------------------------------------------------------------
    @staticmethod
    def from_tensors(tensors, name=None):
        """A dataset of one element, `tensors`."""
        return _TensorDataset(tensors)

    @staticmethod
    def from_tensor_slices(tensors, name=None):
        """A dataset of the slices of `tensors` along their first dimension (for tuples and
        dicts, of every component together)."""
        return TensorSliceDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None):
        """A dataset of the values a Python generator yields.

        Args:
            generator: a callable returning an iterator (called again for each iteration),
                with `args` as NumPy arguments.
            output_signature: a structure of `tf.TensorSpec` describing each element; or the
                older `output_types` (structure of dtypes) with optional `output_shapes`.
        """
        return _GeneratorDataset(generator, output_types, output_shapes, args, output_signature)

    @staticmethod
    def range(*args, output_type=None, dtype=None, name=None):
        """The integers of `range(*args)` as scalar tensors of `output_type` (int64 by
        default). TF's keyword is `output_type` (it ignores `dtype`); flowgrad also accepts
        `dtype`."""
        return _RangeDataset(*args, dtype=output_type or dtype or _dtypes.int64)

    @staticmethod
    def zip(*args, datasets=None, name=None):
        """Zips datasets: `zip(a, b)` or `zip((a, b))` / `zip({"x": a, "y": b})` gives elements
        of the same structure; stops with the shortest."""
        if datasets is None:
            if len(args) == 1 and not isinstance(args[0], DatasetV2):
                datasets = args[0]
            else:
                datasets = tuple(args)
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        return _ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None, name=None):
        """The file names matching glob pattern(s), as scalar strings; shuffled per iteration
        unless `shuffle=False` (then sorted)."""
        return _list_files(file_pattern, shuffle, seed)

    @staticmethod
    def counter(start=0, step=1, dtype=_dtypes.int64, name=None):
        """The infinite sequence start, start + step, ... (`tf.data.Dataset.counter`)."""
        return _CounterDataset(start, step, dtype)

    @staticmethod
    def random(seed=None, rerandomize_each_iteration=None, name=None):
        """An infinite dataset of random int64 scalars in [0, 2**63)."""
        return _RandomDataset(seed, rerandomize_each_iteration)

    @staticmethod
    def sample_from_datasets(datasets, weights=None, seed=None,
                             stop_on_empty_dataset=False, rerandomize_each_iteration=None):
        """Picks each element from one of `datasets` at random, with `weights`."""
        return _SampleDataset(datasets, weights, seed, stop_on_empty_dataset)

    @staticmethod
    def choose_from_datasets(datasets, choice_dataset, stop_on_empty_dataset=True):
        """Takes element i from `datasets[choice_dataset[i]]`."""
        return _ChooseDataset(datasets, choice_dataset, stop_on_empty_dataset)

    # -- transformations ----------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element (a tuple element is unpacked into positional
        arguments). The function is traced once with `tf.function` when possible;
        `num_parallel_calls` and `deterministic` are accepted."""
        return _MapDataset(self, map_func)

    def filter(self, predicate, name=None):
        """Keeps the elements for which `predicate` returns a scalar True."""
        return _FilterDataset(self, predicate)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stacks consecutive elements into batches of `batch_size` (the last one smaller
        unless `drop_remainder`)."""
        return _BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False, name=None):
        """Batches elements of different shapes, padding each component to `padded_shapes`
        (None / -1 dims, or no `padded_shapes`: the batch's longest) with `padding_values`
        (0 / b"" by default)."""
        return _PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                   drop_remainder)

    def unbatch(self, name=None):
        """Splits each element along its first dimension into separate elements."""
        return _UnbatchDataset(self)

    def rebatch(self, batch_size, drop_remainder=False, name=None):
        """Re-splits batched elements into batches of `batch_size` (an int, or a list of sizes
        used in turn)."""
        return _RebatchDataset(self, batch_size, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Shuffles with a buffer: keeps `buffer_size` elements and outputs one drawn uniformly
        from the buffer, replacing it with the next input element. A buffer at least as large
        as the dataset gives a uniform permutation; `buffer_size=1` keeps the order. The order
        changes on each iteration unless `reshuffle_each_iteration=False`; `seed` (with
        `tf.random.set_seed`) makes the sequence of orders reproducible."""
        return _ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None, name=None):
        """Repeats the dataset `count` times (forever for None or -1)."""
        return _RepeatDataset(self, count)

    def take(self, count, name=None):
        """The first `count` elements (all for -1)."""
        return _TakeDataset(self, count)

    def skip(self, count, name=None):
        """All but the first `count` elements (none for -1)."""
        return _SkipDataset(self, count)

    def cache(self, filename="", name=None):
        """Caches the elements the first time the dataset is fully iterated: in memory, or in
        files `filename.index` / `filename.data-00000-of-00001` that later runs read back. A
        partial iteration caches nothing."""
        return _CacheDataset(self, filename)

    def prefetch(self, buffer_size, name=None):
        """Produces up to `buffer_size` elements ahead in a background thread (AUTOTUNE: a few)."""
        return _PrefetchDataset(self, buffer_size)

    def interleave(self, map_func, cycle_length=None, block_length=None,
                   num_parallel_calls=None, deterministic=None, name=None):
        """Maps each element to a dataset and interleaves them: `cycle_length` datasets are
        open at once and `block_length` consecutive elements are taken from each in turn."""
        return _InterleaveDataset(self, map_func, cycle_length, block_length)

    def flat_map(self, map_func, name=None):
        """Maps each element to a dataset and concatenates those datasets."""
        return _FlatMapDataset(self, map_func)

    def window(self, size, shift=None, stride=1, drop_remainder=False, name=None):
        """Groups elements into windows: each output element is a (structure of) dataset(s)
        of `size` elements `stride` apart, windows starting every `shift` (default `size`)
        elements."""
        return _WindowDataset(self, size, shift, stride, drop_remainder)

    def enumerate(self, start=0, name=None):
        """Pairs each element with its index: `(i, element)`, i an int64 scalar."""
        return _EnumerateDataset(self, start)

    def concatenate(self, dataset, name=None):
        """This dataset's elements followed by `dataset`'s (same structure and dtypes)."""
        return _ConcatenateDataset(self, dataset)

    def shard(self, num_shards, index, name=None):
        """Every `num_shards`-th element, starting with element `index`."""
        return _ShardDataset(self, num_shards, index)

    def apply(self, transformation_func):
        """`transformation_func(self)`, which must return a dataset."""
        ds = transformation_func(self)
        if not isinstance(ds, DatasetV2):
            raise TypeError("`transformation_func` must return a Dataset; got "
                            f"{type(ds).__name__}.")
        return ds

    def take_while(self, predicate, name=None):
        """The elements up to (excluding) the first one for which `predicate` is False."""
        return _TakeWhileDataset(self, predicate)

    def scan(self, initial_state, scan_func, name=None):
        """A stateful map: `scan_func(state, element) -> (new_state, output)`."""
        return _ScanDataset(self, initial_state, scan_func)

    def unique(self, name=None):
        """The distinct elements (int or string scalars), in order of first appearance."""
        return _UniqueDataset(self)

    def group_by_window(self, key_func, reduce_func, window_size=None,
                        window_size_func=None, name=None):
        """Groups elements by `key_func(element)` (an int64 scalar) into windows of
        `window_size` (or `window_size_func(key)`) elements, each turned into a dataset by
        `reduce_func(key, window_dataset)`; leftover windows are reduced at the end, in key
        order."""
        return _GroupByWindowDataset(self, key_func, reduce_func, window_size,
                                     window_size_func)

    def bucket_by_sequence_length(self, element_length_func, bucket_boundaries,
                                  bucket_batch_sizes, padded_shapes=None, padding_values=None,
                                  pad_to_bucket_boundary=False, no_padding=False,
                                  drop_remainder=False, name=None):
        """Batches elements of similar length together: bucket i holds the elements with
        `bucket_boundaries[i-1] <= length < bucket_boundaries[i]` and is batched by
        `bucket_batch_sizes[i]`, padded (to the batch's longest, or to the bucket's boundary
        minus 1 with `pad_to_bucket_boundary`)."""
        return _bucket_by_sequence_length(
            self, element_length_func, bucket_boundaries, bucket_batch_sizes, padded_shapes,
            padding_values, pad_to_bucket_boundary, no_padding, drop_remainder)

    def reduce(self, initial_state, reduce_func, name=None):
        """Folds the elements into a state: `reduce_func(state, element) -> new state`."""
        state = _structure.normalize_input(initial_state)
        state_spec = _structure.spec_of(state)
        fn = StructuredFunction(reduce_func, lambda: (state_spec, self.element_spec),
                                name="reduce")
        for i, el in enumerate(self._iterate()):
            try:
                state = fn((state, el))
            except Exception as e:
                raise fn.error(e, i) from e
        return _structure.to_tensors(state)

    def get_single_element(self, name=None):
        """The only element of a one-element dataset."""
        it = self._iterate()
        first = next(it, _END)
        if first is _END:
            raise InvalidArgumentError(None, None, "Dataset was empty.")
        if next(it, _END) is not _END:
            raise InvalidArgumentError(None, None, "Dataset had more than one element.")
        return _structure.to_tensors(first)

    def ignore_errors(self, log_warning=False, name=None):
        """Skips elements whose computation raises an error in `map` / `filter` / parsing."""
        return _IgnoreErrorsDataset(self, log_warning)

    def assert_cardinality(self, expected_cardinality):
        """Fails during iteration when the number of elements differs from the expected one."""
        return _AssertCardinalityDataset(self, _int(expected_cardinality, "cardinality"))

    def shuffle_and_repeat(self, buffer_size, count=None, seed=None):
        return self.shuffle(buffer_size, seed).repeat(count)


Dataset = DatasetV2


class OwnedIterator:
    """An iterator over a dataset (`iter(dataset)`); elements are flowgrad Tensors."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._it = dataset._iterate()

    @property
    def element_spec(self):
        return self._dataset.element_spec

    def __iter__(self):
        return self

    def __next__(self):
        return _structure.to_tensors(next(self._it))

    next = __next__

    def get_next(self, name=None):
        """The next element; raises `tf.errors.OutOfRangeError` at the end."""
        try:
            return self.__next__()
        except StopIteration:
            raise OutOfRangeError(None, None, "End of sequence") from None

    def get_next_as_optional(self):
        try:
            return _Optional(self.__next__(), self.element_spec)
        except StopIteration:
            return _Optional(None, self.element_spec)


class _Optional:
    """A value that may be absent (`tf.experimental.Optional`)."""

    def __init__(self, value, spec):
        self._value = value
        self.element_spec = spec

    def has_value(self):
        return _wrap(np.array(self._value is not None))

    def get_value(self):
        if self._value is None:
            raise InvalidArgumentError(None, None, "The optional has no value.")
        return self._value


class _NumpyIterator:
    def __init__(self, dataset):
        self._it = dataset._iterate()

    def __iter__(self):
        return self

    def __next__(self):
        return _structure.to_numpy(next(self._it))

    next = __next__


# =================================================================================================
# sources
# =================================================================================================
class _TensorDataset(DatasetV2):
    def __init__(self, tensors):
        super().__init__()
        self._element = _structure.normalize_input(tensors)

    def _iterate(self):
        yield self._element

    def _compute_spec(self):
        return _structure.spec_of(self._element)

    def _card(self):
        return 1


class TensorSliceDataset(DatasetV2):
    """The slices of tensors along their first dimension (`from_tensor_slices`)."""

    def __init__(self, tensors):
        super().__init__()
        element = _structure.normalize_input(tensors)
        leaves = nest.flatten(element)
        if not leaves:
            raise ValueError("from_tensor_slices needs at least one tensor.")
        n = None
        for a in leaves:
            if isinstance(a, DatasetV2):
                raise TypeError("from_tensor_slices does not accept datasets.")
            if a.ndim == 0:
                raise InvalidArgumentError(None, None, "Unbatching a tensor is only supported "
                                           "for rank >= 1; from_tensor_slices got a scalar.")
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise InvalidArgumentError(
                    None, None, "Dimensions of the components must agree for "
                    f"from_tensor_slices: got sizes {[x.shape[0] for x in leaves]} in "
                    "dimension 0.")
        # own the data: a later change to the caller's array must not change the dataset
        leaves = [np.array(a, copy=True) for a in leaves]
        self._leaves = leaves
        self._structure = nest.pack_sequence_as(element, leaves)
        self._n = n
        t = type(self._structure)
        self._simple = t is np.ndarray or (t is tuple and all(
            type(e) is np.ndarray for e in self._structure))

    def _compute_spec(self):
        return nest.map_structure(
            lambda a: TensorSpec(a.shape[1:], _dtypes.string if a.dtype == object
                                 else _dtypes.from_numpy(a.dtype)), self._structure)

    def _card(self):
        return self._n

    def _slices(self):
        return self

    def _static_order(self):
        return True

    def _indices(self):
        return iter(range(self._n))

    def _element(self, i):
        s = self._structure
        if type(s) is np.ndarray:
            return s[i, ...]
        if self._simple:
            return tuple(a[i, ...] for a in s)
        return nest.pack_sequence_as(s, [a[i, ...] for a in self._leaves])

    def _gather(self, idx):
        s = self._structure
        if type(s) is np.ndarray:
            return s[idx]
        if self._simple:
            return tuple(a[idx] for a in s)
        return nest.pack_sequence_as(s, [a[idx] for a in self._leaves])

    def _iterate(self):
        el = self._element
        return (el(i) for i in range(self._n))


class _GeneratorDataset(DatasetV2):
    def __init__(self, generator, output_types, output_shapes, args, output_signature):
        super().__init__()
        if not callable(generator):
            if hasattr(generator, "__iter__"):
                items = generator

                def generator():
                    return iter(items)
            else:
                raise TypeError("`generator` must be a Python callable (a generator "
                                f"function); got {type(generator).__name__}.")
        self._generator = generator
        self._args = tuple(_structure.to_numpy(_structure.to_array(a))
                           for a in (args or ()))
        if output_signature is not None:
            if output_types is not None or output_shapes is not None:
                raise TypeError("Pass either `output_signature` or `output_types` / "
                                "`output_shapes`, not both.")
            spec = _lists_as_tuples(output_signature)
            for s in nest.flatten(spec):
                if not isinstance(s, TensorSpec):
                    raise TypeError("`output_signature` must contain TensorSpecs; got "
                                    f"{type(s).__name__}.")
        else:
            if output_types is None:
                raise TypeError("from_generator needs `output_signature` (or "
                                "`output_types`).")
            types = _lists_as_tuples(output_types)
            if output_shapes is None:
                spec = nest.map_structure(lambda t: TensorSpec(None, t), types)
            else:
                flat_t = nest.flatten(types)
                flat_s = _structure.flatten_up_to(types, _lists_as_tuples_outer(output_shapes),
                                                  "output_shapes")
                spec = nest.pack_sequence_as(types, [TensorSpec(s, t) for s, t in
                                                     zip(flat_s, flat_t)])
        self._spec = spec
        self._flat_spec = nest.flatten(spec)

    def _compute_spec(self):
        return self._spec

    def _iterate(self):
        spec = self._spec
        flat_spec = self._flat_spec
        single = isinstance(spec, TensorSpec)
        np_types = [None if s.dtype.name == "string" else s.dtype._np for s in flat_spec]
        for value in self._generator(*self._args):
            if single:
                leaves = [value]
            else:
                try:
                    leaves = _structure.flatten_up_to(spec, value, "The generator's value")
                except ValueError:
                    raise TypeError(
                        f"`generator` yielded an element that did not match the expected "
                        f"structure. The expected structure was {spec}, but the yielded "
                        f"element was {_structure._short(value)}.") from None
            arrays = []
            for v, s, npt in zip(leaves, flat_spec, np_types):
                try:
                    if npt is None:
                        a = _structure.to_array(v, "string")
                    elif type(v) is np.ndarray and v.dtype == npt:
                        a = v
                    else:
                        a = np.asarray(v.numpy() if hasattr(v, "numpy") else v)
                        if a.dtype != npt:
                            if a.dtype.kind in "USO":
                                raise TypeError
                            a = a.astype(npt)
                except (TypeError, ValueError):
                    raise TypeError(
                        f"`generator` yielded an element that could not be converted to the "
                        f"expected type. The expected type was {s.dtype.name}, but the "
                        f"yielded element was {_structure._short(v)}.") from None
                if s.shape.rank is not None and not s.shape.is_compatible_with(
                        TensorShape(a.shape)):
                    raise InvalidArgumentError(
                        None, None, f"`generator` yielded an element of shape {a.shape} where "
                        f"an element of shape {tuple(s.shape.as_list())} was expected.")
                arrays.append(a)
            yield arrays[0] if single else _structure.pack(spec, arrays)


def _lists_as_tuples(x):
    if isinstance(x, list):
        return tuple(_lists_as_tuples(v) for v in x)
    if type(x) is tuple:
        return tuple(_lists_as_tuples(v) for v in x)
    if isinstance(x, dict):
        return {k: _lists_as_tuples(v) for k, v in x.items()}
    return x


def _lists_as_tuples_outer(x):
    # output_shapes: tuples are structure; lists / TensorShapes / ints are shapes
    return x


class _RangeDataset(DatasetV2):
    def __init__(self, *args, dtype=_dtypes.int64):
        super().__init__()
        if not 1 <= len(args) <= 3:
            raise ValueError("Dataset.range takes 1 to 3 arguments (start, stop, step).")
        args = [_int(a, "range argument") for a in args]
        if len(args) == 3 and args[2] == 0:
            raise InvalidArgumentError(None, None, "step must be a non-zero integer.")
        self._range = range(*args)
        self._dtype = _dtypes.as_dtype(dtype)

    def _compute_spec(self):
        return TensorSpec([], self._dtype)

    def _card(self):
        return len(self._range)

    def _iterate(self):
        npt = self._dtype._np
        for v in self._range:
            yield np.array(v, npt)


class _CounterDataset(DatasetV2):
    def __init__(self, start, step, dtype):
        super().__init__()
        self._start, self._step = _int(start, "start"), _int(step, "step")
        self._dtype = _dtypes.as_dtype(dtype)

    def _compute_spec(self):
        return TensorSpec([], self._dtype)

    def _card(self):
        return INFINITE

    def _iterate(self):
        npt = self._dtype._np
        v = self._start
        while True:
            yield np.array(v, npt)
            v += self._step


class _Seeds:
    """Per-dataset seeds following tf.random's rules; `rng()` is the generator for one
    iteration (a new stream per iteration when reshuffling)."""

    def __init__(self, seed, reshuffle):
        from ..ops.random_ops import get_seed
        g, o = get_seed(None if seed is None else _int(seed, "seed"))
        self._seed = None if g is None and o is None else (int(g or 0) & 0xFFFFFFFFFFFFFFFF,
                                                           int(o or 0) & 0xFFFFFFFFFFFFFFFF)
        self._reshuffle = True if reshuffle is None else bool(reshuffle)
        self._count = itertools.count()

    def rng(self):
        if self._seed is None:
            return np.random.default_rng()
        if self._reshuffle:
            return np.random.default_rng([*self._seed, next(self._count)])
        return np.random.default_rng(list(self._seed))


class _RandomDataset(DatasetV2):
    def __init__(self, seed, rerandomize):
        super().__init__()
        self._seeds = _Seeds(seed, True if rerandomize is None else rerandomize)

    def _compute_spec(self):
        return TensorSpec([], _dtypes.int64)

    def _card(self):
        return INFINITE

    def _iterate(self):
        rng = self._seeds.rng()
        while True:
            for v in rng.integers(0, 2 ** 63 - 1, 1024, dtype=np.int64):
                yield np.array(v)


class _ZipDataset(DatasetV2):
    def __init__(self, datasets):
        leaves = nest.flatten(datasets)
        if not leaves:
            raise ValueError("Dataset.zip needs at least one dataset.")
        for d in leaves:
            if not isinstance(d, DatasetV2):
                raise TypeError(f"Dataset.zip expects datasets; got {type(d).__name__}.")
        super().__init__(leaves)
        self._structure = datasets

    def _compute_spec(self):
        return nest.map_structure(lambda d: d.element_spec, self._structure)

    def _card(self):
        cards = [d._card() for d in self._inputs]
        if UNKNOWN in cards:  # as TF: even next to a shorter known input
            return UNKNOWN
        finite = [c for c in cards if c >= 0]
        return min(finite) if finite else INFINITE

    def _iterate(self):
        its = [d._iterate() for d in self._inputs]
        structure = self._structure
        simple = type(structure) is tuple and all(isinstance(d, DatasetV2) for d in structure)
        while True:
            leaves = []
            for it in its:
                v = next(it, _END)
                if v is _END:
                    return
                leaves.append(v)
            yield tuple(leaves) if simple else nest.pack_sequence_as(structure, leaves)


def _list_files(file_pattern, shuffle, seed):
    pats = file_pattern
    if hasattr(pats, "numpy"):
        pats = pats.numpy()
    if isinstance(pats, np.ndarray):
        pats = pats.reshape(-1).tolist() if pats.ndim else [pats[()]]
    if isinstance(pats, (str, bytes, os.PathLike)):
        pats = [pats]
    names = []
    for p in pats:
        p = p.decode() if isinstance(p, bytes) else os.fspath(p)
        names.extend(_glob.glob(p))
    if not names:
        raise InvalidArgumentError(None, "MatchingFiles", "Expected 'tf.Tensor(False, shape=(),"
                                   f" dtype=bool)' to be true. Summarized data: b'No files "
                                   f"matched pattern: {', '.join(map(str, pats))}'")
    names = sorted(set(names))
    ds = TensorSliceDataset(np.array([n.encode() for n in names], dtype=object))
    if shuffle is None or shuffle:
        ds = ds.shuffle(len(names), seed=seed)
    return ds


# =================================================================================================
# element-wise transformations
# =================================================================================================
class _UnaryDataset(DatasetV2):
    def __init__(self, input_dataset):
        if not isinstance(input_dataset, DatasetV2):
            raise TypeError(f"Expected a Dataset; got {type(input_dataset).__name__}.")
        super().__init__((input_dataset,))
        self._input = input_dataset

    def _compute_spec(self):
        return self._input.element_spec

    def _card(self):
        return self._input._card()


class _OptionsDataset(_UnaryDataset):
    def __init__(self, input_dataset, options):
        super().__init__(input_dataset)
        self._options_value = options

    def _iterate(self):
        return self._input._iterate()

    def _slices(self):
        return self._input._slices()

    def _static_order(self):
        return self._input._static_order()

    def _indices(self):
        return self._input._indices()


class _MapDataset(_UnaryDataset):
    def __init__(self, input_dataset, map_func):
        super().__init__(input_dataset)
        self._fn = StructuredFunction(map_func, lambda: input_dataset.element_spec, name="map")

    def _compute_spec(self):
        return self._fn.output_spec(self._input._first_element)

    def _iterate(self):
        fn = self._fn
        for i, el in enumerate(self._input._iterate()):
            try:
                out = fn(el)
            except Exception as e:
                raise fn.error(e, i) from e
            yield out


def _as_bool(value, what):
    if isinstance(value, np.ndarray):
        if value.shape != () or value.dtype != np.bool_:
            raise InvalidArgumentError(
                None, None, f"`{what}` must return a scalar boolean tensor; got "
                f"{value.dtype} of shape {value.shape}.")
        return bool(value)
    return bool(value)


class _PredicateDataset(_UnaryDataset):
    """Elements while / where `predicate` holds: `filter` skips the others, `take_while`
    stops at the first."""

    _name = None   # "filter" or "take_while"

    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._fn = StructuredFunction(predicate, lambda: input_dataset.element_spec,
                                      name=self._name)

    def _card(self):
        return UNKNOWN

    def _iterate(self):
        fn = self._fn
        stop = self._name == "take_while"
        for i, el in enumerate(self._input._iterate()):
            try:
                keep = fn(el)
            except Exception as e:
                raise fn.error(e, i) from e
            if _as_bool(keep, "predicate"):
                yield el
            elif stop:
                return


class _FilterDataset(_PredicateDataset):
    _name = "filter"


class _TakeWhileDataset(_PredicateDataset):
    _name = "take_while"


class _ScanDataset(_UnaryDataset):
    def __init__(self, input_dataset, initial_state, scan_func):
        super().__init__(input_dataset)
        self._state = _structure.normalize_input(initial_state)
        state_spec = _structure.spec_of(self._state)
        self._fn = StructuredFunction(scan_func,
                                      lambda: (state_spec, input_dataset.element_spec),
                                      name="scan")

    def _split(self, out):
        if not isinstance(out, tuple) or len(out) != 2:
            raise TypeError("`scan_func` must return a pair (new_state, output_element).")
        return out

    def _compute_spec(self):
        first = self._input._first_element
        out = self._fn.output_spec(lambda: None if first() is None else (self._state, first()))
        if isinstance(out, tuple) and len(out) == 2:
            return out[1]
        return out

    def _iterate(self):
        state = self._state
        fn = self._fn
        for i, el in enumerate(self._input._iterate()):
            try:
                result = fn((state, el))
            except Exception as e:
                raise fn.error(e, i) from e
            state, out = self._split(result)
            yield out


class _EnumerateDataset(_UnaryDataset):
    def __init__(self, input_dataset, start):
        super().__init__(input_dataset)
        self._start = _int(start, "start")

    def _compute_spec(self):
        return (TensorSpec([], _dtypes.int64), self._input.element_spec)

    def _iterate(self):
        i = self._start
        for el in self._input._iterate():
            yield (np.array(i, np.int64), el)
            i += 1


class _UniqueDataset(_UnaryDataset):
    def _compute_spec(self):
        spec = self._input.element_spec
        if not isinstance(spec, TensorSpec) or spec.shape.rank != 0 or not (
                spec.dtype.is_integer or spec.dtype.name == "string"):
            raise TypeError("unique() supports only datasets of int32 / int64 / string "
                            f"scalars; got element_spec {spec}.")
        return spec

    def _card(self):
        return UNKNOWN

    def _iterate(self):
        self._compute_spec()
        seen = set()
        for el in self._input._iterate():
            key = el[()]
            if key not in seen:
                seen.add(key)
                yield el


class _IgnoreErrorsDataset(_UnaryDataset):
    """Skips elements whose computation raised. Element-wise steps upstream (map, filter) keep
    running after an error because each element is computed by a fresh call."""

    def __init__(self, input_dataset, log_warning):
        super().__init__(input_dataset)
        self._log = log_warning

    def _card(self):
        return UNKNOWN

    def _iterate(self):
        it = _ResilientIterator(self._input)
        while True:
            try:
                el = next(it)
            except StopIteration:
                return
            except Exception as e:  # noqa: BLE001 - the point of ignore_errors
                if self._log:
                    import warnings
                    warnings.warn(f"Ignoring error: {e}", stacklevel=2)
                continue
            yield el


class _ResilientIterator:
    """Iterates a map / filter chain element by element so that an error in one element's
    function does not end the iteration (other steps: the error ends it)."""

    def __init__(self, dataset):
        self._steps = []
        d = dataset
        while isinstance(d, (_MapDataset, _FilterDataset)):
            self._steps.append(d)
            d = d._input
        self._steps.reverse()
        self._source = d._iterate()

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            el = next(self._source)
            keep = True
            for step in self._steps:
                if isinstance(step, _MapDataset):
                    el = step._fn(el)
                elif not _as_bool(step._fn(el), "predicate"):
                    keep = False
                    break
            if keep:
                return el


class _AssertCardinalityDataset(_UnaryDataset):
    def __init__(self, input_dataset, expected):
        super().__init__(input_dataset)
        self._expected = expected

    def _card(self):
        return self._expected

    def _iterate(self):
        n = 0
        for el in self._input._iterate():
            n += 1
            if self._expected >= 0 and n > self._expected:
                raise errors_failed(f"Input dataset was expected to contain {self._expected} "
                                    "elements but contained at least "
                                    f"{self._expected + 1} elements.")
            yield el
        if self._expected == INFINITE or n < self._expected:
            raise errors_failed(f"Input dataset was expected to contain {self._expected} "
                                f"elements but contained only {n} elements.")


def errors_failed(msg):
    from ..errors import FailedPreconditionError
    return FailedPreconditionError(None, None, msg)


# =================================================================================================
# order and count: shuffle, repeat, take, skip, shard, concatenate (index-aware)
# =================================================================================================
class _IndexAware(_UnaryDataset):
    """A step that also works on indices when its input is index-backed."""

    def _slices(self):
        return self._input._slices()

    def _iterate(self):
        src = self._slices()
        if src is not None:
            el = src._element
            return (el(i) for i in self._indices())
        return self._iterate_elements()

    def _indices(self):
        return self._transform(self._input._indices, True)

    def _iterate_elements(self):
        return self._transform(self._input._iterate, False)

    def _transform(self, make_source, indices):
        raise NotImplementedError


def _shuffled(source, buffer_size, rng):
    it = iter(source)
    buf = list(itertools.islice(it, buffer_size))
    exhausted = len(buf) < buffer_size
    draws = []
    k = 0
    while buf:
        if k == len(draws):
            draws = rng.random(1024).tolist()
            k = 0
        i = int(draws[k] * len(buf))
        k += 1
        out = buf[i]
        nxt = _END if exhausted else next(it, _END)
        if nxt is _END:
            exhausted = True
            last = buf.pop()
            if i < len(buf):
                buf[i] = last
        else:
            buf[i] = nxt
        yield out


class _ShuffleDataset(_IndexAware):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration):
        super().__init__(input_dataset)
        size = _int(buffer_size, "buffer_size")
        if size == AUTOTUNE:
            c = input_dataset._card()
            size = c if c > 0 else 1024
        if size <= 0:
            raise InvalidArgumentError(None, "ShuffleDataset", "buffer_size must be greater "
                                       f"than zero; got {size}.")
        self._buffer_size = size
        self._seeds = _Seeds(seed, reshuffle_each_iteration)

    def _transform(self, make_source, indices):
        return _shuffled(make_source(), self._buffer_size, self._seeds.rng())


class _RepeatDataset(_IndexAware):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = -1 if count is None else _int(count, "count")

    def _card(self):
        c = self._input._card()
        if self._count == 0 or c == 0:
            return 0
        if self._count < 0:  # TF: infinite even for an input of unknown size
            return INFINITE
        if c < 0:
            return c
        return c * self._count

    def _static_order(self):
        return self._input._static_order()

    def _transform(self, make_source, indices):
        def gen():
            n = 0
            while self._count < 0 or n < self._count:
                produced = False
                for v in make_source():
                    produced = True
                    yield v
                if not produced:  # an empty input repeated forever is empty
                    return
                n += 1
        return gen()


class _TakeDataset(_IndexAware):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = _int(count, "count")

    def _card(self):
        c = self._input._card()
        if self._count < 0 or c == UNKNOWN:  # TF: unknown stays unknown, even for take(0)
            return c
        if c == INFINITE:
            return self._count
        return min(c, self._count)

    def _static_order(self):
        return self._input._static_order()

    def _transform(self, make_source, indices):
        if self._count < 0:
            return make_source()
        return itertools.islice(make_source(), self._count)


class _SkipDataset(_IndexAware):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = _int(count, "count")

    def _card(self):
        c = self._input._card()
        if c < 0:
            return c
        if self._count < 0:
            return 0
        return max(0, c - self._count)

    def _static_order(self):
        return self._input._static_order()

    def _transform(self, make_source, indices):
        if self._count < 0:
            def drain():
                for _ in make_source():
                    pass
                return iter(())
            return drain()
        return itertools.islice(make_source(), self._count, None)


class _ShardDataset(_IndexAware):
    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        self._n = _int(num_shards, "num_shards")
        self._i = _int(index, "index")
        if self._n <= 0:
            raise InvalidArgumentError(None, None, f"num_shards must be > 0; got {self._n}.")
        if not 0 <= self._i < self._n:
            raise InvalidArgumentError(None, None, f"index must be in [0, num_shards); got "
                                       f"{self._i} for num_shards={self._n}.")

    def _card(self):
        c = self._input._card()
        if c < 0:
            return c
        return max(0, (c - self._i + self._n - 1) // self._n)

    def _static_order(self):
        return self._input._static_order()

    def _transform(self, make_source, indices):
        return itertools.islice(make_source(), self._i, None, self._n)


class _ConcatenateDataset(DatasetV2):
    def __init__(self, first, second):
        if not isinstance(second, DatasetV2):
            raise TypeError(f"concatenate expects a Dataset; got {type(second).__name__}.")
        super().__init__((first, second))
        self._first, self._second = first, second
        self._compute_spec()  # incompatible structures or dtypes fail here, as in TF

    def _compute_spec(self):
        a, b = self._first.element_spec, self._second.element_spec
        try:
            return _structure.relax_to(a, b)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Incompatible dataset elements: {a} vs. {b} ({e}).") from None

    def _card(self):
        return _card_sum(self._first._card(), self._second._card())

    def _iterate(self):
        self._compute_spec()
        yield from self._first._iterate()
        yield from self._second._iterate()


# =================================================================================================
# batching
# =================================================================================================
_BATCH_HINT = ("To batch elements of different shapes, pad them with `padded_batch` (or "
               "`tf.data.experimental.dense_to_ragged_batch`, which pads too: flowgrad has no "
               "RaggedTensor), or make the shapes equal in a `map` first.")


def _where(first_index, i):
    """' (elements a and b of the input dataset)' for elements 0 and i of a batch whose first
    element is element `first_index` of the input; '' when that is not known."""
    if first_index is None:
        return ""
    return f" (elements {first_index} and {first_index + i} of the input dataset)"


def _flatten_same_structure(elements, first_index, op):
    """The leaves of each element; raises InvalidArgumentError naming both structures and the
    element indices when an element's structure differs from the first one's."""
    flats = [_structure.flatten(e) for e in elements]
    first = elements[0]
    n = len(flats[0])
    generic = not (type(first) is tuple and all(type(a) is np.ndarray for a in first))
    for i, (e, f) in enumerate(zip(elements, flats)):
        # the leaf count, and the top level (deeper differences change the leaf count but for
        # rare cases: a full comparison per element would double the cost of batching)
        if len(f) != n or (generic and i and not _same_top_level(first, e)):
            raise InvalidArgumentError(
                None, op, f"Cannot batch elements with different structures. First element "
                f"had structure {_describe_structure(first)} and element {i} had structure "
                f"{_describe_structure(e)}{_where(first_index, i)}. All elements of a batch "
                "need the same structure (tuple lengths, dict keys).")
    return flats


def _same_top_level(a, b):
    """Whether two elements agree at the top level: type, and tuple length / dict keys."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys()
    return not isinstance(a, (tuple, list)) or len(a) == len(b)


def _describe_structure(element):
    try:
        return str(_structure.spec_of(element))
    except Exception:  # noqa: BLE001 - a message must not fail
        return _structure._short(element)


def _stack(elements, what="batch", first_index=None):
    """Stacks a list of element structures component-wise (`first_index`: the position of
    `elements[0]` in the input dataset, for messages)."""
    first = elements[0]
    t = type(first)
    if t is np.ndarray and all(type(e) is np.ndarray for e in elements):
        return _stack_component(elements, 0, first_index)
    flats = _flatten_same_structure(elements, first_index, "BatchDataset")
    cols = [_stack_component([f[j] for f in flats], j, first_index)
            for j in range(len(flats[0]))]
    return _structure.pack(first, cols)


def _stack_component(arrays, j, first_index=None):
    try:
        return np.stack(arrays)
    except ValueError:
        if any(isinstance(a, DatasetV2) for a in arrays):
            raise TypeError("Cannot batch elements that are datasets (use flat_map first, "
                            "e.g. `.flat_map(lambda w: w.batch(n))` after window).") from None
        s0 = arrays[0].shape
        for i, a in enumerate(arrays):
            if a.shape != s0:
                raise InvalidArgumentError(
                    None, "BatchDataset", f"Cannot batch tensors with different shapes in "
                    f"component {j}. First element had shape {list(s0)} and element {i} had "
                    f"shape {list(a.shape)}{_where(first_index, i)}. {_BATCH_HINT}") from None
        raise


def _batched_spec(spec, batch_dim):
    def leaf(s):
        if isinstance(s, DatasetSpec):
            raise TypeError("Cannot batch datasets.")
        dims = None if s.shape.rank is None else [batch_dim] + s.shape.as_list()
        return TensorSpec(dims, s.dtype)
    return nest.map_structure(leaf, spec)


def _batch_card(c, size, drop):
    if c < 0:
        return c
    return c // size if drop else -(-c // size)


class _BatchDataset(_UnaryDataset):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        self._size = _int(batch_size, "batch_size")
        if self._size <= 0:
            raise InvalidArgumentError(None, "BatchDataset", f"Batch size must be greater than "
                                       f"zero; got {self._size}.")
        self._drop = bool(drop_remainder)

    def _compute_spec(self):
        return _batched_spec(self._input.element_spec, self._size if self._drop else None)

    def _card(self):
        return _batch_card(self._input._card(), self._size, self._drop)

    def _iterate(self):
        size, drop = self._size, self._drop
        src = self._input._slices()
        if src is not None:
            idx_iter = self._input._indices()
            while True:
                chunk = list(itertools.islice(idx_iter, size))
                if not chunk or (drop and len(chunk) < size):
                    return
                yield src._gather(np.array(chunk, np.intp))
            return
        it = self._input._iterate()
        start = 0
        while True:
            chunk = list(itertools.islice(it, size))
            if not chunk or (drop and len(chunk) < size):
                return
            yield _stack(chunk, first_index=start)
            start += len(chunk)


def _padded_shape_tuple(shape):
    if shape is None:
        return None
    if isinstance(shape, TensorShape):
        return None if shape.rank is None else tuple(shape.as_list())
    if hasattr(shape, "numpy"):
        shape = shape.numpy().tolist()
    if isinstance(shape, np.ndarray):
        shape = shape.tolist()
    if isinstance(shape, int):
        shape = [shape]
    return tuple(None if d is None or int(d) < 0 else int(d) for d in shape)


def _pad_value(value, dtype_name, np_dtype):
    if value is None:
        return b"" if dtype_name == "string" else np.zeros((), np_dtype)[()]
    if hasattr(value, "numpy"):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        value = value[()]
    if dtype_name == "string":
        return value.encode() if isinstance(value, str) else bytes(value)
    return np.asarray(value).astype(np_dtype)[()]


def _pad_stack(arrays, target, value, j, first_index=None):
    rank = arrays[0].ndim
    for i, a in enumerate(arrays):
        if a.ndim != rank:
            raise InvalidArgumentError(
                None, "PaddedBatchDataset", f"Cannot batch tensors of different ranks in "
                f"component {j}. First element had shape {list(arrays[0].shape)} and element "
                f"{i} had shape {list(a.shape)}{_where(first_index, i)}. `padded_batch` pads "
                "dimensions to a common size but cannot change the rank; reshape the "
                "elements in a `map` first.")
    if target is None:
        target = (None,) * rank
    if len(target) != rank:
        raise ValueError(f"The padded shape {list(target)} of component {j} does not match "
                         f"the rank {rank} of the element.")
    shape = []
    for d, t in enumerate(target):
        longest = max(a.shape[d] for a in arrays)
        if t is None:
            shape.append(longest)
        else:
            if longest > t:
                i = max(range(len(arrays)), key=lambda k: arrays[k].shape[d])
                where = "" if first_index is None else \
                    f", element {first_index + i} of the input dataset"
                raise InvalidArgumentError(
                    None, "PaddedBatchDataset", "Attempted to pad to a smaller size than the "
                    f"input element: component {j} has size {longest} in dimension {d} in "
                    f"element {i} of the batch (shape {list(arrays[i].shape)}{where}), the "
                    f"padded shape is {list(target)}.")
            shape.append(t)
    dtype = arrays[0].dtype
    out = np.empty([len(arrays)] + shape, dtype)
    out[...] = value
    for i, a in enumerate(arrays):
        out[(i,) + tuple(slice(0, n) for n in a.shape)] = a
    return out


class _PaddedBatchDataset(_UnaryDataset):
    def __init__(self, input_dataset, batch_size, padded_shapes, padding_values,
                 drop_remainder):
        super().__init__(input_dataset)
        self._size = _int(batch_size, "batch_size")
        if self._size <= 0:
            raise InvalidArgumentError(None, "PaddedBatchDataset", "Batch size must be greater "
                                       f"than zero; got {self._size}.")
        self._drop = bool(drop_remainder)
        self._padded_shapes = padded_shapes
        self._padding_values = padding_values
        self._plan = None

    def _resolve(self):
        if self._plan is not None:
            return self._plan
        spec = self._input.element_spec
        flat_spec = nest.flatten(spec)
        if self._padded_shapes is None:
            shapes = [None if s.shape.rank is None else (None,) * s.shape.rank
                      for s in flat_spec]
        elif isinstance(spec, TensorSpec):
            shapes = [_padded_shape_tuple(self._padded_shapes)]
        else:
            shapes = [_padded_shape_tuple(s) for s in _structure.flatten_up_to(
                spec, _lists_as_tuples_outer(self._padded_shapes), "padded_shapes")]
        for s, ps in zip(flat_spec, shapes):
            if ps is not None and s.shape.rank is not None and len(ps) != s.shape.rank:
                raise ValueError(f"The padded shape {list(ps)} is not compatible with the "
                                 f"shape {s.shape} of the corresponding input component.")
            if ps is not None and s.shape.rank is not None:
                for d, (p, k) in enumerate(zip(ps, s.shape.as_list())):
                    if p is not None and k is not None and k > p:
                        raise ValueError(f"The padded shape {list(ps)} is smaller than the "
                                         f"component shape {s.shape}.")
        pv = self._padding_values
        if pv is None or isinstance(spec, TensorSpec) or not isinstance(pv, (tuple, dict,
                                                                             list)):
            values = [pv] * len(flat_spec)
        else:
            values = _structure.flatten_up_to(spec, pv, "padding_values")
        values = [_pad_value(v, s.dtype.name, s.dtype._np) for v, s in zip(values, flat_spec)]
        self._plan = (spec, shapes, values)
        return self._plan

    def _compute_spec(self):
        spec, shapes, _ = self._resolve()
        flat = nest.flatten(spec)
        batch = self._size if self._drop else None
        out = []
        for s, ps in zip(flat, shapes):
            dims = None if ps is None else [batch] + list(ps)
            out.append(TensorSpec(dims, s.dtype))
        return nest.pack_sequence_as(spec, out)

    def _card(self):
        return _batch_card(self._input._card(), self._size, self._drop)

    def _iterate(self):
        _spec, shapes, values = self._resolve()
        size, drop = self._size, self._drop
        it = self._input._iterate()
        start = 0
        while True:
            chunk = list(itertools.islice(it, size))
            if not chunk or (drop and len(chunk) < size):
                return
            flats = _flatten_same_structure(chunk, start, "PaddedBatchDataset")
            if len(flats[0]) != len(shapes):
                raise InvalidArgumentError(
                    None, "PaddedBatchDataset", f"Element {start} of the input dataset has "
                    f"structure {_describe_structure(chunk[0])}, which does not match the "
                    f"dataset's element_spec {_spec}.")
            cols = [_pad_stack([f[j] for f in flats], shapes[j], values[j], j, start)
                    for j in range(len(shapes))]
            yield _structure.pack(chunk[0], cols)
            start += len(chunk)


def _unbatched(it):
    for el in it:
        leaves = _structure.flatten(el)
        if not leaves:
            continue
        n = None
        for a in leaves:
            if a.ndim == 0:
                raise InvalidArgumentError(None, "UnbatchDataset", "Cannot unbatch an input "
                                           "with scalar components.")
            if n is None:
                n = a.shape[0]
            elif a.shape[0] != n:
                raise InvalidArgumentError(None, "UnbatchDataset", "Cannot unbatch: the "
                                           "components have different first dimensions "
                                           f"{[x.shape[0] for x in leaves]}.")
        if type(el) is np.ndarray:
            for i in range(n):
                yield el[i, ...]
        else:
            for i in range(n):
                yield _structure.pack(el, [a[i, ...] for a in leaves])


class _UnbatchDataset(_UnaryDataset):
    def _compute_spec(self):
        def leaf(s):
            if s.shape.rank == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
            return TensorSpec(None if s.shape.rank is None else s.shape.as_list()[1:], s.dtype)
        return nest.map_structure(leaf, self._input.element_spec)

    def _card(self):
        # as TF: known when every component has the same static, non-zero batch dimension
        c = self._input._card()
        if c == INFINITE:
            return c
        dims = {None if s.shape.rank is None else s.shape.as_list()[0]
                for s in nest.flatten(self._input.element_spec)}
        if c < 0 or len(dims) != 1 or not next(iter(dims)):
            return UNKNOWN
        return c * next(iter(dims))

    def _iterate(self):
        return _unbatched(self._input._iterate())


class _RebatchDataset(_UnaryDataset):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        if isinstance(batch_size, (list, tuple, np.ndarray)) or (
                hasattr(batch_size, "shape") and len(getattr(batch_size, "shape", ())) == 1):
            sizes = [_int(b, "batch_size") for b in np.asarray(
                batch_size.numpy() if hasattr(batch_size, "numpy") else batch_size).reshape(-1)]
        else:
            sizes = [_int(batch_size, "batch_size")]
        if not sizes or any(s <= 0 for s in sizes):
            raise InvalidArgumentError(None, "RebatchDataset", "batch sizes must be > 0.")
        self._sizes = sizes
        self._drop = bool(drop_remainder)

    def _compute_spec(self):
        fixed = self._sizes[0] if self._drop and len(set(self._sizes)) == 1 else None

        def leaf(s):
            if s.shape.rank is None:
                return s
            return TensorSpec([fixed] + s.shape.as_list()[1:], s.dtype)
        return nest.map_structure(leaf, self._input.element_spec)

    def _card(self):
        return UNKNOWN  # as TF, even for an infinite input

    def _iterate(self):
        it = _unbatched(self._input._iterate())
        for size in itertools.cycle(self._sizes):
            chunk = list(itertools.islice(it, size))
            if not chunk or (self._drop and len(chunk) < size):
                return
            yield _stack(chunk)


# =================================================================================================
# cache and prefetch
# =================================================================================================
class _CacheDataset(_UnaryDataset):
    def __init__(self, input_dataset, filename):
        super().__init__(input_dataset)
        if hasattr(filename, "numpy"):
            filename = filename.numpy()
        if isinstance(filename, bytes):
            filename = filename.decode()
        self._filename = os.fspath(filename) if filename else ""
        self._memory = None
        self._lock = threading.Lock()

    # in-memory caching of a fixed slice order is the slices themselves
    def _slices(self):
        if not self._filename and self._input._static_order():
            return self._input._slices()
        return None

    def _static_order(self):
        return self._slices() is not None

    def _indices(self):
        return self._input._indices()

    def _iterate(self):
        if self._slices() is not None:
            src = self._slices()
            return (src._element(i) for i in self._indices())
        if self._filename:
            return self._iterate_file()
        return self._iterate_memory()

    def _iterate_memory(self):
        cached = self._memory
        if cached is not None:
            yield from cached
            return
        items = []
        for el in self._input._iterate():
            items.append(el)
            yield el
        with self._lock:
            if self._memory is None:
                self._memory = items

    def _paths(self):
        return (f"{self._filename}.index", f"{self._filename}.data-00000-of-00001")

    def _iterate_file(self):
        index, data = self._paths()
        spec = self.element_spec
        if os.path.exists(index):
            yield from _read_cache_file(data, spec)
            return
        parent = os.path.dirname(os.path.abspath(self._filename))
        if not os.path.isdir(parent):
            from ..errors import NotFoundError
            raise NotFoundError(None, "CacheDataset", f"{parent}; No such file or directory "
                                "(the directory of the cache file must exist)")
        tmp = f"{data}.tmp-{os.getpid()}-{threading.get_ident()}"
        count = 0
        completed = False
        try:
            with open(tmp, "wb") as f:
                f.write(_CACHE_MAGIC)
                for el in self._input._iterate():
                    _write_cache_element(f, _structure.flatten(el))
                    count += 1
                    yield el
            completed = True
        finally:
            if completed:
                os.replace(tmp, data)
                itmp = f"{index}.tmp-{os.getpid()}"
                with open(itmp, "w") as f:
                    f.write(f'{{"format": "flowgrad-cache-1", "elements": {count}}}\n')
                os.replace(itmp, index)
            elif os.path.exists(tmp):
                os.remove(tmp)


_CACHE_MAGIC = b"FGCACHE1"


def _write_cache_element(f, leaves):
    parts = [struct.pack("<I", len(leaves))]
    for a in leaves:
        if isinstance(a, DatasetV2):
            raise TypeError("Cannot cache elements that are datasets.")
        code = b"O" if a.dtype == object else a.dtype.str.encode()
        parts.append(struct.pack("<B", len(code)) + code + struct.pack("<B", a.ndim))
        parts.append(struct.pack(f"<{a.ndim}Q", *a.shape))
        if a.dtype == object:
            for v in a.reshape(-1):
                parts.append(struct.pack("<Q", len(v)) + v)
        else:
            parts.append(np.ascontiguousarray(a).tobytes())
    f.write(b"".join(parts))


def _read_cache_file(path, spec):
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(_CACHE_MAGIC):
        raise InvalidArgumentError(None, "CacheDataset", f"{path} is not a flowgrad cache file.")
    pos = len(_CACHE_MAGIC)
    n = len(data)
    single = isinstance(spec, TensorSpec)
    while pos < n:
        (count,) = struct.unpack_from("<I", data, pos)
        pos += 4
        leaves = []
        for _ in range(count):
            clen = data[pos]
            code = data[pos + 1:pos + 1 + clen].decode()
            pos += 1 + clen
            ndim = data[pos]
            pos += 1
            shape = struct.unpack_from(f"<{ndim}Q", data, pos)
            pos += 8 * ndim
            size = int(np.prod(shape)) if ndim else 1
            if code == "O":
                a = np.empty(size, object)
                for k in range(size):
                    (ln,) = struct.unpack_from("<Q", data, pos)
                    pos += 8
                    a[k] = data[pos:pos + ln]
                    pos += ln
                a = a.reshape(shape)
            else:
                dt = np.dtype(code)
                a = np.frombuffer(data, dt, size, pos).reshape(shape)
                pos += size * dt.itemsize
            leaves.append(a)
        yield leaves[0] if single else _structure.pack(spec, leaves)


class _PrefetchDataset(_UnaryDataset):
    def __init__(self, input_dataset, buffer_size):
        super().__init__(input_dataset)
        size = _int(buffer_size, "buffer_size")
        if size < AUTOTUNE:
            raise InvalidArgumentError(None, "PrefetchDataset", f"buffer_size must be >= 0 or "
                                       f"AUTOTUNE; got {size}.")
        self._buffer = 4 if size == AUTOTUNE else size

    def _iterate(self):
        if self._buffer == 0:
            return self._input._iterate()
        return _prefetched(self._input, self._buffer)


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error


def _producer(source, q, stop):
    """The background thread of prefetch: runs the upstream pipeline into the queue."""
    it = None
    try:
        it = source._iterate()
        for el in it:
            while True:
                if stop.is_set():
                    return
                try:
                    q.put(el, timeout=0.05)
                    break
                except queue.Full:
                    continue
        item = _END
    except BaseException as e:  # noqa: BLE001 - handed to the consumer
        item = _Failure(e)
    finally:
        close = getattr(it, "close", None)
        if close is not None and stop.is_set():
            try:
                close()
            except Exception:  # noqa: BLE001, S110 - closing is best effort
                pass
    while not stop.is_set():
        try:
            q.put(item, timeout=0.05)
            return
        except queue.Full:
            continue


def _prefetched(source, size):
    q = queue.Queue(maxsize=size)
    stop = threading.Event()
    thread = threading.Thread(target=_producer, args=(source, q, stop), daemon=True,
                              name="flowgrad-prefetch")
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if type(item) is _Failure:
                raise item.error
            yield item
    finally:
        stop.set()


# =================================================================================================
# datasets of datasets: interleave, flat_map, window, group_by_window
# =================================================================================================
def _dataset_result(value, what):
    if not isinstance(value, DatasetV2):
        raise TypeError(f"`{what}` must return a Dataset; got {type(value).__name__}.")
    return value


class _FlatMapDataset(_UnaryDataset):
    def __init__(self, input_dataset, map_func):
        super().__init__(input_dataset)
        if not callable(map_func):
            raise TypeError(f"`map_func` must be callable; got {type(map_func).__name__}.")
        self._func = map_func

    def _call(self, el, index):
        args = _structure.to_tensors(el)
        try:
            out = self._func(*args) if type(args) is tuple else self._func(args)
        except Exception as e:
            raise function_error(e, self._func, self._what, index) from e
        return _dataset_result(out, "map_func")

    _what = "Dataset.flat_map"

    def _compute_spec(self):
        first = self._input._first_element()
        if first is None:
            return TensorSpec(None, _dtypes.float32)
        return self._call(first, 0).element_spec

    def _card(self):
        return UNKNOWN

    def _iterate(self):
        for i, el in enumerate(self._input._iterate()):
            yield from self._call(el, i)._iterate()


class _InterleaveDataset(_FlatMapDataset):
    _what = "Dataset.interleave"

    def __init__(self, input_dataset, map_func, cycle_length, block_length):
        super().__init__(input_dataset, map_func)
        cl = AUTOTUNE if cycle_length is None else _int(cycle_length, "cycle_length")
        self._cycle = (os.cpu_count() or 1) if cl == AUTOTUNE else cl
        self._block = 1 if block_length is None else _int(block_length, "block_length")
        if self._cycle <= 0 or self._block <= 0:
            raise InvalidArgumentError(None, "InterleaveDataset", "cycle_length and "
                                       "block_length must be positive.")

    def _iterate(self):
        inp = enumerate(self._input._iterate())
        slots = [None] * self._cycle
        input_done = False
        idx = 0
        block = self._block
        while True:
            if slots[idx] is None and not input_done:
                el = next(inp, _END)
                if el is _END:
                    input_done = True
                else:
                    slots[idx] = self._call(el[1], el[0])._iterate()
            it = slots[idx]
            if it is not None:
                for _ in range(block):
                    v = next(it, _END)
                    if v is _END:
                        slots[idx] = None
                        break
                    yield v
            if input_done and all(s is None for s in slots):
                return
            idx = (idx + 1) % self._cycle


class _ListDataset(DatasetV2):
    """A dataset over a list of elements already computed (windows, groups)."""

    def __init__(self, elements, spec):
        super().__init__()
        self._elements = elements
        self._spec = spec

    def _compute_spec(self):
        return self._spec

    def _card(self):
        return len(self._elements)

    def _iterate(self):
        return iter(self._elements)


class _WindowDataset(_UnaryDataset):
    def __init__(self, input_dataset, size, shift, stride, drop_remainder):
        super().__init__(input_dataset)
        self._size = _int(size, "size")
        self._shift = self._size if shift is None else _int(shift, "shift")
        self._stride = _int(stride, "stride")
        self._drop = bool(drop_remainder)
        if self._size <= 0 or self._shift <= 0 or self._stride <= 0:
            raise InvalidArgumentError(None, "WindowDataset", "size, shift and stride must be "
                                       "positive.")

    def _compute_spec(self):
        return nest.map_structure(DatasetSpec, self._input.element_spec)

    def _card(self):
        c = self._input._card()
        if c < 0:
            return c
        if self._drop:
            span = (self._size - 1) * self._stride + 1
            return 0 if c < span else (c - span) // self._shift + 1
        return -(-c // self._shift)

    def _iterate(self):
        size, shift, stride = self._size, self._shift, self._stride
        span = (size - 1) * stride + 1
        spec = self._input.element_spec
        flat_spec = nest.flatten(spec)
        it = self._input._iterate()
        buf = collections.deque()
        exhausted = False
        while True:
            while len(buf) < span and not exhausted:
                v = next(it, _END)
                if v is _END:
                    exhausted = True
                else:
                    buf.append(v)
            if not buf:
                return
            window = [buf[k] for k in range(0, min(span, len(buf)), stride)]
            if len(window) < size and self._drop:
                return
            flats = [_structure.flatten(e) for e in window]
            parts = [_ListDataset([f[j] for f in flats], s) for j, s in enumerate(flat_spec)]
            yield parts[0] if isinstance(spec, TensorSpec) else nest.pack_sequence_as(spec,
                                                                                       parts)
            if shift <= len(buf):
                for _ in range(shift):
                    buf.popleft()
            else:
                extra = shift - len(buf)
                buf.clear()
                for _ in range(extra):
                    if next(it, _END) is _END:
                        exhausted = True
                        break
            if exhausted and not buf:
                return


class _GroupByWindowDataset(_UnaryDataset):
    def __init__(self, input_dataset, key_func, reduce_func, window_size, window_size_func,
                 key_of_array_element=None, spec_func=None):
        super().__init__(input_dataset)
        self._spec_func = spec_func
        if (window_size is None) == (window_size_func is None):
            raise ValueError("Pass exactly one of `window_size` and `window_size_func`.")
        self._key_fn = key_of_array_element or StructuredFunction(
            key_func, lambda: input_dataset.element_spec, name="key_func")
        self._reduce = reduce_func
        self._window_size = None if window_size is None else _int(window_size, "window_size")
        self._size_fn = window_size_func

    def _key(self, el, index=0):
        try:
            k = self._key_fn(el)
        except Exception as e:
            fn = getattr(self._key_fn, "structured_function", self._key_fn)
            if isinstance(fn, StructuredFunction):
                raise fn.error(e, index) from e
            raise
        if not isinstance(k, np.ndarray) or k.shape != () or k.dtype.kind not in "iu":
            raise InvalidArgumentError(None, "GroupByWindowDataset", "`key_func` must return a "
                                       "scalar int64 tensor.")
        return int(k)

    def _size_for(self, key):
        if self._window_size is not None:
            return self._window_size
        v = self._size_fn(_wrap(np.array(key, np.int64)))
        return _int(v, "window_size_func result")

    def _reduced(self, key, elements):
        ds = self._reduce(_wrap(np.array(key, np.int64)),
                          _ListDataset(elements, self._input.element_spec))
        return _dataset_result(ds, "reduce_func")

    def _compute_spec(self):
        if self._spec_func is not None:
            return self._spec_func()
        first = self._input._first_element()
        if first is None:
            return self._input.element_spec
        return self._reduced(self._key(first), [first]).element_spec

    def _card(self):
        return UNKNOWN

    def _iterate(self):
        groups = {}
        for i, el in enumerate(self._input._iterate()):
            key = self._key(el, i)
            g = groups.setdefault(key, [])
            g.append(el)
            if len(g) >= self._size_for(key):
                del groups[key]
                yield from self._reduced(key, g)._iterate()
        for key in sorted(groups):
            yield from self._reduced(key, groups[key])._iterate()


def _bucket_by_sequence_length(ds, element_length_func, bucket_boundaries, bucket_batch_sizes,
                               padded_shapes, padding_values, pad_to_bucket_boundary,
                               no_padding, drop_remainder):
    boundaries = [_int(b, "bucket_boundaries") for b in bucket_boundaries]
    sizes = [_int(b, "bucket_batch_sizes") for b in bucket_batch_sizes]
    if len(sizes) != len(boundaries) + 1:
        raise ValueError("len(bucket_batch_sizes) must equal len(bucket_boundaries) + 1; got "
                         f"{len(sizes)} and {len(boundaries)}.")
    if boundaries != sorted(boundaries):
        raise ValueError("bucket_boundaries must be sorted.")
    length_fn = StructuredFunction(element_length_func, lambda: ds.element_spec,
                                   name="element_length_func")

    def key_of(el):
        n = int(length_fn(el))
        return np.array(int(np.searchsorted(boundaries, n, side="right")), np.int64)
    key_of.structured_function = length_fn   # names element_length_func in errors

    def reduce_func(key, window):
        k = int(key)
        if no_padding:
            return window.batch(sizes[k], drop_remainder=drop_remainder)
        shapes = padded_shapes
        if pad_to_bucket_boundary:
            if k >= len(boundaries):
                raise InvalidArgumentError(
                    None, None, "pad_to_bucket_boundary: an element is longer than the last "
                    "bucket boundary; add a larger boundary.")
            bound = boundaries[k] - 1
            spec = window.element_spec
            if shapes is None:
                shapes = nest.map_structure(
                    lambda s: [None] * (s.shape.rank or 0), spec)
            flat = [list(_padded_shape_tuple(s) or ()) for s in
                    (_structure.flatten_up_to(spec, shapes, "padded_shapes")
                     if not isinstance(spec, TensorSpec) else [shapes])]
            flat = [[bound if d is None else d for d in s] for s in flat]
            shapes = flat[0] if isinstance(spec, TensorSpec) else nest.pack_sequence_as(
                spec, flat)
        return window.padded_batch(sizes[k], shapes, padding_values,
                                   drop_remainder=drop_remainder)

    def spec():
        # as TF, which traces reduce_func for any key: the batch size and the boundary padding
        # depend on the key, so those dimensions are unknown
        if no_padding:
            return _batched_spec(ds.element_spec, None)
        return _PaddedBatchDataset(ds, 1, padded_shapes, padding_values, False).element_spec

    return _GroupByWindowDataset(ds, None, reduce_func, None, lambda k: sizes[int(k)],
                                 key_of_array_element=key_of, spec_func=spec)


# =================================================================================================
# sampling
# =================================================================================================
class _SampleDataset(DatasetV2):
    def __init__(self, datasets, weights, seed, stop_on_empty):
        datasets = list(datasets)
        super().__init__(datasets)
        if weights is None:
            w = np.full(len(datasets), 1.0 / len(datasets))
        else:
            w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, float)
            if w.shape != (len(datasets),):
                raise ValueError("weights must have one entry per dataset.")
        self._weights = w / w.sum()
        self._seeds = _Seeds(seed, True)
        self._stop = stop_on_empty

    def _compute_spec(self):
        return _common_spec(self._inputs)

    def _iterate(self):
        its = [d._iterate() for d in self._inputs]
        w = self._weights.copy()
        rng = self._seeds.rng()
        while w.sum() > 0:
            i = int(rng.choice(len(its), p=w / w.sum()))
            v = next(its[i], _END)
            if v is _END:
                if self._stop:
                    return
                w[i] = 0
                continue
            yield v


def _common_spec(datasets):
    """The element spec that covers every dataset's elements (dims that differ relaxed)."""
    spec = datasets[0].element_spec
    for d in datasets[1:]:
        spec = _structure.relax_to(spec, d.element_spec)
    return spec


class _ChooseDataset(DatasetV2):
    def __init__(self, datasets, choice, stop_on_empty):
        datasets = list(datasets)
        super().__init__(datasets + [choice])
        self._datasets = datasets
        self._choice = choice
        self._stop = stop_on_empty

    def _compute_spec(self):
        return _common_spec(self._datasets)

    def _iterate(self):
        its = [d._iterate() for d in self._datasets]
        done = [False] * len(its)
        for c in self._choice._iterate():
            i = int(c)
            if not 0 <= i < len(its):
                raise InvalidArgumentError(None, None, f"choice {i} is out of range for "
                                           f"{len(its)} datasets.")
            if done[i]:
                continue
            v = next(its[i], _END)
            if v is _END:
                if self._stop:
                    return
                done[i] = True
                continue
            yield v

