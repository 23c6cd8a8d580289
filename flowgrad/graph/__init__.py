"""The data-flow graph: a flat, ordered node list (ir.py) that tf.function will trace into."""
