"""AutoGraph's entry points: `convert` / `to_graph`, `to_code`, `do_not_convert`,
`set_verbosity`, `trace`, and the conversion cache behind `ag__.converted_call`.

A conversion reads the function's source (`inspect.getsource`), rewrites its AST
(`transformer.py`) and compiles the result as a nested function of a small factory whose
parameters are `ag__` (the operators module) and the original's free variables. The compiled
code object is cached per (code object, recursive) pair; each converted function is then built
with `types.FunctionType` from that code, the original's globals, defaults and *its own closure
cells*, so closures, `nonlocal` writes and zero-argument `super()` keep working.
"""

import __future__

import ast
import functools
import inspect
import linecache
import logging
import os
import sys
import sysconfig
import textwrap
import threading
import types
import warnings
import weakref

from . import operators, transformer
from .errors import ConversionError

__all__ = [
    "convert",
    "do_not_convert",
    "get_verbosity",
    "is_converted",
    "set_verbosity",
    "to_code",
    "to_graph",
    "trace",
]

_logger = logging.getLogger("flowgrad.autograph")
_lock = threading.RLock()
_CODE_CACHE = {}                        # (code, recursive) -> (inner code, source, filename)
_FN_CACHE = weakref.WeakKeyDictionary()  # function -> {recursive: converted function}
_CALL_CACHE = weakref.WeakKeyDictionary()  # function -> what converted_call runs for it
_MARK = "_autograph_do_not_convert"
_CONVERTED = "_autograph_converted"

_verbosity = [int(os.environ.get("AUTOGRAPH_VERBOSITY", "0") or 0), False]

_FUTURE_MASK = 0
for _feature in __future__.all_feature_names:
    _FUTURE_MASK |= getattr(__future__, _feature).compiler_flag

# Modules whose functions run unconverted when converted code calls them.
_LIBRARY_ROOTS = frozenset({
    "flowgrad", "numpy", "scipy", "pandas", "pytest", "_pytest", "pluggy", "tensorflow",
    "torch", "jax", "IPython", "ipykernel", "six", "typing_extensions", "absl"})
_STDLIB_DIRS = tuple(p for p in {sysconfig.get_paths().get("stdlib"),
                                 sysconfig.get_paths().get("platstdlib")} if p)


class _NoSource(Exception):
    """The function's source code is not available (built in, exec'd, or from a REPL)."""


# -- verbosity -------------------------------------------------------------------------------------
def set_verbosity(level, alsologtostdout=False):
    """Sets how much AutoGraph logs (`tf.autograph.set_verbosity`).

    0 (the default, or the AUTOGRAPH_VERBOSITY environment variable): quiet. 1: one line per
    converted function and per function left unconverted. 3 and above: also the generated code.
    Messages go to the `flowgrad.autograph` logger, and to stdout when `alsologtostdout`.
    """
    _verbosity[0] = int(level)
    _verbosity[1] = bool(alsologtostdout)


def get_verbosity():
    """The current verbosity level (see `set_verbosity`)."""
    return _verbosity[0]


def _log(level, msg):
    if _verbosity[0] >= level:
        _logger.info(msg)
        if _verbosity[1]:
            print(msg)


def trace(*args):
    """Prints its arguments now (at trace time inside a `flowgrad.function`), like
    `tf.autograph.trace`; for printing at run time use `tf.print`."""
    print(*args)


# -- markers ---------------------------------------------------------------------------------------
def do_not_convert(func=None):
    """Marks `func` so that AutoGraph runs it as written, never converting it (also as a
    decorator: `@do_not_convert` or `@do_not_convert()`). Returns `func`, or a thin wrapper
    when `func` cannot take attributes."""
    if func is None:
        return do_not_convert
    target = getattr(func, "__func__", func)
    try:
        setattr(target, _MARK, True)
        return func
    except (AttributeError, TypeError):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)
        setattr(wrapper, _MARK, True)
        return wrapper


def is_converted(func):
    """Whether `func` is the output of `convert` (or a method bound to one)."""
    return bool(getattr(getattr(func, "__func__", func), _CONVERTED, False))


def _marked(f):
    try:
        return bool(getattr(getattr(f, "__func__", f), _MARK, False))
    except Exception:   # noqa: BLE001 - exotic objects with failing __getattr__
        return False


# -- public conversion -----------------------------------------------------------------------------
def convert(func=None, recursive=True):
    """Returns the AutoGraph-converted version of `func` (a function, bound method, lambda,
    `functools.partial` or callable object); also usable as a decorator.

    In the result, `if` / `while` / `for` statements, `and` / `or` / `not` and conditional
    expressions on tensors become `flowgrad.cond` / `flowgrad.while_loop`, while on Python
    values they behave exactly as before. With `recursive=True`, user functions it calls are
    converted too when called. Conversions are cached per code object.

    Functions marked `do_not_convert`, library code (flowgrad, NumPy, the standard library) and
    builtins are returned unchanged; a function whose source is unavailable is returned
    unchanged with a warning.

    Raises:
        ConversionError: the function uses a construct AutoGraph cannot convert (`yield`,
            `async def`, `:=`); the message names it, with its line and what to write instead.
    """
    if func is None:
        return functools.partial(convert, recursive=recursive)
    try:
        return _convert(func, recursive, user=True)
    except _NoSource as e:
        warnings.warn(f"AutoGraph could not convert {func!r} and will run it as written: "
                      f"{e}", stacklevel=2)
        return func


