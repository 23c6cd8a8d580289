"""The SavedModel-style directory of `model.save("dir")` (tf.keras 2's default without an
extension) and `tf.saved_model.save` for Keras models.

Layout (flowgrad's own; TensorFlow cannot read it, and it cannot read TensorFlow's protobuf
SavedModels):

    dir/saved_model.json          {"format": "flowgrad.saved_model", "version": 1, ...}
    dir/config.json               the model config, as in a .keras archive (with compile_config)
    dir/variables/variables.npz   the variables, keyed by Keras 3 weight paths ("layers/dense/
                                  vars/0", "optimizer/vars/3", ...)

Loading rebuilds the model from its config (so a subclassed model's class must be importable or
registered); the traced serving graph is not stored.
"""

import io
import json
import os
import shutil
import tempfile
import warnings

import numpy as np

from . import serialization_lib as _ser
from . import weights_h5 as _w
from ._io import CorruptFileError

MARKER = "saved_model.json"
FORMAT = "flowgrad.saved_model"


def _variables_dict(model, include_optimizer=True, keys=None):
    out = {}
    keys = {} if keys is None else keys
    for path, layer in _w.iter_saveables(model):
        prefix = f"{path}/vars/" if path else "vars/"
        for i, v in enumerate(_w._own_vars(layer)):
            out[prefix + str(i)] = np.asarray(v.numpy())
            keys.setdefault(id(v), prefix + str(i))
    opt = getattr(model, "optimizer", None)
    if include_optimizer and opt is not None:
        for i, v in enumerate(opt.variables):
            out[f"optimizer/vars/{i}"] = np.asarray(v.numpy())
    return out


def _write_dir(path, files):
    """Writes {relative name: bytes} into a fresh sibling directory, then swaps it in."""
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)     # mkdtemp makes it private; give it a normal mode
    try:
        for name, data in files.items():
            full = os.path.join(tmp, name)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "wb") as f:
                f.write(data)
        old = None
        if os.path.exists(path):
            if not os.path.isdir(path):
                raise FileExistsError(f"{path!r} exists and is not a directory.")
            old = tempfile.mkdtemp(prefix="." + os.path.basename(path) + ".", suffix=".old",
                                   dir=parent)
            os.rmdir(old)
            os.rename(path, old)
        os.rename(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def save(model, path, include_optimizer=True, signatures=None, save_graph=True):
    from . import graph_serialization
    from .saving_lib import KERAS_VERSION, model_to_config
    keys = {}
    arrays = _variables_dict(model, include_optimizer, keys)
    files = {}
    traced = graph_serialization.trace_and_encode(model, keys) if save_graph else None
    if traced is not None:
        encoded, graph_arrays = traced
        arrays.update(graph_arrays)
        files["graph.json"] = json.dumps(encoded).encode()
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    meta = {"format": FORMAT, "version": 1, "keras_version": KERAS_VERSION,
            "kind": "keras_model", "has_graph": traced is not None}
    files.update({
        MARKER: json.dumps(meta).encode(),
        "config.json": _ser.dumps(model_to_config(model)).encode(),
        "variables/variables.npz": buf.getvalue(),
    })
    _write_dir(path, files)


def read_meta(path):
    marker = os.path.join(path, MARKER)
    if not os.path.exists(marker):
        if os.path.exists(os.path.join(path, "saved_model.pb")):
            raise ValueError(f"{path!r} is a TensorFlow SavedModel (saved_model.pb); flowgrad "
                             "reads only its own directory format. Re-export the model from "
                             "Keras as a .keras or .h5 file.")
        raise CorruptFileError(f"{path!r} is a directory without {MARKER}: not a saved model.")
    try:
        with open(marker) as f:
            meta = json.load(f)
    except ValueError as e:
        raise CorruptFileError(f"{marker!r} is not valid JSON ({e}).") from None
    if meta.get("format") != FORMAT:
        raise CorruptFileError(f"{marker!r} does not describe a flowgrad saved model.")
    return meta


def _load_variables(path):
    vpath = os.path.join(path, "variables", "variables.npz")
    try:
        with open(vpath, "rb") as fh, np.load(fh, allow_pickle=False) as npz:
            return dict(npz)
    except FileNotFoundError:
        raise CorruptFileError(f"{path!r}: variables/variables.npz is missing.") from None
    except Exception as e:  # noqa: BLE001 - zipfile / numpy errors on a damaged file
        raise CorruptFileError(f"{vpath!r} is truncated or corrupt ({e}).") from None


def load_model(path, custom_objects=None, compile=True, safe_mode=True):
    from .saving_lib import _model_from_saved_config, _restore_optimizer, compile_from_config
    meta = read_meta(path)
    if meta.get("kind") != "keras_model":
        raise ValueError(f"{path!r} holds a saved {meta.get('kind')!r}, not a Keras model; "
                         "use tf.saved_model.load.")
    try:
        with open(os.path.join(path, "config.json")) as f:
            config = json.load(f)
    except (OSError, ValueError) as e:
        raise CorruptFileError(f"{path!r}: config.json is missing or invalid ({e}).") from None
    where = os.path.join(path, "config.json")
    _ser.check_safe(config, safe_mode, where)
    try:
        model = _model_from_saved_config(config, custom_objects, safe_mode, where)
    except Exception as e:
        if not meta.get("has_graph"):
            raise
        warnings.warn(f"Could not rebuild the model from {where!r} ({type(e).__name__}: {e}); "
                      "loading its saved serving graph instead (inference only).",
                      stacklevel=3)
        return load_graph_model(path)
    if compile and config.get("compile_config"):
        compile_from_config(model, config["compile_config"], custom_objects)
    store = _load_variables(path)
    for p, layer in _w.iter_saveables(model):
        own = _w._own_vars(layer)
        prefix = f"{p}/vars/" if p else "vars/"
        arrays = [store[prefix + str(i)] for i in range(len(own)) if prefix + str(i) in store]
        if own:
            _w._assign(own, arrays, layer.name, path)
    n = 0
    while f"optimizer/vars/{n}" in store:
        n += 1
    if compile and n:
        _restore_optimizer(model, [store[f"optimizer/vars/{i}"] for i in range(n)], path)
    return model


def load_graph_model(path):
    """The saved serving graph as a `GraphModel` (no Python classes needed)."""
    from ...core.variable import Variable
    from .graph_serialization import GraphModel
    meta = read_meta(path)
    if not meta.get("has_graph"):
        raise ValueError(f"{path!r} holds no serving graph.")
    try:
        with open(os.path.join(path, "graph.json")) as f:
            encoded = json.load(f)
    except (OSError, ValueError) as e:
        raise CorruptFileError(f"{path!r}: graph.json is missing or invalid ({e}).") from None
    store = _load_variables(path)
    variables = {k: Variable(a, trainable=False) for k, a in store.items()
                 if not k.startswith("graph_const/")}
    return GraphModel(encoded, store, variables)
