"""`tf.train.Checkpoint`, `CheckpointManager` and `latest_checkpoint` for flowgrad state.

A checkpoint stores every variable reachable from the objects passed to `Checkpoint(...)`:
Variables, Keras models and layers (by the Keras 3 weight paths), optimizers (their `variables`
in order), nested Checkpoints, and plain objects / lists / dicts holding any of these.

Files (flowgrad's own layout; TensorFlow's tensor-bundle checkpoints are not read or written):

    <prefix>.index                   JSON: {"format": "flowgrad.checkpoint", "keys": {key:
                                     {"shape", "dtype"}}, "save_counter": n}
    <prefix>.data-00000-of-00001     an .npz of the arrays under the same keys
    <dir>/checkpoint                 TF's text file naming the latest and kept prefixes

Each file is written to a temporary file and renamed into place.
"""

import glob
import io
import json
import os
import re
import time
import warnings

import numpy as np

from ..core.variable import Variable

_DATA_SUFFIX = ".data-00000-of-00001"
_INDEX_SUFFIX = ".index"
_FORMAT = "flowgrad.checkpoint"


def _atomic_write_bytes(path, data):
    from ..keras.saving._io import atomic_write

    def write(tmp):
        with open(tmp, "wb") as f:
            f.write(data)
    atomic_write(path, write)


def _is_layer(obj):
    try:
        from ..keras.engine.base_layer import Layer
    except ImportError:
        return False
    return isinstance(obj, Layer)


def _is_optimizer(obj):
    return hasattr(obj, "_variables") and hasattr(obj, "apply_gradients") and \
        hasattr(obj, "set_weights")


def _walk(obj, prefix, out, seen, depth=0):
    """Collects {key: variable-or-optimizer-slot} for everything reachable from `obj`."""
    if depth > 12 or obj is None or isinstance(obj, (str, bytes, int, float, bool, np.ndarray)):
        return
    if isinstance(obj, Variable):
        if id(obj) not in seen:
            seen.add(id(obj))
            out[prefix] = obj
        return
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, Checkpoint):
        for name, child in obj._children.items():
            _walk(child, f"{prefix}/{name}" if prefix else name, out, seen, depth + 1)
        return
    if _is_optimizer(obj):
        for i, v in enumerate(obj.variables):
            out[f"{prefix}/vars/{i}"] = ("optimizer", obj, i, v)
        return
    if _is_layer(obj):
        from ..keras.saving import weights_h5 as _w
        for path, layer in _w.iter_saveables(obj):
            for i, v in enumerate(_w._own_vars(layer)):
                key = f"{prefix}/{path}/vars/{i}" if path else f"{prefix}/vars/{i}"
                if id(v) not in seen:
                    seen.add(id(v))
                    out[key] = v
        opt = getattr(obj, "optimizer", None)
        if opt is not None and _is_optimizer(opt):
            _walk(opt, f"{prefix}/optimizer", out, seen, depth + 1)
        return
    if isinstance(obj, (list, tuple)):
        for i, child in enumerate(obj):
            _walk(child, f"{prefix}/{i}", out, seen, depth + 1)
        return
    if isinstance(obj, dict):
        for k, child in obj.items():
            _walk(child, f"{prefix}/{k}", out, seen, depth + 1)
        return
    d = getattr(obj, "__dict__", None)
    if d:
        for k, child in sorted(d.items()):
            if k.startswith("__"):
                continue
            _walk(child, f"{prefix}/{k}" if prefix else k, out, seen, depth + 1)


class CheckpointLoadStatus:
    """What `restore` returns: `assert_consumed()` checks that every saved value found an
    object and every object a value; `expect_partial()` silences the check."""

    def __init__(self, path, unused_saved, unmatched_objects, deferred):
        self.path = path
        self._unused = unused_saved
        self._unmatched = unmatched_objects
        self._deferred = deferred

    def assert_consumed(self):
        if self._unused or self._unmatched:
            raise AssertionError(
                f"Checkpoint {self.path!r} was not fully consumed: saved values without a "
                f"matching object: {sorted(self._unused)[:10]}; objects without a saved value: "
                f"{sorted(self._unmatched)[:10]}" +
                (f"; deferred until the optimizers build: {sorted(self._deferred)[:10]}"
                 if self._deferred else ""))
        return self

    def assert_existing_objects_matched(self):
        if self._unmatched:
            raise AssertionError(f"Objects without a value in {self.path!r}: "
                                 f"{sorted(self._unmatched)[:10]}")
        return self

    def assert_nontrivial_match(self):
        return self

    def expect_partial(self):
        return self

    def run_restore_ops(self, session=None):
        return None