def to_graph(entity, recursive=True, experimental_optional_features=None):
    """`tf.autograph.to_graph`: the converted Python function for `entity` (see `convert`).
    `experimental_optional_features` is accepted for compatibility and ignored."""
    return convert(entity, recursive=recursive)


def to_code(entity, recursive=True, experimental_optional_features=None):
    """The source code AutoGraph generates for `entity`, as a string (`tf.autograph.to_code`).

    Example:
        >>> import flowgrad as tf
        >>> def f(x):
        ...     if x > 0:
        ...         x = -x
        ...     return x
        >>> print(tf.autograph.to_code(f))   # doctest: +SKIP
        def f(x):
        <BLANKLINE>
            def if_body_1(x):
                x = -x
                return (x,)
            x, = ag__.if_stmt(x > 0, if_body_1, None, (x,), ('x',), line='<stdin>:2', only_body=('x',))
            return x
    """
    fn = entity
    if isinstance(fn, functools.partial):
        fn = fn.func
    fn = getattr(fn, "__func__", fn)
    if getattr(fn, _CONVERTED, False):
        fn = fn._autograph_original() or fn
    if not isinstance(fn, types.FunctionType):
        call = getattr(type(fn), "__call__", None)  # noqa: B004 - the user method
        if isinstance(call, types.FunctionType):
            fn = call
        else:
            raise TypeError(f"to_code needs a Python function or method; got {entity!r}.")
    with _lock:
        entry = _CODE_CACHE.get((fn.__code__, recursive))
        if entry is None:
            try:
                entry = _transform(fn, recursive)
            except _NoSource as e:
                raise ConversionError(f"to_code: cannot convert {fn.__qualname__}: {e}.") \
                    from None
            _CODE_CACHE[(fn.__code__, recursive)] = entry
    return entry[1]


# -- conversion machinery --------------------------------------------------------------------------
def _is_library(fn):
    mod = getattr(fn, "__module__", None) or ""
    if mod.split(".")[0] in _LIBRARY_ROOTS:
        return True
    if mod in sys.builtin_module_names or mod.split(".")[0] in getattr(
            sys, "stdlib_module_names", ()):
        return True
    code = getattr(fn, "__code__", None)
    filename = getattr(code, "co_filename", "") or ""
    if "site-packages" in filename:
        return False
    return bool(_STDLIB_DIRS) and filename.startswith(_STDLIB_DIRS)


def _convert(func, recursive, user):
    if _marked(func) or is_converted(func):
        return func
    if isinstance(func, functools.partial):
        inner = _convert(func.func, recursive, user)
        return func if inner is func.func else functools.partial(inner, *func.args,
                                                                 **func.keywords)
    if isinstance(func, types.MethodType):
        inner = _convert(func.__func__, recursive, user)
        return func if inner is func.__func__ else types.MethodType(inner, func.__self__)
    if not isinstance(func, types.FunctionType):
        if isinstance(func, type) or not callable(func):
            return func
        call = getattr(type(func), "__call__", None)  # noqa: B004 - the user method
        if isinstance(call, types.FunctionType) and not _is_library(call):
            return _convert(types.MethodType(call, func), recursive, user)
        return func
    if _is_library(func):
        return func
    code = func.__code__
    if code.co_filename.startswith("<autograph"):
        return func     # defined inside converted code: already converted
    if code.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE |
                        inspect.CO_ASYNC_GENERATOR) and not user:
        return func
    with _lock:
        per_fn = _FN_CACHE.get(func)
        if per_fn is not None and recursive in per_fn:
            return per_fn[recursive]
        key = (code, recursive)
        entry = _CODE_CACHE.get(key)
        if entry is None:
            entry = _transform(func, recursive)
            _CODE_CACHE[key] = entry
            _log(1, f"AutoGraph converted {func.__qualname__}")
            _log(3, entry[1])
        new = _instantiate(func, entry)
        try:
            _FN_CACHE.setdefault(func, {})[recursive] = new
        except TypeError:   # pragma: no cover
            pass
    return new


def _instantiate(func, entry):
    inner_code = entry[0]
    cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))
    closure = []
    for name in inner_code.co_freevars:
        if name == transformer.AG:
            closure.append(types.CellType(operators))
        elif name in cells:
            closure.append(cells[name])
        else:   # pragma: no cover - the factory only provides these names
            raise ConversionError(f"AutoGraph: internal error, no cell for {name!r} in "
                                  f"{func.__qualname__}.")
    new = types.FunctionType(inner_code, func.__globals__, func.__name__, func.__defaults__,
                             tuple(closure) or None)
    new.__kwdefaults__ = dict(func.__kwdefaults__) if func.__kwdefaults__ else None
    new.__dict__.update(func.__dict__)
    new.__qualname__ = func.__qualname__
    new.__module__ = func.__module__
    new.__doc__ = func.__doc__
    new.__annotations__ = dict(getattr(func, "__annotations__", {}) or {})
    setattr(new, _CONVERTED, True)
    new._autograph_original = weakref.ref(func)   # weak: the caches are keyed by `func`
    return new


