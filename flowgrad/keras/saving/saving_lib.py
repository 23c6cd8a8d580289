"""`model.save` / `load_model` for the Keras 3 `.keras` zip, the legacy Keras `.h5` file and the
SavedModel-style directory. The format is chosen from the file's content when loading."""

import datetime
import io
import json
import os
import warnings
import zipfile

import numpy as np

from . import serialization_lib as _ser
from . import weights_h5 as _w
from ._io import CorruptFileError, atomic_write, open_h5, open_zip, require_h5py, sniff

KERAS_VERSION = "3.15.1"   # the Keras version whose formats are written
LEGACY_KERAS_VERSION = "2.15.0"


# -- compile config ------------------------------------------------------------------------------
def _serialize_loss(loss):
    from .. import losses
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, (list, tuple)):
        return [_serialize_loss(x) for x in loss]
    if isinstance(loss, dict):
        return {k: _serialize_loss(v) for k, v in loss.items()}
    return losses.serialize(loss)


def _serialize_metrics(m):
    from .. import metrics
    if m is None or isinstance(m, str):
        return m
    if isinstance(m, (list, tuple)):
        return [_serialize_metrics(x) for x in m]
    if isinstance(m, dict):
        return {k: _serialize_metrics(v) for k, v in m.items()}
    try:
        return metrics.serialize(m)
    except Exception:  # noqa: BLE001
        return getattr(m, "__name__", None) or getattr(m, "name", None)


def get_compile_config(model):
    state = getattr(model, "_compile_state", None)
    if state is None or getattr(model, "optimizer", None) is None:
        return None
    from .. import optimizers
    cl = getattr(state, "compiled_loss", None)
    cm = getattr(state, "compiled_metrics", None)
    return {
        "optimizer": optimizers.serialize(model.optimizer),
        "loss": _serialize_loss(getattr(model, "loss", None)),
        "loss_weights": getattr(cl, "_weights_spec", None),
        "metrics": _serialize_metrics(getattr(cm, "_spec", None)),
        "weighted_metrics": _serialize_metrics(getattr(cm, "_weighted_spec", None)),
        "run_eagerly": bool(getattr(model, "_run_eagerly", None) or False),
        "steps_per_execution": getattr(model, "_steps_per_execution", 1),
        "jit_compile": bool(getattr(model, "_jit_compile", None) or False),
    }


def _deserialize_loss(cfg, custom_objects):
    from .. import losses
    if cfg is None:
        return None
    if isinstance(cfg, list):
        return [_deserialize_loss(c, custom_objects) for c in cfg]
    if isinstance(cfg, dict) and "class_name" not in cfg:
        return {k: _deserialize_loss(v, custom_objects) for k, v in cfg.items()}
    if isinstance(cfg, dict) and cfg.get("class_name") == "function":
        return _ser.deserialize_keras_object(cfg, custom_objects)
    return losses.deserialize(cfg, custom_objects=custom_objects)


def _deserialize_metrics(cfg, custom_objects):
    from .. import metrics
    if cfg is None:
        return None
    if isinstance(cfg, list):
        return [_deserialize_metrics(c, custom_objects) for c in cfg]
    if isinstance(cfg, dict) and "class_name" not in cfg:
        return {k: _deserialize_metrics(v, custom_objects) for k, v in cfg.items()}
    if isinstance(cfg, str):
        return cfg
    return metrics.deserialize(cfg, custom_objects=custom_objects)


def compile_from_config(model, cfg, custom_objects=None):
    from .. import optimizers
    opt_cfg = cfg.get("optimizer")
    optimizer = optimizers.deserialize(opt_cfg, custom_objects=custom_objects) \
        if isinstance(opt_cfg, dict) else (opt_cfg or "rmsprop")
    model.compile(optimizer=optimizer,
                  loss=_deserialize_loss(cfg.get("loss"), custom_objects),
                  metrics=_deserialize_metrics(cfg.get("metrics"), custom_objects),
                  weighted_metrics=_deserialize_metrics(cfg.get("weighted_metrics"),
                                                        custom_objects),
                  loss_weights=cfg.get("loss_weights"),
                  run_eagerly=cfg.get("run_eagerly") or None)