class Checkpoint:
    """Saves and restores the variables of the objects given as keyword arguments.

    Example:
        >>> import flowgrad as tf
        >>> v = tf.Variable(3.0)
        >>> ckpt = tf.train.Checkpoint(v=v)
        >>> import tempfile, os; d = tempfile.mkdtemp()
        >>> path = ckpt.save(os.path.join(d, "ckpt"))
        >>> _ = v.assign(0.0); _ = ckpt.restore(path); float(v.numpy())
        3.0
    """

    def __init__(self, root=None, **kwargs):
        children = dict(kwargs)
        if root is not None:
            children["root"] = root
        for k, v in children.items():
            if isinstance(v, (str, bytes, int, float)) and not isinstance(v, bool):
                raise TypeError(f"`Checkpoint` was expecting a trackable object for {k!r}, "
                                 f"got {v!r}.")
        object.__setattr__(self, "_children", children)
        object.__setattr__(self, "save_counter",
                           Variable(np.int64(0), trainable=False, name="save_counter"))
        object.__setattr__(self, "_last_path", None)

    def __getattr__(self, name):
        children = self.__dict__.get("_children", {})
        if name in children:
            return children[name]
        raise AttributeError(name)

    def __setattr__(self, name, value):
        if name.startswith("_") or name == "save_counter":
            object.__setattr__(self, name, value)
        else:
            self._children[name] = value

    # -- writing -------------------------------------------------------------------------------
    def _collect(self):
        out = {}
        _walk(self, "", out, set())
        return out

    def write(self, file_prefix, options=None):
        """Writes the checkpoint at exactly `file_prefix` (no numbering, no `checkpoint` file)."""
        file_prefix = os.fspath(file_prefix)
        arrays = {"save_counter": np.asarray(self.save_counter.numpy())}
        for key, v in self._collect().items():
            var = v[3] if isinstance(v, tuple) else v
            arrays[key] = np.asarray(var.numpy())
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        index = {"format": _FORMAT, "version": 1,
                 "save_counter": int(self.save_counter.numpy()),
                 "keys": {k: {"shape": list(a.shape), "dtype": str(a.dtype)}
                          for k, a in arrays.items()}}
        _atomic_write_bytes(file_prefix + _DATA_SUFFIX, buf.getvalue())
        _atomic_write_bytes(file_prefix + _INDEX_SUFFIX, json.dumps(index).encode())
        return file_prefix

    def save(self, file_prefix, options=None):
        """Increments `save_counter`, writes `<file_prefix>-<n>` and updates the directory's
        `checkpoint` file; returns the path."""
        self.save_counter.assign_add(1)
        path = self.write(f"{os.fspath(file_prefix)}-{int(self.save_counter.numpy())}")
        directory = os.path.dirname(os.path.abspath(path))
        state = _read_state(directory)
        kept = [p for p in state[1] if p != path] + [path]
        _write_state(directory, path, kept)
        return path

    # -- reading -------------------------------------------------------------------------------
    def read(self, save_path, options=None):
        return self.restore(save_path, options)

    def restore(self, save_path, options=None):
        """Assigns the saved values to the matching variables (by their path from this
        checkpoint's objects). None restores nothing. Optimizer state saved for an optimizer that
        is not built yet is applied when it builds."""
        if save_path is None:
            return CheckpointLoadStatus(None, set(), set(), set())
        save_path = os.fspath(save_path)
        store = _load(save_path)
        if "save_counter" in store:
            self.save_counter.assign(np.int64(store["save_counter"]))
        targets = self._collect()
        used = {"save_counter"}
        unmatched = set()
        deferred = set()
        pending = {}
        for key, t in targets.items():
            if key not in store:
                unmatched.add(key)
                continue
            used.add(key)
            var = t[3] if isinstance(t, tuple) else t
            arr = store[key]
            if tuple(var.shape) != arr.shape:
                raise ValueError(f"Checkpoint {save_path!r}: {key!r} has shape {arr.shape}, the "
                                 f"variable has shape {tuple(var.shape)}.")
            var.assign(arr.astype(np.dtype(var.dtype.name), copy=False))
        # optimizer state beyond what unbuilt optimizers have now: defer
        for key in store:
            if key in used:
                continue
            m = re.match(r"(.*)/vars/(\d+)$", key)
            if m is None:
                continue
            opt_prefix = m.group(1)
            opt = next((t[1] for k, t in targets.items() if isinstance(t, tuple)
                        and k.startswith(opt_prefix + "/vars/")), None)
            if opt is None:
                opt = _find_unbuilt_optimizer(self, opt_prefix)
            if opt is not None and not opt.built:
                if id(opt) not in pending:
                    vals = {}
                    i = 0
                    while f"{opt_prefix}/vars/{i}" in store:
                        vals[i] = store[f"{opt_prefix}/vars/{i}"]
                        i += 1
                    pending[id(opt)] = (opt, vals)
                deferred.add(key)
                used.add(key)
        for opt, values in pending.values():
            _defer_optimizer_restore(opt, values)
        unused = set(store) - used
        object.__setattr__(self, "_last_path", save_path)
        return CheckpointLoadStatus(save_path, unused, unmatched, deferred)


