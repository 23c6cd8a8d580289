"""A one-block Transformer encoder (MultiHeadAttention) learns "does token A come before B?".

Each sequence holds the marker tokens A and B once, at random positions, among random filler
tokens; the label is 1 when A comes first. Chance is 50%. The model embeds tokens and
positions, runs one encoder block (self-attention + residual + LayerNormalization, then a
feed-forward network + residual + LayerNormalization) and classifies with a Dense softmax.
It is built with the Functional API, trained with `compile` / `fit`, and prints the test
accuracy.

    python examples/transformer_classifier.py
"""

import numpy as np

import flowgrad as tf
from flowgrad import keras
from flowgrad.keras import layers

TOKEN_A, TOKEN_B = 1, 2  # id 0 is left unused (padding), fillers are 3 .. vocab_size - 1


def make_data(num_samples, seq_len=8, vocab_size=8, seed=0):
    """Token ids `(num_samples, seq_len)` and labels: 1 when TOKEN_A precedes TOKEN_B."""
    rng = np.random.default_rng(seed)
    x = rng.integers(3, vocab_size, size=(num_samples, seq_len))
    order = np.argsort(rng.random((num_samples, seq_len)), axis=1)  # random distinct positions
    pos_a, pos_b = order[:, 0], order[:, 1]
    rows = np.arange(num_samples)
    x[rows, pos_a] = TOKEN_A
    x[rows, pos_b] = TOKEN_B
    y = (pos_a < pos_b).astype("int32")
    return x.astype("int32"), y


class TokenAndPositionEmbedding(layers.Layer):
    """Sum of a token embedding and a learned embedding of the position."""

    def __init__(self, seq_len, vocab_size, dim, **kwargs):
        super().__init__(**kwargs)
        self.seq_len = seq_len
        self.tokens = layers.Embedding(vocab_size, dim)
        self.positions = layers.Embedding(seq_len, dim)

    def call(self, x):
        positions = tf.range(start=0, limit=self.seq_len, delta=1)
        return self.tokens(x) + self.positions(positions)

    def get_config(self):
        config = super().get_config()
        config.update({"seq_len": self.seq_len, "vocab_size": self.tokens.input_dim,
                       "dim": self.tokens.output_dim})
        return config


def encoder_block(x, dim, num_heads, ff_dim, dropout=0.0):
    """Self-attention and a feed-forward network, each with a residual and LayerNorm."""
    attn = layers.MultiHeadAttention(num_heads=num_heads, key_dim=dim // num_heads,
                                     dropout=dropout)(x, x)
    x = layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, attn]))
    ff = layers.Dense(ff_dim, activation="relu")(x)
    ff = layers.Dense(dim)(ff)
    return layers.LayerNormalization(epsilon=1e-6)(layers.Add()([x, ff]))


def build_model(seq_len, vocab_size, dim=16, num_heads=2, ff_dim=32):
    inputs = keras.Input(shape=(seq_len,), dtype="int32")
    x = TokenAndPositionEmbedding(seq_len, vocab_size, dim)(inputs)
    x = encoder_block(x, dim, num_heads, ff_dim)
    x = layers.Flatten()(x)
    outputs = layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def main(num_train=3000, num_test=500, seq_len=8, vocab_size=8, epochs=6, batch_size=32,
         dim=16, num_heads=2, ff_dim=32, seed=0, verbose=1):
    """Trains the model and returns its accuracy on fresh test sequences."""
    tf.random.set_seed(seed)
    np.random.seed(seed)
    x_train, y_train = make_data(num_train, seq_len, vocab_size, seed=seed)
    x_test, y_test = make_data(num_test, seq_len, vocab_size, seed=seed + 1)
    model = build_model(seq_len, vocab_size, dim, num_heads, ff_dim)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=3e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size, verbose=verbose)
    probs = model.predict(x_test, batch_size=256, verbose=0)
    accuracy = float(np.mean(np.argmax(np.asarray(probs), axis=-1) == y_test))
    if verbose:
        print(f"test accuracy: {accuracy:.3f} (chance: 0.5)")
    return accuracy


if __name__ == "__main__":
    main()
