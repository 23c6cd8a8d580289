"""Tutorial 001's TF1 examples (a Session block and the eager block) run through
`tf.compat.v1` with `import tensorflow as tf` meaning the TF1 API."""

import re
import sys
import textwrap

import pytest

from tests.tutorial_code import TUTORIALS


def indented_blocks(prefix):
    """The 4-space-indented code blocks of a tutorial (the notes use indentation, not
    fences)."""
    files = sorted(TUTORIALS.glob(f"{prefix}_*.txt"))
    if not files:
        pytest.skip(f"tutorial {prefix} not found under {TUTORIALS}")
    text = files[0].read_text(encoding="utf-8", errors="replace")
    blocks = re.findall(r"(?:^(?: {4}.*|[ \t]*)\n)+", text, re.MULTILINE)
    out = [textwrap.dedent(b).strip("\n") + "\n" for b in blocks]
    return [b for b in out if "import tensorflow" in b]


def run_tf1(code):
    """Runs code with `tensorflow` importing as flowgrad.compat.v1 (the TF1 API)."""
    import flowgrad
    v1 = flowgrad.compat.v1
    saved = sys.modules.get("tensorflow")
    sys.modules["tensorflow"] = v1
    try:
        ns = {}
        exec(compile(code, "<tutorial>", "exec"), ns)  # noqa: S102 - the tutorial's code
        return ns
    finally:
        if saved is None:
            sys.modules.pop("tensorflow", None)
        else:
            sys.modules["tensorflow"] = saved


def _session_block():
    for b in indented_blocks("001"):
        if "tf.Session()" in b:
            return b
    pytest.skip("no Session block in tutorial 001")


def test_session_block_in_graph_mode(capsys):
    import flowgrad as tf
    tf.compat.v1.disable_eager_execution()  # what TF1 did by default
    ns = run_tf1(_session_block())
    assert capsys.readouterr().out.strip() == "[ 4 10 18]"
    assert ns["output"].tolist() == [4, 10, 18]
    assert not tf.executing_eagerly()


def test_session_block_with_eager_tensors(capsys):
    ns = run_tf1(_session_block())  # eager mode: Session.run returns an eager tensor's value
    assert capsys.readouterr().out.strip() == "[ 4 10 18]"
    assert ns["output"].dtype.kind == "i"


def test_session_block_with_placeholders_instead_of_constants(capsys):
    import numpy as np

    import flowgrad as tf
    tf.compat.v1.disable_eager_execution()
    code = _session_block().replace("x_tf = tf.constant(x)",
                                    "x_tf = tf.placeholder(tf.int64, [None])")
    code = code.replace("sess.run(result)", "sess.run(result, feed_dict={x_tf: x})")
    ns = run_tf1(code)
    assert capsys.readouterr().out.strip() == "[ 4 10 18]"
    np.testing.assert_array_equal(ns["output"], [4, 10, 18])
    assert "Placeholder" in [op.type for op in tf.compat.v1.get_default_graph().get_operations()]


def test_enable_eager_block(capsys):
    import flowgrad as tf
    tf.compat.v1.disable_eager_execution()
    eager = [b for b in indented_blocks("001") if "enable_eager_execution" in b]
    if not eager:
        pytest.skip("no eager block in tutorial 001")
    run_tf1(eager[0])
    assert capsys.readouterr().out.strip() == "[ 4 10 18]"
    assert tf.executing_eagerly()
