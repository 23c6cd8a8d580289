"""A small generative adversarial network learning a 2-D ring, trained with a custom step.

The target distribution: points at radius 2 (standard deviation 0.1) around the origin, at
uniformly random angles. The generator maps 8-D Gaussian noise to 2-D points through an MLP;
the discriminator (an MLP giving a logit) learns to tell them from real samples. Each step of
the custom training loop (a `tf.function`, two `GradientTape`s, two Adam optimizers, as in
TensorFlow's DCGAN tutorial) updates both networks once.

What shows that it learned: the generated points' radius (mean and standard deviation) comes
close to the target's (2.0 and 0.1), starting far from it (the untrained generator puts its
points near the origin), and they cover the ring: every one of 8 angular sectors holds a fair
share of them (a collapsed generator would fill one or two).

    python examples/gan.py                 # 3000 steps, a few seconds on one CPU core
    python examples/gan.py --steps 500     # a quick look
"""

import argparse
import time

import numpy as np

import flowgrad as tf

LATENT = 8
RADIUS, RADIUS_STD = 2.0, 0.1


def sample_ring(rng, n):
    """n points of the target distribution (float32, shape (n, 2))."""
    angle = rng.uniform(0, 2 * np.pi, n)
    r = rng.normal(RADIUS, RADIUS_STD, n)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], 1).astype(np.float32)


def ring_statistics(points):
    """{"radius_mean", "radius_std", "sector_min", "sector_max"}: the radius of the points and
    the smallest / largest fraction of them in each of 8 equal angular sectors (1/8 = 0.125
    each for a uniform ring)."""
    points = np.asarray(points, np.float64)
    r = np.hypot(points[:, 0], points[:, 1])
    sector = ((np.arctan2(points[:, 1], points[:, 0]) + np.pi) // (np.pi / 4)).astype(int) % 8
    share = np.bincount(sector, minlength=8) / len(points)
    return {"radius_mean": float(r.mean()), "radius_std": float(r.std()),
            "sector_min": float(share.min()), "sector_max": float(share.max())}


def build_models():
    """(generator, discriminator): two Sequential MLPs."""
    layers = tf.keras.layers
    generator = tf.keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=(LATENT,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(2),
    ], name="generator")
    discriminator = tf.keras.Sequential([
        layers.Dense(64, input_shape=(2,)),
        layers.LeakyReLU(0.2),
        layers.Dense(64),
        layers.LeakyReLU(0.2),
        layers.Dense(1),
    ], name="discriminator")
    return generator, discriminator


def main(steps=3000, batch_size=128, seed=0, verbose=1, log_every=500):
    """Trains the GAN; returns {"before", "after"} (`ring_statistics` of 2000 generated points
    before and after training), "target" (of 2000 real points), "seconds" and the last
    "g_loss" / "d_loss"."""
    tf.keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    generator, discriminator = build_models()
    cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    g_opt = tf.keras.optimizers.Adam(1e-3, beta_1=0.5)
    d_opt = tf.keras.optimizers.Adam(1e-3, beta_1=0.5)

    @tf.function
    def train_step(real):
        noise = tf.random.normal([batch_size, LATENT])
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(noise, training=True)
            real_logits = discriminator(real, training=True)
            fake_logits = discriminator(fake, training=True)
            d_loss = cross_entropy(tf.ones_like(real_logits), real_logits) + \
                cross_entropy(tf.zeros_like(fake_logits), fake_logits)
            g_loss = cross_entropy(tf.ones_like(fake_logits), fake_logits)
        g_grads = g_tape.gradient(g_loss, generator.trainable_variables)
        d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)
        g_opt.apply_gradients(zip(g_grads, generator.trainable_variables))
        d_opt.apply_gradients(zip(d_grads, discriminator.trainable_variables))
        return g_loss, d_loss

    def generated_stats():
        z = rng.standard_normal((2000, LATENT)).astype(np.float32)
        return ring_statistics(generator(z).numpy())

    target = ring_statistics(sample_ring(rng, 2000))
    before = generated_stats()
    start = time.perf_counter()
    g_loss = d_loss = float("nan")
    for step in range(1, steps + 1):
        g, d = train_step(sample_ring(rng, batch_size))
        if verbose and (step % log_every == 0 or step == steps):
            g_loss, d_loss = float(g), float(d)
            s = generated_stats()
            print(f"step {step:5d}: g_loss {g_loss:.3f}  d_loss {d_loss:.3f}  radius "
                  f"{s['radius_mean']:.3f} +- {s['radius_std']:.3f}")
    seconds = time.perf_counter() - start
    g_loss, d_loss = float(g), float(d)
    after = generated_stats()
    if verbose:
        print(f"{steps} steps in {seconds:.1f} s")
        for name, s in (("target", target), ("before", before), ("after", after)):
            print(f"{name:>7}: radius {s['radius_mean']:.3f} +- {s['radius_std']:.3f}, "
                  f"sector shares {s['sector_min']:.3f}..{s['sector_max']:.3f}")
    return {"before": before, "after": after, "target": target, "seconds": seconds,
            "g_loss": g_loss, "d_loss": d_loss}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    main(steps=args.steps, batch_size=args.batch_size, seed=args.seed)
