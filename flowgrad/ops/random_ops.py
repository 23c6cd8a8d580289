"""`tf.random`: seeded random tensors with TensorFlow's global/op seed semantics."""
