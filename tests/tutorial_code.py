"""Extracts the code examples of the tutorials in ../shared/tutorials and runs them with
`import tensorflow as tf` meaning flowgrad (the one changed line)."""

import importlib
import importlib.abc
import importlib.util
import pathlib
import re
import sys
import textwrap
import types

import pytest

TUTORIALS = pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "tutorials"
_FENCE = re.compile(r"^[ \t]*```(?:python|py)[ \t]*\n(.*?)^[ \t]*```", re.S | re.M)


def blocks(prefix):
    """The python code blocks of the tutorial file whose name starts with `prefix`."""
    files = sorted(TUTORIALS.glob(f"{prefix}_*.txt"))
    if not files:
        pytest.skip(f"tutorial {prefix} not found under {TUTORIALS}")
    text = files[0].read_text(encoding="utf-8", errors="replace")
    return [textwrap.dedent(b) for b in _FENCE.findall(text)]


class _NoPlot(types.ModuleType):
    """Stands in for matplotlib.pyplot: the tutorials plot, the tests only run the code."""

    def __getattr__(self, name):
        return lambda *a, **k: None


class _TensorflowAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes `import tensorflow.X.Y` / `from tensorflow.X import Y` return flowgrad's modules
    themselves (not second copies), as `import flowgrad as tf` code would see them."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith("tensorflow."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        module = importlib.import_module("flowgrad" + spec.name[len("tensorflow"):])
        spec.loader_state = module.__spec__  # the import system overwrites __spec__ next
        return module

    def exec_module(self, module):
        # Put flowgrad's own spec back: a module whose __spec__ names "tensorflow.X" makes
        # later imports of its submodules warn (__package__ != __spec__.parent).
        module.__spec__ = module.__spec__.loader_state


def run(code_blocks, namespace=None):
    """Runs blocks in one namespace, with `tensorflow` importing as flowgrad."""
    import flowgrad
    ns = {} if namespace is None else namespace
    saved = {k: sys.modules.get(k) for k in ("tensorflow", "matplotlib", "matplotlib.pyplot")}
    for k in [k for k in sys.modules if k.startswith("tensorflow.")]:
        del sys.modules[k]
    finder = _TensorflowAlias()
    sys.meta_path.insert(0, finder)
    sys.modules["tensorflow"] = flowgrad
    plt = _NoPlot("matplotlib.pyplot")
    mpl = types.ModuleType("matplotlib")
    mpl.pyplot = plt
    sys.modules["matplotlib"], sys.modules["matplotlib.pyplot"] = mpl, plt
    try:
        for code in code_blocks:
            exec(compile(code, "<tutorial>", "exec"), ns)
    finally:
        sys.meta_path.remove(finder)
        for k in [k for k in sys.modules if k.startswith("tensorflow.")]:
            del sys.modules[k]
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return ns
