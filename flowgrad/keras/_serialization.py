"""The identifier resolution and (de)serialization shared by the Keras `get` / `serialize` /
`deserialize` functions of activations, initializers, regularizers, constraints, losses,
metrics, optimizers and learning rate schedules.

Each module keeps its own tables (names, classes, aliases) and messages; these helpers hold the
logic they have in common.
"""

import difflib
import re as _re


# -- names, errors and custom objects ----------------------------------------------------------
def _to_snake(name):
    """'MeanSquaredError' -> 'mean_squared_error', 'AUC' -> 'auc'."""
    s = _re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return _re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()


def _unknown(kind, identifier, valid):
    """The ValueError for an unknown identifier: lists the valid names and the closest ones."""
    valid = sorted(set(valid))
    close = difflib.get_close_matches(str(identifier), valid, n=3, cutoff=0.5)
    if not close:
        close = difflib.get_close_matches(str(identifier).lower(), [v.lower() for v in valid],
                                          n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(f"Unknown {kind}: {identifier!r}.{hint} Valid names are: "
                      f"{', '.join(valid)}. A custom {kind} must be passed as an object or in "
                      f"custom_objects.")


def _global_custom_objects():
    """Objects registered with keras.utils.register_keras_serializable / custom_object_scope,
    when the utils module provides them (it is written separately)."""
    try:
        from . import utils
        fn = getattr(utils, "get_custom_objects", None)
        return dict(fn()) if callable(fn) else {}
    except Exception:  # noqa: BLE001 - the utils module may not exist yet
        return {}


def _find_custom(name, custom_objects):
    for table in (custom_objects or {}, _global_custom_objects()):
        if name in table:
            return table[name]
        for key, obj in table.items():  # registered names are "package>Name"
            if isinstance(key, str) and key.split(">")[-1] == name:
                return obj
    return None


def _config_parts(config, kind):
    """Splits a serialized dict into (class_name, config); accepts Keras 2 and Keras 3 forms."""
    if "class_name" not in config:
        raise ValueError(f"Improper config format for a {kind}: {config!r}. Expected a dict with "
                         f"'class_name' and 'config' keys.")
    name = config.get("registered_name") or config["class_name"]
    inner = config.get("config")
    return name, config["class_name"], ({} if inner is None else inner)


def _from_config(cls, inner):
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)


# -- get -----------------------------------------------------------------------------------------
_RAISE = object()


def get(identifier, deserialize, kind, none=None, base=None, hint=""):
    """The common `get`: None -> `none` (or an error when `none` is `_RAISE`), a name or dict ->
    `deserialize(identifier)`, a subclass of `base` -> a new instance, a callable as is."""
    if identifier is None and none is not _RAISE:
        return none
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if base is not None and isinstance(identifier, type) and issubclass(identifier, base):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}{hint}")


# -- serialize -----------------------------------------------------------------------------------
def serialize(obj, names=None, error=None):
    """A built-in function's name (from `names`, keyed by id), `{"class_name", "config"}` for an
    object with `get_config()`, else the object's `__name__`; `error` (formatted with `obj`) when
    none applies."""
    if names and id(obj) in names:
        return names[id(obj)]
    if hasattr(obj, "get_config"):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    name = getattr(obj, "__name__", None)
    if name:
        return name
    raise ValueError((error or "Cannot serialize {obj!r}: it has no get_config().")
                     .format(obj=obj))


# -- deserialize: class tables with aliases (initializers, regularizers, constraints) -----------
def lookup(name, custom_objects, kind, classes, aliases):
    """A custom object, else the class or alias named `name` (CamelCase or snake_case)."""
    custom = _find_custom(name, custom_objects)
    if custom is not None:
        return custom
    found = classes.get(name) or aliases.get(name) or aliases.get(_to_snake(name))
    if found is None:
        raise _unknown(kind, name, list(classes) + list(aliases))
    return found


