"""Configs in Keras 3's nested form, and the conversions flowgrad needs to read Keras' configs.

flowgrad's own `get_config()`s follow tf.keras 2 (Functional `inbound_nodes` as
`[[layer, node, tensor, kwargs], ...]`, dtypes as strings). Files are written in Keras 3's form
(`{"module", "class_name", "config", "registered_name", "build_config"}`, `__keras_tensor__`
node arguments) so Keras 3 reads them, and configs read from any Keras version are normalized
back to what flowgrad's `from_config`s take.
"""

import inspect
import json
import warnings

import numpy as np

from . import object_registration as _reg

UNSAFE_LAMBDA_MESSAGE = (
    "Refusing to deserialize a `lambda` (Python bytecode stored in the file): running it could "
    "execute arbitrary code. Deserialization of lambdas is disabled with `safe_mode=True` (the "
    "default). If you trust where this file came from, load it with `safe_mode=False`.")


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (tuple, set)):
        return list(o)
    if hasattr(o, "as_list"):
        return o.as_list()
    if hasattr(o, "is_floating") and hasattr(o, "name"):
        return o.name
    if isinstance(o, bytes):
        return o.decode("utf-8", "replace")
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def dumps(obj, **kwargs):
    return json.dumps(obj, default=_json_default, **kwargs)


# -- writing -------------------------------------------------------------------------------------
def _is_layer(obj):
    from ..engine.base_layer import Layer
    return isinstance(obj, Layer)


def _module_of(obj):
    mod = type(obj).__module__
    if mod.startswith(("flowgrad.keras.engine", "flowgrad.keras.models")):
        return "keras"
    if mod.startswith("flowgrad.keras.layers"):
        return "keras.layers"
    return mod


def _registered_name(cls):
    if cls.__module__.startswith("flowgrad."):
        return None
    return _reg.get_registered_name(cls)


def _history_tensor(model, ref):
    """A `__keras_tensor__` dict for the Keras 2 reference [layer, node, tensor]."""
    from ..engine.base_layer import _flatten
    shape, dtype = None, "float32"
    try:
        layer = {lay.name: lay for lay in model.layers}[ref[0]]
        t = _flatten(layer._inbound_nodes[ref[1]].outputs)[ref[2]]
        shape = list(t.shape.as_list()) if hasattr(t.shape, "as_list") else list(t.shape)
        dtype = getattr(t.dtype, "name", str(t.dtype))
    except Exception:  # noqa: BLE001, S110 - shape information is advisory
        pass
    return {"class_name": "__keras_tensor__",
            "config": {"shape": shape, "dtype": dtype, "keras_history": list(ref[:3])}}


def _keras3_functional(model, config):
    """Rewrites a flowgrad Functional config's nodes in Keras 3's `{"args", "kwargs"}` form."""
    config = dict(config)
    layers = []
    by_name = {lay.name: lay for lay in model.layers}
    for lc in config["layers"]:
        lc = dict(lc)
        layer = by_name.get(lc.get("name"))
        if layer is not None:
            lc = {**serialize_keras_object(layer), "name": lc.get("name"),
                  "inbound_nodes": lc.get("inbound_nodes", [])}
        nodes = []
        for node in lc.get("inbound_nodes", []):
            if isinstance(node, dict):
                nodes.append(node)
                continue
            kts = [_history_tensor(model, e) for e in node]
            kwargs = {}
            for e in node:
                if len(e) > 3 and e[3]:
                    kwargs = dict(e[3])
            nodes.append({"args": [kts[0] if len(kts) == 1 else kts], "kwargs": kwargs})
        lc["inbound_nodes"] = nodes
        layers.append(lc)
    config["layers"] = layers
    return config