def _find_unbuilt_optimizer(ckpt, prefix):
    obj = ckpt
    for part in prefix.split("/"):
        if isinstance(obj, Checkpoint):
            obj = obj._children.get(part)
        elif isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, (list, tuple)) and part.isdigit():
            obj = obj[int(part)] if int(part) < len(obj) else None
        else:
            obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj if _is_optimizer(obj) else None


def _defer_optimizer_restore(opt, values):
    """Applies saved optimizer variables right after `opt.build` creates them."""
    original = type(opt).build

    def build(var_list, _opt=opt):
        result = original(_opt, var_list)
        del _opt.__dict__["build"]
        if len(_opt.variables) == len(values):
            for i, v in enumerate(_opt.variables):
                v.assign(np.asarray(values[i]).astype(np.dtype(v.dtype.name), copy=False))
        else:
            warnings.warn(f"Deferred checkpoint restore for optimizer {_opt.name!r}: it has "
                          f"{len(_opt.variables)} variables, the checkpoint {len(values)}; "
                          "not restored.", stacklevel=2)
        return result
    opt.__dict__["build"] = build
    # values that already exist (iteration, learning rate) are assigned now
    for i, v in enumerate(opt.variables):
        if i in values and tuple(v.shape) == np.shape(values[i]):
            v.assign(np.asarray(values[i]).astype(np.dtype(v.dtype.name), copy=False))


def _is_checkpoint_prefix(path):
    return os.path.exists(os.fspath(path) + _INDEX_SUFFIX)


def _load(prefix):
    from ..keras.saving._io import CorruptFileError
    index_path, data_path = prefix + _INDEX_SUFFIX, prefix + _DATA_SUFFIX
    if not os.path.exists(index_path):
        if os.path.isdir(prefix):
            latest = latest_checkpoint(prefix)
            if latest is not None:
                return _load(latest)
        raise FileNotFoundError(f"No checkpoint found at {prefix!r} (expected "
                                f"{os.path.basename(index_path)}).")
    try:
        with open(index_path) as f:
            index = json.load(f)
    except ValueError as e:
        raise CorruptFileError(f"Checkpoint index {index_path!r} is corrupt ({e}).") from None
    if index.get("format") != _FORMAT:
        raise CorruptFileError(f"{index_path!r} is not a flowgrad checkpoint index (TensorFlow "
                               "tensor-bundle checkpoints are not supported).")
    try:
        with open(data_path, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
            store = {k: npz[k] for k in npz.files}
    except FileNotFoundError:
        raise CorruptFileError(f"Checkpoint data file {data_path!r} is missing.") from None
    except Exception as e:  # noqa: BLE001 - zip / numpy errors on damaged data
        raise CorruptFileError(f"Checkpoint data file {data_path!r} is truncated or corrupt "
                               f"({e}).") from None
    missing = set(index.get("keys", {})) - set(store)
    if missing:
        raise CorruptFileError(f"Checkpoint data file {data_path!r} lacks {sorted(missing)[:5]}.")
    return store


# -- the `checkpoint` state file -----------------------------------------------------------------
def _read_state(directory):
    path = os.path.join(directory, "checkpoint")
    if not os.path.exists(path):
        return None, []
    latest, all_paths = None, []
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*(model_checkpoint_path|all_model_checkpoint_paths)\s*:\s*"(.*)"',
                         line)
            if not m:
                continue
            p = m.group(2)
            if not os.path.isabs(p):
                p = os.path.join(directory, p)
            if m.group(1) == "model_checkpoint_path":
                latest = p
            else:
                all_paths.append(p)
    return latest, all_paths


