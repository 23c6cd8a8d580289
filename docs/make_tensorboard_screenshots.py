"""Regenerates docs/tensorboard_scalars.png and docs/tensorboard_graphs.png.

Trains a small Keras model with flowgrad's `TensorBoard` callback (write_graph=True), starts
`tensorboard --logdir <run dir>` on 127.0.0.1, and screenshots the Scalars and Graphs dashboards
with Playwright driving a headless Chromium.

Needs: `pip install tensorboard playwright`, and a Chromium: Playwright's own
(`python -m playwright install chromium`) or a system one (`apt-get install chromium`), found
through $CHROMIUM, `chromium`, `chromium-browser` or `google-chrome` on the PATH.

    python docs/make_tensorboard_screenshots.py [--logdir DIR] [--port 6006] [--out docs]
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def write_run(logdir):
    import numpy as np

    import flowgrad as tf
    keras = tf.keras
    tf.keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > x[:, 4:].mean(axis=(1, 2, 3))).astype("int64")
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(2),
    ], name="small_cnn")
    model.compile(optimizer=keras.optimizers.Adam(1e-2),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    model.fit(x, y, epochs=12, batch_size=64, validation_split=0.25, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(logdir, write_graph=True,
                                                     histogram_freq=1)])


def find_chromium():
    for name in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None  # then Playwright's own browser, if installed


def free_port(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def wait_http(url, timeout=60):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"TensorBoard did not answer at {url} within {timeout} s")


def screenshots(base, out_dir):
    from playwright.sync_api import sync_playwright
    exe = find_chromium()
    with sync_playwright() as p:
        kw = {"args": ["--no-sandbox"]}
        if exe:
            kw["executable_path"] = exe
        browser = p.chromium.launch(**kw)
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        page.goto(f"{base}/#scalars", wait_until="networkidle")
        time.sleep(6)  # the dashboard loads its tags, then draws the charts
        path = os.path.join(out_dir, "tensorboard_scalars.png")
        page.screenshot(path=path)
        print("wrote", path)

        page.close()
        page = browser.new_page(viewport={"width": 1400, "height": 900})  # a fresh document
        page.goto(f"{base}/#graphs", wait_until="networkidle")
        time.sleep(8)  # the graph layout runs in the page
        # The op graph of a whole train step is too dense to read at this size: pick the
        # `keras` tag, switch to the conceptual graph and open the model's node.
        try:
            page.locator("paper-dropdown-menu").nth(1).click()  # Run, Tag
            time.sleep(1)
            page.locator("paper-item:visible", has_text="keras").first.click()
            time.sleep(3)
            page.get_by_text("Conceptual graph", exact=True).click(timeout=5000)
            time.sleep(5)
            page.locator("g.node").first.dblclick()
            time.sleep(4)
        except Exception as e:  # noqa: BLE001 - keep the op-graph screenshot then
            print("could not show the conceptual graph; keeping the op graph:", e)
        path = os.path.join(out_dir, "tensorboard_graphs.png")
        page.screenshot(path=path)
        print("wrote", path)
        browser.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--logdir", help="run directory (default: a new temporary one)")
    ap.add_argument("--port", type=int, default=6006)
    ap.add_argument("--out", default=HERE, help="where the PNGs go (default: docs/)")
    args = ap.parse_args()
    logdir = args.logdir or tempfile.mkdtemp(prefix="flowgrad_tb_")
    if not os.path.isdir(os.path.join(logdir, "train")):
        write_run(logdir)
    if not free_port(args.port):
        sys.exit(f"port {args.port} is in use; pass --port")
    tb = shutil.which("tensorboard")
    cmd = [tb] if tb else [sys.executable, "-m", "tensorboard.main"]
    proc = subprocess.Popen(cmd + ["--logdir", logdir, "--port", str(args.port),
                                   "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{args.port}"
        wait_http(base + "/data/runs")
        screenshots(base, args.out)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
