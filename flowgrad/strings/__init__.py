"""`tf.strings`: string ops (see string_ops.py)."""

from .string_ops import (
    as_string,
    bytes_split,
    join,
    length,
    lower,
    ngrams,
    reduce_join,
    regex_full_match,
    regex_replace,
    split,
    strip,
    substr,
    to_hash_bucket,
    to_hash_bucket_fast,
    to_hash_bucket_strong,
    to_number,
    unicode_split,
    upper,
)

__all__ = ["as_string", "bytes_split", "join", "length", "lower", "ngrams", "reduce_join",
           "regex_full_match", "regex_replace", "split", "strip", "substr", "to_hash_bucket",
           "to_hash_bucket_fast", "to_hash_bucket_strong", "to_number", "unicode_split", "upper"]