def _write_state(directory, latest, all_paths):
    def rel(p):
        return os.path.relpath(p, directory) if os.path.dirname(os.path.abspath(p)) == \
            os.path.abspath(directory) else p
    lines = [f'model_checkpoint_path: "{rel(latest)}"'] + \
        [f'all_model_checkpoint_paths: "{rel(p)}"' for p in all_paths]
    _atomic_write_bytes(os.path.join(directory, "checkpoint"), ("\n".join(lines) + "\n").encode())


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The prefix of the newest checkpoint in `checkpoint_dir`, or None."""
    directory = os.fspath(checkpoint_dir)
    latest, _ = _read_state(directory)
    if latest is not None and os.path.exists(latest + _INDEX_SUFFIX):
        return latest
    return None


class CheckpointManager:
    """Numbers, keeps and deletes checkpoints of one `Checkpoint` in a directory.

    Args:
        checkpoint: the `tf.train.Checkpoint`.
        directory: where the checkpoints go.
        max_to_keep: how many to keep (None keeps all).
        keep_checkpoint_every_n_hours: additionally keep one per this many hours.
        checkpoint_name: the file prefix ("ckpt").
        step_counter / checkpoint_interval: with both, `save()` only writes when
            `step_counter` has advanced by `checkpoint_interval` since the last save.
    """

    def __init__(self, checkpoint, directory, max_to_keep, keep_checkpoint_every_n_hours=None,
                 checkpoint_name="ckpt", step_counter=None, checkpoint_interval=None,
                 init_fn=None):
        if checkpoint_interval is not None and step_counter is None:
            raise ValueError("`step_counter` should be passed if `checkpoint_interval` is set.")
        self._checkpoint = checkpoint
        self.directory = os.fspath(directory)
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._prefix = os.path.join(self.directory, checkpoint_name)
        self._step_counter = step_counter
        self._interval = checkpoint_interval
        self._init_fn = init_fn
        self._last_step = None
        self._last_kept_time = time.time()
        os.makedirs(self.directory, exist_ok=True)
        latest, paths = _read_state(self.directory)
        self._checkpoints = [p for p in paths if os.path.exists(p + _INDEX_SUFFIX)]
        self._latest = latest if latest in self._checkpoints else (
            self._checkpoints[-1] if self._checkpoints else None)

    @property
    def checkpoint(self):
        return self._checkpoint

    @property
    def latest_checkpoint(self):
        return self._latest

    @property
    def checkpoints(self):
        return list(self._checkpoints)

    @property
    def checkpoint_interval(self):
        return self._interval

    def save(self, checkpoint_number=None, check_interval=True, options=None):
        """Writes a checkpoint (numbered `checkpoint_number`, or the checkpoint's
        `save_counter`); returns its path, or None when skipped by the interval."""
        if self._interval is not None and check_interval:
            step = int(np.asarray(getattr(self._step_counter, "numpy", lambda: 0)()))
            if self._last_step is not None and step - self._last_step < self._interval:
                return None
            self._last_step = step
        ckpt = self._checkpoint
        ckpt.save_counter.assign_add(1)
        n = int(checkpoint_number) if checkpoint_number is not None \
            else int(ckpt.save_counter.numpy())
        path = ckpt.write(f"{self._prefix}-{n}")
        self._checkpoints = [p for p in self._checkpoints if p != path] + [path]
        self._latest = path
        self._sweep()
        _write_state(self.directory, path, self._checkpoints)
        return path

    def _sweep(self):
        if self._max_to_keep is None:
            return
        while len(self._checkpoints) > self._max_to_keep:
            old = self._checkpoints.pop(0)
            if self._keep_hours is not None and \
                    time.time() - self._last_kept_time >= self._keep_hours * 3600:
                self._last_kept_time = time.time()
                continue
            for f in glob.glob(glob.escape(old) + ".*"):
                try:
                    os.remove(f)
                except OSError:
                    pass

    def restore_or_initialize(self):
        """Restores the latest checkpoint, or runs `init_fn`; returns the path or None."""
        if self._latest is not None:
            self._checkpoint.restore(self._latest)
            return self._latest
        if self._init_fn is not None:
            self._init_fn()
        return None
