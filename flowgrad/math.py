"""`tf.math`: re-exports of the elementwise, reduction and scan ops."""

from .ops.math_ops import (  # noqa: F401
    abs, acos, add, add_n, argmax, argmin, asin, atan, atan2, bincount, ceil, conj, cos, cosh,
    count_nonzero, cumprod, cumsum, divide, divide_no_nan, equal, erf, exp, expm1, floor,
    floordiv, floormod, greater, greater_equal, is_finite, is_inf, is_nan, less, less_equal, log,
    log1p, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod, multiply,
    negative, not_equal, pow, real, reciprocal, reciprocal_no_nan, reduce_all, reduce_any,
    reduce_euclidean_norm, reduce_logsumexp, reduce_max, reduce_mean, reduce_min, reduce_prod,
    reduce_std, reduce_sum, reduce_variance, round, rsqrt, saturate_cast, scalar_mul, sigmoid,
    sign, sin, sinh, sqrt, square, squared_difference, subtract, tan, tanh, top_k, truediv, where)
from .ops.math_ops import divide_no_nan as div_no_nan  # noqa: F401
from .ops.nn_ops import l2_normalize, log_softmax, softmax, softplus, softsign  # noqa: F401,E402
from .ops.math_ops import is_tensor  # noqa: F401,E402
