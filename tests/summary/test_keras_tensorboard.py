"""keras.callbacks.TensorBoard in a small fit, read back with TensorBoard's reader."""

import json

import numpy as np
import pytest

import flowgrad as tf

pytest.importorskip("tensorboard", reason="the TensorBoard callback needs the optional "
                    "`tensorboard` package (pip install flowgrad[tensorboard])")
from tensorboard.backend.event_processing import event_accumulator as ea
from tensorboard.util import tensor_util


def _load(run):
    acc = ea.EventAccumulator(str(run), size_guidance={ea.TENSORS: 0, ea.GRAPH: 1})
    acc.Reload()
    return acc


def _model():
    tf.keras.backend.clear_session()  # layer names dense, dense_1 whatever ran before
    m = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu", input_shape=(3,)),
                             tf.keras.layers.Dense(2, activation="softmax")])
    m.compile(tf.keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def test_fit_writes_train_and_validation_runs(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 3)).astype("float32"), rng.integers(0, 2, 40)
    cb = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path), histogram_freq=1,
                                        write_images=True)
    _model().fit(x, y, epochs=3, batch_size=10, validation_split=0.25, verbose=0,
                 callbacks=[cb])
    assert f"tensorboard --logdir {tmp_path}" in capsys.readouterr().out

    train = _load(tmp_path / "train")
    tags = set(train.Tags()["tensors"])
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "keras",
            "dense/kernel_0/histogram", "dense/bias_0/histogram",
            "dense_1/kernel_0/histogram", "dense/kernel_0/image"} <= tags
    assert not any(t.startswith("epoch_val_") for t in tags)
    assert [e.step for e in train.Tensors("epoch_loss")] == [0, 1, 2]
    lr = [float(tensor_util.make_ndarray(e.tensor_proto))
          for e in train.Tensors("epoch_learning_rate")]
    np.testing.assert_allclose(lr, [0.01] * 3, rtol=1e-6)
    hist = tensor_util.make_ndarray(train.Tensors("dense/kernel_0/histogram")[0].tensor_proto)
    assert hist.shape == (30, 3) and hist[:, 2].sum() == 12       # 3 x 4 kernel
    config = json.loads(tensor_util.make_ndarray(train.Tensors("keras")[0].tensor_proto).item())
    assert config["class_name"] == "Sequential"
    assert train.SummaryMetadata("keras").plugin_data.plugin_name == "graph_keras_model"
    gd = train.Graph()                                  # the traced train function's ops
    assert len(gd.node) > 5 and any(n.op == "Placeholder" for n in gd.node)

    val = _load(tmp_path / "validation")
    vtags = set(val.Tags()["tensors"])
    assert {"epoch_loss", "epoch_accuracy", "evaluation_loss_vs_iterations",
            "evaluation_accuracy_vs_iterations"} <= vtags
    assert [e.step for e in val.Tensors("epoch_loss")] == [0, 1, 2]
    # 30 training samples / batch 10 = 3 optimizer steps per epoch
    assert [e.step for e in val.Tensors("evaluation_loss_vs_iterations")] == [3, 6, 9]


def test_batch_updates(tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.random((40, 3)).astype("float32"), rng.integers(0, 2, 40)
    cb = tf.keras.callbacks.TensorBoard(log_dir=str(tmp_path), update_freq=2,
                                        write_graph=False)
    _model().fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[cb])
    train = _load(tmp_path / "train")
    assert [e.step for e in train.Tensors("batch_loss")] == [2, 4, 6, 8]
    assert "keras" not in train.Tags()["tensors"]
    assert not train.Tags()["graph"]


def test_bad_update_freq():
    with pytest.raises(ValueError, match="update_freq"):
        tf.keras.callbacks.TensorBoard(update_freq="sometimes")
