"""The trainer: compile / fit / evaluate / predict, mixed into `keras.Model`."""


class Trainer:
    """compile / fit / evaluate / predict and the overridable train_step / test_step /
    predict_step. `keras.Model` inherits this mixin."""
