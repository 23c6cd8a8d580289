"""The engine: tensors, variables, the op registry, the one dispatch function and the tape."""
