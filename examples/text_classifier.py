"""An Embedding + Bidirectional(LSTM) sentiment classifier, the tutorials' text model, trained
offline on a synthetic corpus: reviews are random sequences of neutral words with a few
positive or negative words mixed in; the label says which kind dominates.

    python3 examples/text_classifier.py
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import flowgrad as tf  # noqa: E402

VOCAB, MAXLEN = 200, 40
POSITIVE = np.arange(2, 12)      # word ids 2..11 read as positive, 12..21 as negative
NEGATIVE = np.arange(12, 22)


def make_corpus(n, seed):
    """Padded integer sequences (0 = padding) and 0/1 labels."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, MAXLEN), np.int32)
    y = rng.integers(0, 2, n).astype(np.float32)
    for i in range(n):
        length = rng.integers(15, MAXLEN + 1)
        words = rng.integers(22, VOCAB, length)
        strong, weak = (POSITIVE, NEGATIVE) if y[i] else (NEGATIVE, POSITIVE)
        k = rng.integers(3, 6)
        pos = rng.choice(length, size=k + 1, replace=False)
        words[pos[:k]] = rng.choice(strong, k)
        words[pos[k]] = rng.choice(weak)
        x[i, MAXLEN - length:] = words          # pre-padding, as pad_sequences does
    return x, y


def main(n_train=2000, n_test=500, epochs=4, verbose=2):
    tf.keras.utils.set_random_seed(1)
    x_train, y_train = make_corpus(n_train, 0)
    x_test, y_test = make_corpus(n_test, 1)
    model = tf.keras.Sequential([
        tf.keras.layers.Embedding(input_dim=VOCAB, output_dim=16, mask_zero=True),
        tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(16)),
        tf.keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
              verbose=verbose)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: {acc:.4f}")
    return acc


if __name__ == "__main__":
    main()
