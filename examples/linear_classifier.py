"""The tutorial's "linear classifier in pure TensorFlow", run on flowgrad.

Two Gaussian point clouds, a linear model trained with GradientTape and plain gradient descent
on the mean squared error; prints the loss at each of 40 steps and the final accuracy.

    python examples/linear_classifier.py
"""

import numpy as np

import flowgrad as tf


def make_data(num_samples_per_class=1000, seed=0):
    rng = np.random.default_rng(seed)
    cov = [[1, 0.5], [0.5, 1]]
    negative = rng.multivariate_normal(mean=[0, 3], cov=cov, size=num_samples_per_class)
    positive = rng.multivariate_normal(mean=[3, 0], cov=cov, size=num_samples_per_class)
    inputs = np.vstack((negative, positive)).astype(np.float32)
    targets = np.vstack((np.zeros((num_samples_per_class, 1), dtype="float32"),
                         np.ones((num_samples_per_class, 1), dtype="float32")))
    return inputs, targets


def train(inputs, targets, steps=40, learning_rate=0.1, verbose=True):
    tf.random.set_seed(0)
    W = tf.Variable(initial_value=tf.random.uniform(shape=(2, 1)))
    b = tf.Variable(initial_value=tf.zeros(shape=(1,)))

    def model(x):
        return tf.matmul(x, W) + b

    def square_loss(targets, predictions):
        return tf.reduce_mean(tf.square(targets - predictions))

    def training_step(x, y):
        with tf.GradientTape() as tape:
            loss = square_loss(y, model(x))
        grad_W, grad_b = tape.gradient(loss, [W, b])
        W.assign_sub(grad_W * learning_rate)
        b.assign_sub(grad_b * learning_rate)
        return loss

    losses = []
    for step in range(steps):
        loss = training_step(inputs, targets)
        losses.append(float(loss))
        if verbose:
            print(f"Loss at step {step}: {loss:.4f}")
    predictions = model(inputs)
    accuracy = float(np.mean((predictions.numpy() > 0.5) == (targets > 0.5)))
    return losses, accuracy


if __name__ == "__main__":
    x, y = make_data()
    losses, accuracy = train(x, y)
    print(f"Final loss {losses[-1]:.4f} (from {losses[0]:.4f}); accuracy {accuracy:.3f}")