def _legacy_training_config(tc):
    """tf.keras 2 `training_config` -> a compile config."""
    return {"optimizer": tc.get("optimizer_config"), "loss": tc.get("loss"),
            "metrics": _flatten_legacy_metrics(tc.get("metrics")),
            "weighted_metrics": _flatten_legacy_metrics(tc.get("weighted_metrics")),
            "loss_weights": tc.get("loss_weights")}


def _flatten_legacy_metrics(m):
    if isinstance(m, list) and m and all(isinstance(x, list) for x in m) and len(m) == 1:
        return m[0]
    return m


def _restore_optimizer(model, arrays, filename):
    opt = getattr(model, "optimizer", None)
    if opt is None or not arrays:
        return
    if not opt.built:
        opt.build(model.trainable_variables)
    if len(opt.variables) != len(arrays):
        if len(arrays) <= 2 and len(opt.variables) > 2:
            # saved before the first step (iteration and learning rate only)
            for v, a in zip(opt.variables, arrays):
                v.assign(np.asarray(a).astype(np.dtype(v.dtype.name)))
            return
        warnings.warn(f"{filename!r}: the saved optimizer has {len(arrays)} variables but "
                      f"{opt.name!r} has {len(opt.variables)}; its state is not restored.",
                      stacklevel=3)
        return
    opt.set_weights(arrays)


# -- .keras --------------------------------------------------------------------------------------
def model_to_config(model):
    config = _ser.serialize_keras_object(model)
    compile_config = get_compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    return config


