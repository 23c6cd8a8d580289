"""The recurrent examples train to the tutorials' promises (full runs marked slow)."""

import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_lstm_sine_forecaster_learns_quickly():
    import flowgrad as tf
    mod = _load("sine_forecaster")
    mse = mod.train(tf.keras.layers.LSTM, 50, 10, epochs=25)
    assert mse < 0.01


@pytest.mark.slow
def test_tutorial_sine_forecasters_reach_mse_below_0_01():
    """The tutorials' LSTM(50, relu) (200 epochs) and GRU(100, relu) (20 epochs) models."""
    results = _load("sine_forecaster").main()
    assert all(mse < 0.01 for mse in results.values()), results


def test_text_classifier_beats_chance_on_held_out_reviews():
    acc = _load("text_classifier").main(n_train=800, n_test=300, epochs=3, verbose=0)
    assert acc > 0.85
