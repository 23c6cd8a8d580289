"""`tf.ragged`: ragged tensors (rows of different lengths); see ragged_tensor.py."""

from .ragged_tensor import RaggedTensor, constant, is_ragged, map_flat_values

__all__ = ["RaggedTensor", "constant", "is_ragged", "map_flat_values"]
