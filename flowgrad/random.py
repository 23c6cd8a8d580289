"""`tf.random`: re-exports of the random ops."""
