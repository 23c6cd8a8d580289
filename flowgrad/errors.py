"""TensorFlow's error classes (`tf.errors`), each also a subclass of the Python built-in
that a TensorFlow user would catch for the same mistake.

`InvalidArgumentError` is a `ValueError`, so `except ValueError` catches the shape and dtype
mistakes it reports; `OutOfRangeError` is also a `StopIteration`-free `IndexError`, and so on.
"""

__all__ = [
    "OpError", "CancelledError", "UnknownError", "InvalidArgumentError", "DeadlineExceededError",
    "NotFoundError", "AlreadyExistsError", "PermissionDeniedError", "UnauthenticatedError",
    "ResourceExhaustedError", "FailedPreconditionError", "AbortedError", "OutOfRangeError",
    "UnimplementedError", "InternalError", "UnavailableError", "DataLossError",
]

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """The base class of errors raised while running an op.

    Args:
        node_def: unused in flowgrad (TensorFlow passes the failing NodeDef); kept for signature parity.
        op: the op name that failed, or None.
        message: the explanation.
        error_code: one of the codes in this module.
    """

    error_code = UNKNOWN

    def __init__(self, node_def=None, op=None, message="", error_code=None, *args):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message
        if error_code is not None:
            self.error_code = error_code

    def __str__(self):
        return self.message

    def __reduce__(self):
        return type(self), (self.node_def, self.op, self.message)


def _error(name, code, *bases, doc):
    cls = type(name, (OpError, *bases), {"error_code": code, "__doc__": doc, "__module__": __name__})
    return cls


CancelledError = _error("CancelledError", CANCELLED, doc="The operation was cancelled.")
UnknownError = _error("UnknownError", UNKNOWN, doc="An unknown error.")
InvalidArgumentError = _error(
    "InvalidArgumentError", INVALID_ARGUMENT, ValueError,
    doc="An op received an argument of the wrong shape, dtype or value (also a ValueError).")
DeadlineExceededError = _error("DeadlineExceededError", DEADLINE_EXCEEDED, TimeoutError,
                               doc="A deadline expired before the operation finished.")
NotFoundError = _error("NotFoundError", NOT_FOUND, FileNotFoundError,
                       doc="A requested entity (a file, a name) was not found.")
AlreadyExistsError = _error("AlreadyExistsError", ALREADY_EXISTS, FileExistsError,
                            doc="An entity that we attempted to create already exists.")
PermissionDeniedError = _error("PermissionDeniedError", PERMISSION_DENIED, PermissionError,
                               doc="The caller lacks permission for the operation.")
UnauthenticatedError = _error("UnauthenticatedError", UNAUTHENTICATED,
                              doc="The request lacks valid authentication credentials.")
ResourceExhaustedError = _error("ResourceExhaustedError", RESOURCE_EXHAUSTED, MemoryError,
                                doc="A resource, such as memory, has been exhausted.")
FailedPreconditionError = _error(
    "FailedPreconditionError", FAILED_PRECONDITION, RuntimeError,
    doc="The system is not in a state to run the operation (e.g. an uninitialized variable).")
AbortedError = _error("AbortedError", ABORTED, doc="The operation was aborted.")
OutOfRangeError = _error("OutOfRangeError", OUT_OF_RANGE, IndexError,
                         doc="An index or an iterator went past the valid range.")
UnimplementedError = _error("UnimplementedError", UNIMPLEMENTED, NotImplementedError,
                            doc="The operation is not implemented for these inputs.")
InternalError = _error("InternalError", INTERNAL, RuntimeError,
                       doc="An internal invariant was broken.")
UnavailableError = _error("UnavailableError", UNAVAILABLE, doc="The service is unavailable.")
DataLossError = _error("DataLossError", DATA_LOSS, doc="Unrecoverable data loss or corruption.")


def shape_str(shape):
    """Formats a shape as TensorFlow prints it in messages: [2,3], [] or [?,4]."""
    if shape is None:
        return "<unknown>"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


class OperatorNotAllowedInGraphError(TypeError):
    """A Python operation that needs a tensor's value (`bool(t)`, iterating an unknown-length
    tensor) was used while tracing a `flowgrad.function`, where tensors have no value yet."""
