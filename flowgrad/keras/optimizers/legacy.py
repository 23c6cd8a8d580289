"""`tf.keras.optimizers.legacy`: the tf.keras 2.x names, aliasing the same classes (one
implementation; the legacy `lr=` and `decay=` arguments are accepted by every optimizer)."""

from .adam import Adam, Adamax, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .base import Optimizer
from .ftrl import Ftrl
from .sgd import SGD

__all__ = [
           "SGD",
           "Adadelta",
           "Adagrad",
           "Adam",
           "Adamax",
           "Ftrl",
           "Nadam",
           "Optimizer",
           "RMSprop",
]
