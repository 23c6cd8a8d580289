"""Custom-object registration: `register_keras_serializable`, `get_custom_objects`,
`CustomObjectScope` / `custom_object_scope`, `get_registered_name`, `get_registered_object`."""

import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}


class _Scopes(threading.local):
    def __init__(self):
        self.stack = []


_SCOPES = _Scopes()


class CustomObjectScope:
    """Within `with CustomObjectScope({"Name": obj}):`, deserialization finds `obj` by name.

    Example:
        >>> import flowgrad as tf
        >>> with tf.keras.saving.CustomObjectScope({"my_fn": abs}):
        ...     "my_fn" in tf.keras.saving.get_custom_objects()
        True
    """

    def __init__(self, *objects):
        self.custom_objects = {}
        for table in objects:
            self.custom_objects.update(table or {})

    def __enter__(self):
        _SCOPES.stack.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.stack.pop()


custom_object_scope = CustomObjectScope


def get_custom_objects():
    """The global registry (a dict you may edit) merged with the active scopes.

    Editing the returned dict changes the global registry only when no scope is active (as in
    Keras, it *is* the global dict then)."""
    if not _SCOPES.stack:
        return _GLOBAL_CUSTOM_OBJECTS
    out = dict(_GLOBAL_CUSTOM_OBJECTS)
    for table in _SCOPES.stack:
        out.update(table)
    return out


def register_keras_serializable(package="Custom", name=None):
    """Class/function decorator: registers the object as `"package>name"` so that saved configs
    naming it load without `custom_objects`.

    Raises:
        ValueError: `package` or `name` contains '>', or a class without `get_config`.
    """
    def decorator(obj):
        n = name if name is not None else obj.__name__
        if ">" in str(package) or ">" in n:
            raise ValueError("Package and name must not contain '>'.")
        key = f"{package}>{n}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() method.")
        _GLOBAL_CUSTOM_OBJECTS[key] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = key
        return obj
    return decorator


def get_registered_name(obj):
    """`"package>name"` for a registered object, else its `__name__`."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """Looks `name` up in the scopes, the global registry, `custom_objects`, then
    `module_objects`; None when absent. A bare name also matches a registered `"pkg>name"`."""
    tables = [t for t in reversed(_SCOPES.stack)] + [_GLOBAL_CUSTOM_OBJECTS,
                                                     custom_objects or {}, module_objects or {}]
    for table in tables:
        if name in table:
            return table[name]
    short = str(name).split(">")[-1]
    for table in tables:
        for key, obj in table.items():
            if isinstance(key, str) and key.split(">")[-1] == short:
                return obj
    return None
