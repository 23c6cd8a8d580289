"""`tf.keras.optimizers.experimental` (TF 2.9–2.15): the same classes as
`tf.keras.optimizers`."""

from .adam import Adam, Adamax, AdamW, Nadam
from .adaptive import Adadelta, Adagrad, RMSprop
from .base import Optimizer
from .ftrl import Ftrl
from .lion import Lion
from .sgd import SGD

__all__ = [
           "SGD",
           "Adadelta",
           "Adagrad",
           "Adam",
           "AdamW",
           "Adamax",
           "Ftrl",
           "Lion",
           "Nadam",
           "Optimizer",
           "RMSprop",
]
