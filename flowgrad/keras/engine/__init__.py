"""Keras engine: the Layer base, Model, Sequential, the Functional graph and the trainer."""
