"""`keras.utils.Progbar`: the progress bar that `fit`, `evaluate` and `predict` print.

Keras 3 style: ``1875/1875 ━━━━━━━━━━━━━━━━━━━━ 3s 2ms/step - accuracy: 0.8765 - loss: 0.4321``.
On a terminal (or in a notebook) the line is redrawn in place with an ETA while running; when
stdout is not interactive (a file, a pipe, a captured test) only the final line is printed, so
logs never fill with carriage-return redraws.
"""

import math
import sys
import time

import numpy as np

# Whether a progress bar line is currently open (drawn with "\r" and not yet terminated by a
# newline). `print_msg` starts a fresh line first in that case, so messages printed by
# callbacks in the middle of an epoch do not run into the bar.
_open_line = [False]


def is_interactive():
    """Whether stdout redraws lines: a terminal, or an IPython / Jupyter / Colab kernel."""
    stream = sys.stdout
    try:
        if stream.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    return "ipykernel" in sys.modules or "google.colab" in sys.modules


def print_msg(message, line_break=True):
    """Prints a message to the current stdout, on a line of its own.

    Args:
        message: the text.
        line_break: whether to end it with a newline.
    """
    stream = sys.stdout
    if _open_line[0]:
        stream.write("\n")
        _open_line[0] = False
    stream.write(message + ("\n" if line_break else ""))
    stream.flush()


def _bar_glyphs():
    enc = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "━─".encode(enc)
        return "━", "─"
    except (UnicodeEncodeError, LookupError):
        return "=", "."


def _format_time(seconds):
    """`3s`, `1:05` (m:ss) or `1:02:03` (h:mm:ss)."""
    seconds = max(0, round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}:{(seconds % 3600) // 60:02d}:{seconds % 60:02d}"
    if seconds >= 60:
        return f"{seconds // 60}:{seconds % 60:02d}"
    return f"{seconds}s"


def _format_per_unit(time_per_unit, unit_name):
    if time_per_unit >= 1 or time_per_unit == 0:
        return f"{time_per_unit:.0f}s/{unit_name}"
    if time_per_unit >= 1e-3:
        return f"{time_per_unit * 1e3:.0f}ms/{unit_name}"
    return f"{time_per_unit * 1e6:.0f}us/{unit_name}"


def _format_value(value):
    if isinstance(value, (str, bytes)):
        return value if isinstance(value, str) else value.decode()
    try:
        v = float(np.mean(value))
    except (TypeError, ValueError):
        return str(value)
    if v != 0 and abs(v) < 1e-3 and math.isfinite(v):
        return f"{v:.4e}"
    return f"{v:.4f}"


class Progbar:
    """A progress bar with metric values.

    Args:
        target: the total number of steps, or None if unknown.
        width: the bar's width in characters.
        verbose: 0 silent, 1 the bar, 2 one line at the end.
        interval: the minimum time in seconds between two redraws.
        stateful_metrics: names of values shown as given rather than averaged over steps.
            Values passed under other names are averaged, weighted by the steps they cover.
        unit_name: the unit shown in the time per unit ("step", "sample").

    Example:
        >>> bar = Progbar(10, verbose=2)
        >>> for i in range(10):
        ...     bar.update(i + 1, values=[("loss", 0.5)])    # doctest: +ELLIPSIS
        10/10 - 0s - ...us/step - loss: 0.5000
    """

    def __init__(self, target, width=20, verbose=1, interval=0.05, stateful_metrics=None,
                 unit_name="step"):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self.stateful_metrics = set(stateful_metrics or ())
        self._dynamic_display = is_interactive()
        self._values = {}
        self._values_order = []
        self._seen_so_far = 0
        self._start = time.time()
        self._last_update = 0.0
        self._prev_total_width = 0
        self._finalized = False

    def update(self, current, values=None, finalize=None):
        """Moves the bar to step `current` and records values.

        Args:
            current: the index of the current step (1-based: the number of steps done).
            values: a list of (name, value) pairs or a dict. Names in `stateful_metrics` are
                shown as given; others are averaged over the steps seen.
            finalize: whether this is the last update; by default, when `current` reaches the
                target.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        items = values.items() if isinstance(values, dict) else (values or ())
        steps = max(current - self._seen_so_far, 1)
        for name, value in items:
            if name not in self._values:
                self._values_order.append(name)
            if name in self.stateful_metrics:
                self._values[name] = [value, 1]
            else:
                value = float(np.mean(value))
                if name in self._values and len(self._values[name]) == 3:
                    acc = self._values[name]
                    acc[0] += value * steps
                    acc[1] += steps
                else:
                    self._values[name] = [value * steps, steps, "avg"]
        self._seen_so_far = current
        if self.verbose == 0 or self._finalized:
            return
        now = time.time()
        if self.verbose == 1:
            if not finalize and (not self._dynamic_display
                                 or now - self._last_update < self.interval):
                return
            self._draw(current, now, finalize)
        elif self.verbose == 2 and finalize:
            elapsed = now - self._start
            head = f"{current}/{self.target}" if self.target is not None else f"{current}"
            parts = [head, _format_time(elapsed)]
            if current:
                parts.append(_format_per_unit(elapsed / current, self.unit_name))
            line = " - ".join(parts) + self._metrics_text()
            print_msg(line)
        self._last_update = now
        if finalize:
            self._finalized = True

    def add(self, n, values=None):
        """Advances the bar by `n` steps."""
        self.update(self._seen_so_far + n, values)

    def _metrics_text(self):
        parts = []
        for name in self._values_order:
            entry = self._values[name]
            value = entry[0] / max(entry[1], 1) if len(entry) == 3 else entry[0]
            parts.append(f" - {name}: {_format_value(value)}")
        return "".join(parts)

    def _draw(self, current, now, finalize):
        stream = sys.stdout
        elapsed = now - self._start
        time_per_unit = elapsed / current if current else 0.0
        if self.target is not None:
            digits = len(str(self.target))
            done, todo = _bar_glyphs()
            ratio = min(current / self.target, 1.0) if self.target else 1.0
            filled = int(self.width * ratio)
            head = f"{current:>{digits}}/{self.target} {done * filled}{todo * (self.width - filled)}"
            shown = elapsed if finalize else time_per_unit * max(self.target - current, 0)
        else:
            head = f"{current}/Unknown"
            shown = elapsed
        line = f"{head} {_format_time(shown)} {_format_per_unit(time_per_unit, self.unit_name)}"
        line += self._metrics_text()
        if self._dynamic_display:
            pad = max(self._prev_total_width - len(line), 0)
            stream.write("\r" + line + " " * pad)
            self._prev_total_width = len(line)
            if finalize:
                stream.write("\n")
                _open_line[0] = False
            else:
                _open_line[0] = True
        else:
            stream.write(line + "\n")
        stream.flush()