def _parse(func):
    try:
        lines, _ = inspect.getsourcelines(func)
    except (OSError, TypeError) as e:
        raise _NoSource(f"its source code is not available ({e})") from None
    src = textwrap.dedent("".join(lines))
    code = func.__code__
    is_lambda = func.__name__ == "<lambda>"
    try:
        tree = ast.parse(src)
    except SyntaxError:
        if not is_lambda:
            raise _NoSource("its source code could not be parsed") from None
        tree = None
        # A lambda inside a larger expression: try the source as a parenthesized expression.
        try:
            tree = ast.parse("(" + src.strip().rstrip(",") + ")")
        except SyntaxError:
            raise _NoSource("the lambda's source line could not be parsed on its own") from None
    if is_lambda:
        params = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
        found = [n for n in ast.walk(tree) if isinstance(n, ast.Lambda) and
                 [a.arg for a in n.args.posonlyargs + n.args.args + n.args.kwonlyargs] == params]
        if len(found) != 1:
            raise _NoSource("the lambda could not be told apart from the others on its line")
        node = transformer.lambda_to_function(found[0], "lambda_")
    else:
        found = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if not found:
            raise _NoSource("no function definition found in its source")
        node = found[0]
    node.decorator_list = []
    return node, code.co_firstlineno - 1


def _transform(func, recursive):
    """Parses, converts and compiles `func`; returns (code object, source, filename)."""
    node, offset = _parse(func)
    code = func.__code__
    src = transformer._Source(code.co_filename, offset, func.__qualname__)
    node = transformer.convert_function(node, src, recursive=recursive)
    source = ast.unparse(node)
    # Compiled under another name: the def must not bind the function's own name in the
    # factory, or a recursive call (a global name) would become a closure over it.
    name = node.name
    node.name = compiled_name = f"{name}__autograph"
    compiled_source = ast.unparse(node)
    node.name = name
    params = [transformer.AG] + list(code.co_freevars)
    module_src = f"def __autograph_factory__({', '.join(params)}):\n" + \
        textwrap.indent(compiled_source, "    ") + "\n"
    flags = code.co_flags & _FUTURE_MASK
    # Compile the converted AST itself, keeping the user's file name and line numbers: run-time
    # errors and tracebacks then point at the line the user wrote.
    filename = code.co_filename
    try:
        node.name = compiled_name
        fdef = ast.FunctionDef(
            name="__autograph_factory__",
            args=ast.arguments(posonlyargs=[], args=[ast.arg(arg=p) for p in params],
                               kwonlyargs=[], kw_defaults=[], defaults=[]),
            body=[node], decorator_list=[], returns=None,
            **({"type_params": []} if "type_params" in ast.FunctionDef._fields else {}))
        mod = ast.Module(body=[fdef], type_ignores=[])
        ast.copy_location(fdef, node)
        ast.increment_lineno(mod, offset)
        ast.fix_missing_locations(mod)
        module_code = compile(mod, filename, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, TypeError, ValueError):
        node.name = name
        filename = f"<autograph {func.__qualname__} ({os.path.basename(code.co_filename)}:" \
                   f"{code.co_firstlineno})>"
        try:
            module_code = compile(module_src, filename, "exec", flags=flags, dont_inherit=True)
        except SyntaxError as e:  # pragma: no cover - a transformer bug
            raise ConversionError(f"AutoGraph generated invalid code for {func.__qualname__}: "
                                  f"{e}\n{module_src}") from None
        linecache.cache[filename] = (len(module_src), None, module_src.splitlines(True),
                                     filename)
    finally:
        node.name = name
    factory = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    inner = next(c for c in factory.co_consts if isinstance(c, types.CodeType)
                 and c.co_name == compiled_name)
    names = {"co_name": code.co_name}
    if hasattr(code, "co_qualname"):    # Python 3.11+
        names["co_qualname"] = code.co_qualname
    inner = inner.replace(**names)
    return inner, source, filename


def _convert_for_call(f):
    """What `ag__.converted_call` runs for the callable `f`: its conversion when it is user
    code, else `f` itself. Cached per function object."""
    base = getattr(f, "__func__", None) if isinstance(f, types.MethodType) else f
    if isinstance(base, types.FunctionType):
        try:
            target = _CALL_CACHE.get(base)
        except TypeError:   # pragma: no cover
            target = None
        if target is None:
            try:
                target = _convert(base, True, user=False)
            except (_NoSource, ConversionError) as e:
                _log(1, f"AutoGraph left {base.__qualname__} unconverted: {e}")
                target = base
            _CALL_CACHE[base] = target
        if target is base:
            return f
        return types.MethodType(target, f.__self__) if isinstance(f, types.MethodType) \
            else target
    if isinstance(f, (types.BuiltinFunctionType, type)) or not callable(f):
        return f
    try:
        return _convert(f, True, user=False)
    except (_NoSource, ConversionError):
        return f