def serialize_keras_object(obj):
    """Keras 3's serialized form of a layer, model, optimizer, loss, metric, function or plain
    value."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(o) for o in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, (np.ndarray, np.generic)):
        return obj.tolist()
    from .. import optimizers
    if isinstance(obj, optimizers.Optimizer):
        return optimizers.serialize(obj)
    if _is_layer(obj):
        cls = type(obj)
        config = obj.get_config()
        if getattr(obj, "_is_graph_network", False) and "layers" in config and \
                "input_layers" in config:
            config = _keras3_functional(obj, config)
        elif isinstance(config.get("layers"), list) and type(obj).__name__ == "Sequential":
            config = dict(config)
            config["layers"] = [serialize_keras_object(lay) if _is_layer(lay) else lay
                                for lay in _sequential_layers(obj)] or config["layers"]
        class_name = cls.__name__
        if class_name == "InputLayer" and "batch_input_shape" in config:
            config = dict(config)
            config["batch_shape"] = config.pop("batch_input_shape")
        if getattr(obj, "_is_graph_network", False) and cls.__module__.startswith("flowgrad."):
            class_name = "Functional" if class_name in ("Model", "Functional") else class_name
        module, registered = _module_of(obj), _registered_name(cls)
        if class_name == "Functional":
            module, registered = "keras.src.models.functional", "Functional"
        elif class_name == "Sequential" and cls.__module__.startswith("flowgrad."):
            config = dict(config)
            il = getattr(obj, "_input_layer", None)
            if il is not None and "build_input_shape" not in config:
                config["build_input_shape"] = list(il._batch_input_shape)
        elif class_name == "InputLayer":
            module = "keras.layers"
        if config.get("time_major") is False:
            config = {k: v for k, v in config.items() if k != "time_major"}
        out = {"module": module, "class_name": class_name, "config": config,
               "registered_name": registered}
        try:
            build = obj.get_build_config()
        except Exception:  # noqa: BLE001
            build = None
        if build:
            out["build_config"] = build
        return out
    if hasattr(obj, "get_config"):
        cls = type(obj)
        return {"module": cls.__module__.replace("flowgrad.", ""), "class_name": cls.__name__,
                "config": obj.get_config(), "registered_name": _registered_name(cls)}
    if callable(obj):
        name = getattr(obj, "__name__", None)
        if obj in _reg._GLOBAL_CUSTOM_NAMES:
            return {"module": None, "class_name": "function", "config": name,
                    "registered_name": _reg._GLOBAL_CUSTOM_NAMES[obj]}
        return name
    raise TypeError(f"Cannot serialize {obj!r} (type {type(obj).__name__}).")


def _sequential_layers(model):
    out = []
    il = getattr(model, "_input_layer", None)
    if il is not None:
        out.append(il)
    out.extend(model.layers)
    return out


# -- reading -------------------------------------------------------------------------------------
def check_safe(config, safe_mode, where="the model config"):
    """Raises ValueError when `safe_mode` and `config` holds a serialized lambda."""
    if not safe_mode:
        return
    stack = [config]
    while stack:
        c = stack.pop()
        if isinstance(c, dict):
            if c.get("class_name") == "__lambda__" or c.get("function_type") == "lambda" or \
                    c.get("output_shape_type") == "lambda" or c.get("mask_type") == "lambda":
                raise ValueError(f"{UNSAFE_LAMBDA_MESSAGE} (found in {where})")
            stack.extend(c.values())
        elif isinstance(c, list):
            stack.extend(c)


def _resolve_layer_class(class_name, registered_name, custom_objects):
    from .. import layers as _layers
    for name in (registered_name, class_name):
        if name:
            obj = _reg.get_registered_object(name, custom_objects)
            if isinstance(obj, type):
                return obj
    return _layers._layer_classes().get(class_name)


def _accepted_kwargs(cls):
    """The constructor keywords `cls` accepts, or None when it takes any (custom **kwargs)."""
    from ..engine import base_layer
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        try:
            params = inspect.signature(init).parameters
        except (TypeError, ValueError):
            return None
        for p in params.values():
            if p.kind == p.VAR_KEYWORD:
                continue
            names.add(p.name)
        if klass is base_layer.Layer:
            names |= set(base_layer._KNOWN_KWARGS)
            return names
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return names
    return names


def _convert_lambda(fn_cfg):
    """Keras 3 `{"class_name": "__lambda__", ...}` -> flowgrad's (payload, "lambda")."""
    c = fn_cfg.get("config", {})
    return [c.get("code"), c.get("defaults"), c.get("closure")], "lambda"