def save_keras_zip(model, path, include_optimizer=True):
    h5py = require_h5py()
    config_json = _ser.dumps(model_to_config(model))
    metadata = json.dumps({"keras_version": KERAS_VERSION,
                           "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        _w.save_keras3(f, model, include_optimizer=include_optimizer)

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as z:
            z.writestr("metadata.json", metadata)
            z.writestr("config.json", config_json)
            z.writestr("model.weights.h5", buf.getvalue())
    atomic_write(path, write)


def _json_member(z, name, path):
    try:
        return json.loads(z.read(name).decode("utf-8"))
    except KeyError:
        raise CorruptFileError(f"{path!r} is not a Keras model archive: it has no {name!r}.") \
            from None
    except ValueError as e:
        raise CorruptFileError(f"{path!r}: {name!r} is not valid JSON ({e}).") from None


def _model_from_saved_config(config, custom_objects, safe_mode, where):
    _ser.check_safe(config, safe_mode, where)
    model = _ser.deserialize_layer(config, custom_objects, safe_mode=safe_mode)
    if not model.built:
        build = config.get("build_config") or {}
        shape = build.get("input_shape")
        if shape is not None:
            model.build(tuple(shape) if isinstance(shape[0], (int, type(None))) else shape)
    return model


def load_keras_zip(path, custom_objects=None, compile=True, safe_mode=True):
    with open_zip(path) as z:
        config = _json_member(z, "config.json", path)
        names = z.namelist()
        weights = z.read("model.weights.h5") if "model.weights.h5" in names else None
        npz = z.read("model.weights.npz") if weights is None and \
            "model.weights.npz" in names else None
        assets = {n: z.read(n) for n in names if n.startswith("assets/") and not n.endswith("/")}
    model = _model_from_saved_config(config, custom_objects, safe_mode,
                                     f"{os.fspath(path)}/config.json")
    if compile and config.get("compile_config"):
        compile_from_config(model, config["compile_config"], custom_objects)
    if weights is not None:
        h5py = require_h5py()
        try:
            f = h5py.File(io.BytesIO(weights), "r")
        except OSError as e:
            raise CorruptFileError(f"{path!r}: model.weights.h5 is truncated or corrupt "
                                   f"({e}).") from None
        with f:
            opt_arrays = _w.load_keras3(f, model, optimizer=True,
                                         filename=f"{path}/model.weights.h5")
        if compile and opt_arrays:
            _restore_optimizer(model, opt_arrays, path)
    elif npz is not None:
        _load_npz_weights(model, npz, path)
    else:
        raise CorruptFileError(f"{path!r} holds neither model.weights.h5 nor model.weights.npz.")
    if assets:
        _load_assets(model, assets)
    return model


def _load_assets(model, assets):
    """Keras 3 keeps some layer state as files, `assets/<layer path>/<name>` (the adapted
    vocabulary of TextVectorization / StringLookup): each layer with `load_assets` reads its
    own folder, written out to a temporary directory."""
    import tempfile
    for path, layer in _w.iter_saveables(model):
        if not hasattr(layer, "load_assets"):
            continue
        prefix = f"assets/{path}/" if path else "assets/"
        files = {n[len(prefix):]: data for n, data in assets.items() if n.startswith(prefix)}
        files = {n: d for n, d in files.items() if "/" not in n and n not in (".", "..")}
        if files:
            with tempfile.TemporaryDirectory() as d:
                for name, data in files.items():
                    with open(os.path.join(d, name), "wb") as f:
                        f.write(data)
                layer.load_assets(d)


def _load_npz_weights(model, data, path):
    with np.load(io.BytesIO(data)) as npz:
        store = dict(npz)
    for p, layer in _w.iter_saveables(model):
        own = _w._own_vars(layer)
        prefix = f"{p}/vars/" if p else "vars/"
        arrays = [store[prefix + str(i)] for i in range(len(own)) if prefix + str(i) in store]
        if own:
            _w._assign(own, arrays, layer.name, path)


_KERAS3_ONLY_OPTIMIZER_KEYS = ("loss_scale_factor", "gradient_accumulation_steps")


def _strip_defaults(c):
    """Drops `time_major: False` (a tf.keras 2 key Keras 3 rejects; False is the default)."""
    if isinstance(c, dict):
        return {k: _strip_defaults(v) for k, v in c.items()
                if not (k == "time_major" and v is False)}
    if isinstance(c, (list, tuple)):
        return [_strip_defaults(v) for v in c]
    return c


# -- legacy .h5 ----------------------------------------------------------------------------------
def save_legacy_h5(model, path, include_optimizer=True):
    h5py = require_h5py()
    if not (getattr(model, "_is_graph_network", False) or type(model).__name__ == "Sequential"):
        raise NotImplementedError(
            f"Cannot save {type(model).__name__} as a legacy .h5 file: the HDF5 format stores "
            "Functional and Sequential models only. Save subclassed models as `.keras` (or "
            "their weights with `save_weights`).")
    model_config = {"class_name": _ser.serialize_keras_object(model)["class_name"],
                    "config": _strip_defaults(model.get_config())}
    compile_config = get_compile_config(model)

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            f.attrs["keras_version"] = LEGACY_KERAS_VERSION
            f.attrs["backend"] = "tensorflow"
            f.attrs["model_config"] = _ser.dumps(model_config)
            if compile_config is not None:
                opt_cfg = dict(compile_config["optimizer"])
                if opt_cfg.get("registered_name") is None:
                    # tf.keras 2.11+ spells its (non-legacy) built-in optimizers this way
                    opt_cfg = {"class_name": "Custom>" + opt_cfg["class_name"],
                               "config": {k: v for k, v in dict(
                                   opt_cfg["config"], is_legacy_optimizer=False).items()
                                   if k not in _KERAS3_ONLY_OPTIMIZER_KEYS}}
                tc = {"optimizer_config": opt_cfg,
                      "loss": compile_config["loss"], "metrics": compile_config["metrics"],
                      "weighted_metrics": compile_config["weighted_metrics"],
                      "loss_weights": compile_config["loss_weights"]}
                f.attrs["training_config"] = _ser.dumps(tc)
            _w.save_legacy(f.create_group("model_weights"), model)
            opt = getattr(model, "optimizer", None)
            if include_optimizer and opt is not None and opt.variables:
                g = f.create_group("optimizer_weights")
                names = []
                for i, v in enumerate(opt.variables):
                    n = str(v.name)
                    n = n if n.endswith(":0") else n + ":0"
                    while n in names:
                        n = f"{n[:-2]}_{i}:0"
                    names.append(n)
                    g.create_dataset(n, data=np.asarray(v.numpy()))
                _w._set_attr_list(g, "weight_names", names)
    atomic_write(path, write)


def _attr_json(f, name, path):
    raw = f.attrs.get(name)
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    try:
        return json.loads(raw)
    except ValueError as e:
        raise CorruptFileError(f"{path!r}: attribute {name!r} is not valid JSON ({e}).") \
            from None


def load_legacy_h5(path, custom_objects=None, compile=True, safe_mode=True):
    with open_h5(path) as f:
        model_config = _attr_json(f, "model_config", path)
        if model_config is None:
            raise CorruptFileError(
                f"{path!r} has no model_config: it holds weights only (use "
                "`model.load_weights`) or is not a Keras model file.")
        model = _model_from_saved_config(model_config, custom_objects, safe_mode,
                                         f"{os.fspath(path)} (model_config)")
        if "model_weights" not in f:
            raise CorruptFileError(f"{path!r} has no 'model_weights' group.")
        _w.load_legacy(f["model_weights"], model, path)
        training_config = _attr_json(f, "training_config", path)
        if compile and training_config:
            compile_from_config(model, _legacy_training_config(training_config),
                                custom_objects)
            if "optimizer_weights" in f:
                g = f["optimizer_weights"]
                names = _w._attr_list(g, "weight_names")
                arrays = [np.asarray(g[n][()]) for n in names]
                _restore_optimizer(model, arrays, path)
    return model


# -- dispatch ------------------------------------------------------------------------------------
def save_model(model, filepath, overwrite=True, include_optimizer=True, save_format=None,
               **kwargs):
    """Saves `model`: `.keras` (Keras 3 zip, the default), `.h5` / `.hdf5` (legacy Keras HDF5),
    or a SavedModel-style directory for a path without either extension
    (`save_format="tf"` forces it)."""
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path!r} exists and overwrite=False.")
    fmt = save_format
    if fmt is None:
        if path.endswith(".keras"):
            fmt = "keras"
        elif path.endswith((".h5", ".hdf5")):
            fmt = "h5"
        else:
            fmt = "tf"
    if fmt == "keras":
        save_keras_zip(model, path, include_optimizer)
    elif fmt in ("h5", "hdf5"):
        save_legacy_h5(model, path, include_optimizer)
    elif fmt in ("tf", "saved_model"):
        from . import saved_model_dir
        saved_model_dir.save(model, path, include_optimizer=include_optimizer)
    else:
        raise ValueError(f"Unknown save_format {save_format!r}: expected 'keras', 'h5' or 'tf'.")


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True, **kwargs):
    """Loads a model saved as `.keras`, legacy `.h5` or a SavedModel-style directory; the format
    is recognized from the content."""
    path = os.fspath(filepath)
    kind = sniff(path)
    if kind is None:
        raise FileNotFoundError(f"No file or directory found at {path!r}.")
    if kind == "zip":
        return load_keras_zip(path, custom_objects, compile, safe_mode)
    if kind == "hdf5":
        return load_legacy_h5(path, custom_objects, compile, safe_mode)
    if kind == "dir":
        from . import saved_model_dir
        return saved_model_dir.load_model(path, custom_objects, compile, safe_mode)
    size = os.path.getsize(path)
    raise CorruptFileError(
        f"Cannot load {path!r}: it is neither a Keras zip archive (.keras), an HDF5 file (.h5) "
        f"nor a SavedModel directory ({size} bytes" + (", empty" if size == 0 else "") +
        "; a truncated file loses its format signature).")


