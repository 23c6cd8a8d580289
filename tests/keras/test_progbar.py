"""The progress bar: Keras 3's line format, one final line when stdout is not a terminal,
in-place redraws on a terminal, verbose=2 lines."""

import io
import re
import sys

import pytest

from flowgrad.keras import callbacks as cbm
from flowgrad.keras.utils import Progbar
from flowgrad.keras.utils import progbar as progbar_mod


class FakeTTY(io.StringIO):
    encoding = "utf-8"

    def isatty(self):
        return True


def run_epochs(verbose, epochs=2, steps=50, stream=None):
    """Drives a ProgbarLogger like fit does; returns what it printed."""
    logger = cbm.ProgbarLogger()
    cl = cbm.CallbackList([logger], verbose=verbose, epochs=epochs, steps=steps)
    cl.on_train_begin()
    for epoch in range(epochs):
        cl.on_epoch_begin(epoch)
        for b in range(steps):
            cl.on_train_batch_end(b, {"accuracy": 0.5 + b / 1000, "loss": 1.0 / (b + 1)})
        cl.on_epoch_end(epoch, {"accuracy": 0.55, "loss": 0.25, "val_accuracy": 0.5,
                                "val_loss": 0.3})
    cl.on_train_end()


def test_not_a_tty_prints_one_line_per_epoch(capsys):
    run_epochs(verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out
    lines = out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    assert re.fullmatch(r"50/50 ━{20} \d+s \d+(us|ms)/step - accuracy: 0\.5500 - loss: 0\.2500"
                        r" - val_accuracy: 0\.5000 - val_loss: 0\.3000", lines[1]), lines[1]


def test_verbose_2_one_line_per_epoch(capsys):
    run_epochs(verbose=2, epochs=3)
    lines = capsys.readouterr().out.splitlines()
    assert lines[::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"] and len(lines) == 6
    assert re.fullmatch(r"50/50 - \d+s - \d+(us|ms)/step - accuracy: 0\.5500 - loss: 0\.2500 "
                        r"- val_accuracy: 0\.5000 - val_loss: 0\.3000", lines[1]), lines[1]


def test_verbose_0_silent(capsys):
    run_epochs(verbose=0)
    assert capsys.readouterr().out == ""


def test_single_epoch_has_no_epoch_header(capsys):
    run_epochs(verbose=1, epochs=1)
    assert capsys.readouterr().out.count("\n") == 1


def test_tty_redraws_in_place(monkeypatch):
    stream = FakeTTY()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = Progbar(4, interval=0.0)
    for i in range(4):
        bar.update(i + 1, [("loss", 1.0)])
    out = stream.getvalue()
    assert out.count("\r") == 4 and out.endswith("\n") and out.count("\n") == 1
    assert "1/4 ━━━━━─────────────── " in out  # a quarter filled, with an ETA


def test_tty_message_between_redraws_gets_its_own_line(monkeypatch):
    stream = FakeTTY()
    monkeypatch.setattr(sys, "stdout", stream)
    bar = Progbar(4, interval=0.0)
    bar.update(1, [("loss", 1.0)])
    progbar_mod.print_msg("Epoch 1: something happened")
    assert "\nEpoch 1: something happened\n" in stream.getvalue()


def test_averaging_and_stateful_values(capsys):
    bar = Progbar(2, verbose=2, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.1)])
    bar.update(2, [("loss", 3.0), ("acc", 0.9)])
    out = capsys.readouterr().out
    assert "loss: 2.0000" in out and "acc: 0.9000" in out


def test_small_values_and_unknown_target(capsys):
    bar = Progbar(None, verbose=1)
    bar.update(3, {"loss": 1.5e-5}, finalize=True)
    out = capsys.readouterr().out
    assert out.startswith("3/Unknown ") and "loss: 1.5000e-05" in out


@pytest.mark.parametrize("seconds,text", [(3.2, "3s"), (65, "1:05"), (3723, "1:02:03")])
def test_time_format(seconds, text):
    assert progbar_mod._format_time(seconds) == text
