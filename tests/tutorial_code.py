"""Extracts the code examples of the tutorials in ../shared/tutorials and runs them with
`import tensorflow as tf` meaning flowgrad (the one changed line)."""

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


def run(code_blocks, namespace=None):
    """Runs blocks in one namespace, with `tensorflow` importing as flowgrad."""
    import flowgrad
    ns = {} if namespace is None else namespace
    saved = {k: sys.modules.get(k) for k in ("tensorflow", "matplotlib", "matplotlib.pyplot")}
    sys.modules["tensorflow"] = flowgrad
    plt = _NoPlot("matplotlib.pyplot")
    mpl = types.ModuleType("matplotlib")
    mpl.pyplot = plt
    sys.modules["matplotlib"], sys.modules["matplotlib.pyplot"] = mpl, plt
    try:
        for code in code_blocks:
            exec(compile(code, "<tutorial>", "exec"), ns)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    return ns
