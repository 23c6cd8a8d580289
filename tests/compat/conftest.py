"""Every compat test leaves flowgrad in eager mode with no v1 graph or session installed, so
the rest of the suite is unaffected."""

import pytest

from flowgrad.core.context import ctx


@pytest.fixture(autouse=True)
def _restore_eager():
    saved_graph, saved_tapes = ctx.graph, list(ctx.tapes)
    yield
    from flowgrad.compat.v1 import _graph
    _graph.enable_eager_execution()
    _graph._state.graph_stack[:] = []
    _graph._state.session_stack[:] = []
    _graph.reset_default_graph()
    ctx.graph = saved_graph
    ctx.tapes[:] = saved_tapes
    assert ctx.graph is None, "a compat test left a graph installed"


@pytest.fixture
def v1():
    """tf.compat.v1 with eager execution disabled (restored afterwards)."""
    import flowgrad as tf
    tf.compat.v1.reset_default_graph()
    tf.compat.v1.disable_eager_execution()
    return tf.compat.v1
