"""`tf.compat.v1.logging`: TF1's logging functions, on Python's `logging` logger "tensorflow"."""

import logging as _logging

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARNING
WARNING = _logging.WARNING
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = _logging.getLogger("tensorflow")


def get_logger():
    return _logger


def set_verbosity(v):
    _logger.setLevel(v)


def get_verbosity():
    return _logger.getEffectiveLevel()


def log(level, msg, *args, **kwargs):
    _logger.log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    _logger.debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    _logger.info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    _logger.warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    _logger.error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    _logger.fatal(msg, *args, **kwargs)


_counts = {}


def log_every_n(level, msg, n, *args):
    key = (level, msg)
    c = _counts.get(key, 0)
    _counts[key] = c + 1
    if c % n == 0:
        log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    key = ("first", level, msg)
    c = _counts.get(key, 0)
    _counts[key] = c + 1
    if c < n:
        log(level, msg, *args)


def log_if(level, msg, condition, *args):
    if condition:
        log(level, msg, *args)


def vlog(level, msg, *args, **kwargs):
    _logger.log(level, msg, *args, **kwargs)
