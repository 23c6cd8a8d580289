import os

import numpy as np
import pytest

from .conftest import build_models


def test_variable_checkpoint_roundtrip(tf, tmp_path):
    v = tf.Variable([1.0, 2.0])
    step = tf.Variable(5, dtype=tf.int64)
    ckpt = tf.train.Checkpoint(v=v, state={"step": step})
    path = ckpt.save(str(tmp_path / "ckpt"))
    assert path.endswith("ckpt-1")
    assert tf.train.latest_checkpoint(str(tmp_path)) == path
    v.assign([0.0, 0.0])
    step.assign(0)
    ckpt.restore(path).assert_consumed()
    np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    assert int(step.numpy()) == 5


def test_model_and_optimizer_resume(tf, tmp_path):
    make, x, y = build_models(tf)["mlp"]
    model = make()
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, verbose=0)
    ckpt = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    path = ckpt.save(str(tmp_path / "ckpt"))
    # a fresh model + unbuilt optimizer: optimizer slots are restored when it builds
    fresh = make()
    fresh.compile(tf.keras.optimizers.Adam(), "mse")
    status = tf.train.Checkpoint(model=fresh, optimizer=fresh.optimizer).restore(path)
    status.expect_partial()
    np.testing.assert_array_equal(np.asarray(fresh.predict(x, verbose=0)),
                                  np.asarray(model.predict(x, verbose=0)))
    model.train_on_batch(x, y)
    fresh.train_on_batch(x, y)
    for a, b in zip(model.get_weights(), fresh.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-7)


def test_checkpoint_manager_keeps_max(tf, tmp_path):
    v = tf.Variable(0.0)
    ckpt = tf.train.Checkpoint(v=v)
    mgr = tf.train.CheckpointManager(ckpt, str(tmp_path), max_to_keep=2)
    assert mgr.restore_or_initialize() is None
    for i in range(4):
        v.assign(float(i))
        mgr.save()
    assert [os.path.basename(p) for p in mgr.checkpoints] == ["ckpt-3", "ckpt-4"]
    assert not any(f.startswith("ckpt-1") for f in os.listdir(tmp_path))
    v.assign(-1.0)
    mgr2 = tf.train.CheckpointManager(tf.train.Checkpoint(v=v), str(tmp_path), max_to_keep=2)
    assert mgr2.latest_checkpoint == mgr.latest_checkpoint
    mgr2.restore_or_initialize()
    assert float(v.numpy()) == 3.0


def test_checkpoint_errors(tf, tmp_path):
    from flowgrad.keras.saving import CorruptFileError
    v = tf.Variable(1.0)
    ckpt = tf.train.Checkpoint(v=v)
    path = ckpt.write(str(tmp_path / "c"))
    with pytest.raises(AssertionError):
        tf.train.Checkpoint(v=v, w=tf.Variable(2.0)).restore(path).assert_consumed()
    data = path + ".data-00000-of-00001"
    with open(data, "r+b") as f:
        f.truncate(10)
    with pytest.raises(CorruptFileError, match="truncated or corrupt"):
        ckpt.restore(path)
    with pytest.raises(FileNotFoundError):
        ckpt.restore(str(tmp_path / "nothing"))


def test_save_weights_checkpoint_prefix(tf, tmp_path):
    make, x, _ = build_models(tf)["mlp"]
    a, b = make(), make()
    a.save_weights(str(tmp_path / "weights"))
    b.load_weights(str(tmp_path / "weights"))
    np.testing.assert_array_equal(np.asarray(a.predict(x, verbose=0)),
                                  np.asarray(b.predict(x, verbose=0)))


def test_saved_model_plain_object(tf, tmp_path):
    class Holder:
        pass
    h = Holder()
    h.w = tf.Variable([[1.0, 2.0]])
    h.inner = Holder()
    h.inner.b = tf.Variable(3.0)
    tf.saved_model.save(h, str(tmp_path / "obj"))
    loaded = tf.saved_model.load(str(tmp_path / "obj"))
    np.testing.assert_array_equal(loaded.w.numpy(), [[1.0, 2.0]])
    assert float(loaded.inner.b.numpy()) == 3.0