_KERAS_TENSOR = "__keras_tensor__"


def _node_to_legacy(node):
    if isinstance(node, list):
        return node
    args = node.get("args", [])
    kwargs = {k: v for k, v in (node.get("kwargs") or {}).items()
              if k not in ("mask",) and not _contains_kt(v)}
    refs = []

    def walk(a):
        if isinstance(a, dict) and a.get("class_name") == _KERAS_TENSOR:
            h = a["config"]["keras_history"]
            refs.append([h[0], h[1], h[2], {}])
        elif isinstance(a, (list, tuple)):
            for x in a:
                walk(x)
        elif isinstance(a, dict):
            for x in a.values():
                walk(x)
    walk(args[:1] if args else [])
    if refs:
        refs[0][3] = kwargs
        for r in refs[1:]:
            r[3] = {}
    return refs


def _contains_kt(v):
    if isinstance(v, dict):
        return v.get("class_name") == _KERAS_TENSOR or any(_contains_kt(x) for x in v.values())
    if isinstance(v, (list, tuple)):
        return any(_contains_kt(x) for x in v)
    return False


def normalize_layer_config(lc, custom_objects=None):
    """A serialized layer dict (any Keras version) in the form flowgrad's `deserialize` takes:
    Keras 3 nodes as Keras 2 node lists, DTypePolicy dicts as names, `shared_object_id`s
    dropped, keywords the flowgrad class does not accept dropped (with a warning)."""
    if not isinstance(lc, dict) or "class_name" not in lc:
        return lc
    lc = {k: v for k, v in lc.items() if k != "shared_object_id"}
    inner = lc.get("config")
    if not isinstance(inner, dict):
        return lc
    inner = {k: v for k, v in inner.items() if k != "shared_object_id"}
    class_name = lc["class_name"]
    if isinstance(inner.get("dtype"), dict):
        d = inner["dtype"]
        inner["dtype"] = (d.get("config") or {}).get("name", "float32")
    if isinstance(inner.get("function"), dict) and inner["function"].get("class_name") == \
            "__lambda__":
        inner["function"], inner["function_type"] = _convert_lambda(inner["function"])
    if "layers" in inner and isinstance(inner["layers"], list):
        inner["layers"] = [normalize_layer_config(x, custom_objects) for x in inner["layers"]]
        for x in inner["layers"]:
            if isinstance(x, dict) and "inbound_nodes" in x:
                x["inbound_nodes"] = [_node_to_legacy(n) for n in x["inbound_nodes"]]
        for key in ("input_layers", "output_layers"):
            refs = inner.get(key)
            if isinstance(refs, list) and refs and isinstance(refs[0], str):
                inner[key] = [refs]
    for key in ("layer", "backward_layer", "cell"):
        if isinstance(inner.get(key), dict):
            inner[key] = normalize_layer_config(inner[key], custom_objects)
    if isinstance(inner.get("cells"), list):
        inner["cells"] = [normalize_layer_config(x, custom_objects) for x in inner["cells"]]
    if class_name == "InputLayer":
        if "batch_shape" in inner and "batch_input_shape" not in inner:
            inner["batch_input_shape"] = inner.pop("batch_shape")
        inner.pop("optional", None)
    for key, value in list(inner.items()):
        if isinstance(value, dict) and "class_name" in value and key not in (
                "layer", "backward_layer", "cell"):
            inner[key] = _clean_helper_object(value)
    cls = _resolve_layer_class(class_name, lc.get("registered_name"), custom_objects)
    if cls is not None and cls.__module__.startswith("flowgrad.") and \
            class_name not in ("Sequential", "Functional", "Model"):
        accepted = _accepted_kwargs(cls)
        if accepted is not None:
            from ..engine.base_layer import Layer
            custom_from_config = getattr(cls.from_config, "__func__", None) is not \
                Layer.from_config.__func__
            dropped = [k for k in inner if k not in accepted
                       and (not custom_from_config or k in _HARMLESS)]
            for k in dropped:
                inner.pop(k)
            meaningful = [k for k in dropped if k not in _HARMLESS]
            if meaningful:
                warnings.warn(f"Layer {inner.get('name', class_name)!r} ({class_name}): ignoring "
                              f"config keys flowgrad does not support: {meaningful}",
                              stacklevel=3)
    lc["config"] = inner
    return lc


