"""Every Keras test starts with fresh layer names (`dense`, not `dense_48`), as a fresh
program would, whatever ran before it."""

import pytest


@pytest.fixture(autouse=True)
def _fresh_keras_names():
    import flowgrad as tf
    tf.keras.backend.clear_session()
    yield
