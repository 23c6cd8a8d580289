"""Weights in HDF5: Keras 3's layout (`model.weights.h5`, `*.weights.h5`) and the legacy
Keras 2 layout (`model_weights` / `layer_names` / `weight_names`).

Keras 3 layout: each saveable object has a group `<path>/vars` with datasets "0", "1", ... (its
own variables, trainable first); a model's layers live under `<path>/layers/<key>`, where the
key is the snake-cased class name, suffixed `_1`, `_2`, ... for repeats; other sublayers under
the attribute name holding them (`lstm/cell`, `bidirectional/forward_layer`); the optimizer at
`optimizer/vars`.
"""

import os
import re

import numpy as np

from ._io import CorruptFileError


def _snake(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    s = re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()
    return s


def _is_model(layer):
    return hasattr(layer, "_is_graph_network") or type(layer).__name__ in (
        "Sequential", "Functional", "Model")


def _own_vars(layer):
    own = layer._own_variables()
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def _list_keys(objs):
    counts = {}
    out = []
    for o in objs:
        base = _snake(type(o).__name__)
        n = counts.get(base, 0)
        counts[base] = n + 1
        out.append(base if n == 0 else f"{base}_{n}")
    return out


def _children(layer):
    """(key, sublayer) pairs in Keras 3's naming."""
    from ..engine.base_layer import Layer
    if _is_model(layer) and (getattr(layer, "_is_graph_network", False)
                             or type(layer).__name__ == "Sequential"):
        lays = list(layer.layers)
        return [("layers/" + k, lay) for k, lay in zip(_list_keys(lays), lays)]
    out = []
    seen = {id(layer)}
    for attr, value in sorted(layer.__dict__.items()):
        if attr.startswith("_") or attr in ("optimizer",):
            continue
        if isinstance(value, Layer) and id(value) not in seen:
            seen.add(id(value))
            out.append((attr, value))
        elif isinstance(value, (list, tuple)) and value and \
                all(isinstance(v, Layer) for v in value):
            vals = [v for v in value if id(v) not in seen]
            seen.update(id(v) for v in vals)
            out.extend((f"{attr}/{k}", v) for k, v in zip(_list_keys(vals), vals))
    # layers tracked only through private attributes (e.g. a subclassed model's `_blocks`)
    for sub in layer._direct_layers():
        if id(sub) not in seen:
            seen.add(id(sub))
            out.append((f"layers/{_snake(type(sub).__name__)}_{len(out)}", sub))
    return out


def iter_saveables(layer, path=""):
    """Yields (path, layer) for `layer` and every sublayer, parents first."""
    yield path, layer
    for key, sub in _children(layer):
        yield from iter_saveables(sub, f"{path}/{key}" if path else key)


def _write_vars(group, variables, name=None):
    g = group.require_group("vars")
    if name:
        g.attrs["name"] = name
    for i, v in enumerate(variables):
        arr = np.asarray(v.numpy() if hasattr(v, "numpy") else v)
        if arr.dtype.name == "bfloat16" or getattr(getattr(v, "dtype", None), "name", "") == \
                "bfloat16":
            ds = g.create_dataset(str(i), data=arr.astype(np.float32))
            ds.attrs["dtype"] = "bfloat16"
        else:
            g.create_dataset(str(i), data=arr)


def save_keras3(h5file, model, include_optimizer=True):
    """Writes `model`'s variables (and its optimizer's) into an open h5py File."""
    for path, layer in iter_saveables(model):
        group = h5file.require_group(path) if path else h5file
        _write_vars(group, _own_vars(layer), layer.name)
    opt = getattr(model, "optimizer", None)
    if include_optimizer and opt is not None and hasattr(opt, "variables"):
        _write_vars(h5file.require_group("optimizer"), list(opt.variables), opt.name)


def _read_vars(h5file, path):
    key = f"{path}/vars" if path else "vars"
    if key not in h5file:
        return None
    g = h5file[key]
    n = len(g)
    out = []
    for i in range(n):
        if str(i) not in g:
            raise CorruptFileError(f"{h5file.filename!r}: group {key!r} lacks dataset '{i}'.")
        out.append(np.asarray(g[str(i)][()]))
    return out


def _assign(variables, arrays, what, filename):
    if len(variables) != len(arrays):
        raise ValueError(f"Layer {what!r} expects {len(variables)} variables, but the file "
                         f"{filename!r} holds {len(arrays)} for it.")
    for v, a in zip(variables, arrays):
        if tuple(v.shape) != tuple(a.shape):
            raise ValueError(f"Shape mismatch loading {what!r} from {filename!r}: variable "
                             f"{v.name} has shape {tuple(v.shape)}, the file has {a.shape}.")
    for v, a in zip(variables, arrays):
        v.assign(a.astype(np.dtype(v.dtype.name) if v.dtype.name != "bfloat16" else a.dtype,
                          copy=False))


def _gather(h5file, path):
    """All datasets below `path` in Keras weight order: own vars, then subgroups (forward before
    backward)."""
    out = list(_read_vars(h5file, path) or [])
    grp = h5file[path] if path else h5file
    keys = [k for k in grp if k != "vars" and hasattr(grp[k], "keys")]
    keys.sort(key=lambda k: (0 if k.startswith("forward") else 1 if k.startswith("backward")
                             else 2 if k == "layer" else 0, k))
    for k in keys:
        out.extend(_gather(h5file, f"{path}/{k}" if path else k))
    return out


def load_keras3(h5file, model, optimizer=None, filename=None):
    """Reads `model`'s variables (and optionally the optimizer's) from an open h5py File in
    Keras 3's layout. Returns whether optimizer state was present and loaded."""
    filename = filename or h5file.filename
    if "layers" not in h5file and "vars" not in h5file:
        raise CorruptFileError(f"{filename!r} is not a Keras 3 weights file (no 'layers' or "
                               "'vars' group).")
    top = list(_children(model))
    done = set()
    for key, layer in top:
        sub = list(iter_saveables(layer, key))
        if all(_read_vars(h5file, p) is not None or not _own_vars(lay) for p, lay in sub) and \
                all(_read_vars(h5file, p) is None or len(_read_vars(h5file, p)) ==
                    len(_own_vars(lay)) for p, lay in sub):
            for p, lay in sub:
                arrays = _read_vars(h5file, p)
                if arrays is not None and _own_vars(lay):
                    _assign(_own_vars(lay), arrays, lay.name, filename)
        elif key in h5file:
            # flowgrad nests the layer's state differently: take the group's datasets in order
            _assign(list(layer.weights), _gather(h5file, key), layer.name, filename)
        elif layer.weights:
            raise ValueError(f"{filename!r} has no weights for layer {layer.name!r} (expected "
                             f"group {key!r}).")
        done.add(id(layer))
    own = _read_vars(h5file, "")
    if own and _own_vars(model):
        _assign(_own_vars(model), own, model.name, filename)
    if optimizer is not None and "optimizer" in h5file:
        arrays = _read_vars(h5file, "optimizer") or []
        if arrays:
            return arrays
    return None


# -- legacy (Keras 2) layout ---------------------------------------------------------------------
def _attr_list(group, name):
    """A string-list attribute, joining the `name0`, `name1`, ... chunks of long ones."""
    if name in group.attrs:
        vals = list(group.attrs[name])
    else:
        vals, i = [], 0
        while f"{name}{i}" in group.attrs:
            vals.extend(group.attrs[f"{name}{i}"])
            i += 1
    return [v.decode("utf8") if isinstance(v, bytes) else str(v) for v in vals]


def _set_attr_list(group, name, values):
    data = np.array([v.encode("utf8") for v in values], dtype="S" if values else "float64")
    if data.nbytes > 64000:
        chunks = int(np.ceil(data.nbytes / 64000))
        for i, part in enumerate(np.array_split(data, chunks)):
            group.attrs[f"{name}{i}"] = part
    else:
        group.attrs[name] = data


def _legacy_weight_name(layer, v, i):
    name = str(getattr(v, "name", f"var_{i}"))
    if not name.endswith(":0"):
        name += ":0"
    if not name.startswith(layer.name + "/"):
        name = f"{layer.name}/{name}"
    return name


def save_legacy(group, model):
    """Writes tf.keras 2's `model_weights` layout into `group`."""
    from ... import __name__ as _  # noqa: F401
    layers = [lay for lay in (model.layers if _is_model(model) else [model])]
    _set_attr_list(group, "layer_names", [lay.name for lay in layers])
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = b"2.15.0"
    for layer in layers:
        g = group.require_group(layer.name)
        weights = list(layer.weights)
        names = []
        for i, v in enumerate(weights):
            n = _legacy_weight_name(layer, v, i)
            while n in names:
                n = n[:-2] + f"_{i}:0"
            names.append(n)
            g.create_dataset(n, data=np.asarray(v.numpy()))
        _set_attr_list(g, "weight_names", names)


def load_legacy(group, model, filename, by_name=False, skip_mismatch=False):
    """Reads tf.keras 2's layout: layers with weights matched in order (or by name)."""
    names = _attr_list(group, "layer_names")
    if not names and "layer_names" not in group.attrs:
        raise CorruptFileError(f"{filename!r}: no 'layer_names' attribute; not a Keras weights "
                               "file.")
    saved = []
    for n in names:
        if n not in group:
            raise CorruptFileError(f"{filename!r}: layer group {n!r} listed in layer_names is "
                                   "missing.")
        g = group[n]
        wn = _attr_list(g, "weight_names")
        try:
            arrays = [np.asarray(g[w][()]) for w in wn]
        except KeyError as e:
            raise CorruptFileError(f"{filename!r}: weight {e} of layer {n!r} is missing.") \
                from None
        saved.append((n, arrays))
    layers = model.layers if _is_model(model) else [model]
    if by_name:
        table = dict(saved)
        for layer in layers:
            if layer.name in table:
                arrays = table[layer.name]
                try:
                    _assign(list(layer.weights), arrays, layer.name, filename)
                except ValueError:
                    if not skip_mismatch:
                        raise
        return
    with_weights = [lay for lay in layers if lay.weights]
    saved = [(n, a) for n, a in saved if a]
    if len(with_weights) != len(saved):
        raise ValueError(f"Weight file {filename!r} has {len(saved)} layers with weights "
                         f"({[n for n, _ in saved]}), but the model has {len(with_weights)} "
                         f"({[lay.name for lay in with_weights]}).")
    for layer, (n, arrays) in zip(with_weights, saved):
        _assign(list(layer.weights), arrays, layer.name, filename)


def save_weights_file(model, path):
    """`model.save_weights(path)`: Keras 3 layout for `*.weights.h5`, legacy layout for other
    `.h5` / `.hdf5` names."""
    from ._io import atomic_write, require_h5py
    h5py = require_h5py()
    path = os.fspath(path)

    def write(tmp):
        with h5py.File(tmp, "w") as f:
            if path.endswith(".weights.h5"):
                save_keras3(f, model, include_optimizer=False)
            else:
                save_legacy(f, model)
    atomic_write(path, write)


def load_weights_file(model, path, by_name=False, skip_mismatch=False):
    from ._io import open_h5
    path = os.fspath(path)
    with open_h5(path) as f:
        if "layer_names" in f.attrs or "layer_names0" in f.attrs:
            load_legacy(f, model, path, by_name, skip_mismatch)
        elif "model_weights" in f:
            load_legacy(f["model_weights"], model, path, by_name, skip_mismatch)
        else:
            _ensure_built(model, path)
            load_keras3(f, model)


def _ensure_built(model, path):
    if not model.built or (not model.weights and any(True for _ in [])):
        raise ValueError(f"Cannot load weights from {path!r} into model {model.name!r}: it has "
                         "not been built yet. Call it on data or `build()` it first.")