def deserialize_class(config, custom_objects, kind, classes, aliases, factories=()):
    """A name (a class is instantiated, as are the functions in `factories`) or a serialized
    dict (`from_config`)."""
    if isinstance(config, str):
        found = lookup(config, custom_objects, kind, classes, aliases)
        return found() if isinstance(found, type) or any(found is f for f in factories) \
            else found
    if isinstance(config, dict):
        name, class_name, inner = _config_parts(config, kind)
        key = name if _find_custom(name, custom_objects) else class_name
        return _from_config(lookup(key, custom_objects, kind, classes, aliases), inner)
    raise ValueError(f"Could not interpret {kind} identifier: {config!r}")


# -- deserialize: functions and classes (activations, losses, metrics) ---------------------------
def deserialize_named(config, custom_objects, kind, functions, classes=(), dict_classes=None,
                      valid=(), dict_valid=(), name_kind=None, make_custom=True):
    """A name: a custom object (a class is instantiated when `make_custom`), else a function
    from `functions` or a new instance from one of the `classes` tables, tried with the name
    as given and then in snake_case. A serialized dict: a custom class or one of
    `dict_classes`, built with `from_config` (`{"class_name": "function", ...}` names a
    function)."""
    if isinstance(config, dict):
        reg, class_name, inner = _config_parts(config, kind)
        if class_name == "function" or isinstance(inner, str):
            return deserialize_named(inner if isinstance(inner, str) else reg, custom_objects,
                                     kind, functions, classes, dict_classes, valid, dict_valid,
                                     name_kind, make_custom)
        cls = _find_custom(reg, custom_objects) or _find_custom(class_name, custom_objects) \
            or (dict_classes or {}).get(class_name)
        if cls is None:
            raise _unknown(kind, class_name, dict_valid)
        return _from_config(cls, inner)
    if not isinstance(config, str):
        raise ValueError(f"Could not interpret {kind} identifier: {config!r}")  # noqa: TRY004
    custom = _find_custom(config, custom_objects)
    if custom is not None:
        return custom() if make_custom and isinstance(custom, type) else custom
    for key in (config, _to_snake(config)):
        if key in functions:
            return functions[key]
        for table in classes:
            if key in table:
                return table[key]()
    raise _unknown(name_kind or kind, config, valid)


# -- Keras 3 layout (optimizers, learning rate schedules) ----------------------------------------
def serialize_keras3(obj, module, builtin):
    """`{"module", "class_name", "config", "registered_name"}`; `builtin`: whether `obj`'s class
    is the built-in one (then `module` is given and there is no registered name)."""
    cls = type(obj)
    return {"module": module if builtin else cls.__module__, "class_name": cls.__name__,
            "config": obj.get_config(), "registered_name": None if builtin else cls.__name__}


def resolve_keras3(config, custom_objects, builtin, fold=str):
    """Checks a serialized dict and returns `(class_name, cls or None, custom_objects)`: a class
    from `custom_objects` by class or registered name, else `builtin[fold(short name)]`."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("deserialize() expects a dict with 'class_name' and 'config'; received "
                         f"{config!r}.")
    name = config["class_name"]
    custom_objects = custom_objects or {}
    cls = custom_objects.get(name) or custom_objects.get(config.get("registered_name")) \
        or builtin.get(fold(str(name).split(">")[-1]))   # "Custom>Adam": tf.keras 2.x names
    return name, cls, custom_objects


class ConfigMixin:
    """`get_config` from the attributes named in `_config_keys`, `from_config` calling the
    constructor, and a `<ClassName key=value ...>` repr from `_repr_keys` (the base of `Loss` and
    `Metric`)."""

    _config_keys = ()
    _repr_keys = ("name",)

    def get_config(self):
        """The constructor arguments in `_config_keys`, plus the subclass's arguments."""
        return {k: getattr(self, k) for k in self._config_keys}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        fields = " ".join(f"{k}={getattr(self, k)!r}" for k in self._repr_keys)
        return f"<{type(self).__name__} {fields}>"
