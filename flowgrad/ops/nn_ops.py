"""`tf.nn`: activations, softmax, cross-entropies, normalization, dropout."""