# Keys Keras writes that carry no behaviour flowgrad lacks.
_HARMLESS = {"seed", "time_major", "implementation", "lora_rank", "lora_alpha", "quantization_config",
             "sparse", "ragged", "optional", "input_axes", "output_axes", "synchronized",
             "zero_output_for_mask", "use_cudnn", "batch_input_shape", "input_dim"}


def deserialize_layer(config, custom_objects=None, safe_mode=True):
    """A layer or model from a serialized dict of any Keras version."""
    from .. import layers as _layers
    check_safe(config, safe_mode)
    config = normalize_layer_config(config, custom_objects)
    custom = dict(_reg.get_custom_objects())
    custom.update(custom_objects or {})
    with _reg.CustomObjectScope(custom):
        obj = _layers.deserialize(config, custom_objects=custom)
    build = config.get("build_config") if isinstance(config, dict) else None
    if build and not obj.built and hasattr(obj, "build_from_config"):
        try:
            obj.build_from_config(build)
        except Exception as e:  # noqa: BLE001 - a later call builds it
            warnings.warn(f"Could not build {obj.name!r} from its build_config: {e}",
                          stacklevel=2)
    return obj


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The inverse of `serialize_keras_object` for layers, models, optimizers and plain values."""
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        obj = _reg.get_registered_object(config, custom_objects)
        return obj if obj is not None else config
    if isinstance(config, list):
        return [deserialize_keras_object(c, custom_objects, safe_mode) for c in config]
    if isinstance(config, dict) and "class_name" in config:
        module = config.get("module") or ""
        if module.startswith("keras.optimizers") or "optimizer" in module:
            from .. import optimizers
            return optimizers.deserialize(config, custom_objects=custom_objects)
        if config["class_name"] == "function":
            obj = _reg.get_registered_object(config.get("registered_name") or config["config"],
                                             custom_objects)
            if obj is None:
                raise ValueError(f"Unknown function {config['config']!r}: register it or pass "
                                 "it in custom_objects.")
            return obj
        return deserialize_layer(config, custom_objects, safe_mode)
    return config


_HELPER_MODULES = ("initializers", "regularizers", "constraints")


def _clean_helper_object(cfg):
    """Drops the constructor keys of a serialized initializer / regularizer / constraint that
    flowgrad's class does not take (Keras 3 adds e.g. `input_axes` to GlorotUniform)."""
    import importlib
    cfg = {k: v for k, v in cfg.items() if k != "shared_object_id"}
    inner = cfg.get("config")
    module = str(cfg.get("module") or "")
    if not isinstance(inner, dict):
        return cfg
    for mod in _HELPER_MODULES:
        if module.endswith(mod) or not module:
            try:
                fmod = importlib.import_module(f"flowgrad.keras.{mod}")
            except ImportError:
                continue
            cls = getattr(fmod, cfg["class_name"], None)
            if isinstance(cls, type):
                try:
                    params = inspect.signature(cls.__init__).parameters
                except (TypeError, ValueError):
                    return cfg
                if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
                    cfg["config"] = {k: v for k, v in inner.items() if k in params}
                return cfg
    return cfg