def save_weights(model, filepath, overwrite=True, **kwargs):
    path = os.fspath(filepath)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path!r} exists and overwrite=False.")
    if path.endswith((".h5", ".hdf5")):
        _w.save_weights_file(model, path)
        return
    # tf.keras checkpoint-style prefix: a flowgrad Checkpoint of the model's variables
    from ...train.checkpoint import Checkpoint
    Checkpoint(model=model).write(path)


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs):
    path = os.fspath(filepath)
    kind = sniff(path)
    if kind == "hdf5":
        _w.load_weights_file(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
        return
    if kind == "zip":
        with open_zip(path) as z:
            if "model.weights.h5" not in z.namelist():
                raise CorruptFileError(f"{path!r} has no model.weights.h5.")
            data = z.read("model.weights.h5")
        h5py = require_h5py()
        with h5py.File(io.BytesIO(data), "r") as f:
            _w.load_keras3(f, model, filename=f"{path}/model.weights.h5")
        return
    from ...train.checkpoint import Checkpoint, _is_checkpoint_prefix
    if _is_checkpoint_prefix(path):
        Checkpoint(model=model).read(path)
        return
    if kind is None:
        raise FileNotFoundError(f"No weights file found at {path!r}.")
    raise CorruptFileError(f"Cannot load weights from {path!r}: not an HDF5 file, a .keras "
                           "archive or a checkpoint (truncated or corrupt?).")
