"""The only place that decides which array library runs a kernel.

A `Backend` couples an array namespace (`xp`: NumPy today; CuPy plugs in the same way) with the
device type it serves. Op kernels are written once as `kernel(xp, *arrays, **attrs)` and bound
to a backend on first use (`OpDef.kernel_for`), so op code never names NumPy or CuPy.
"""

import numpy as np

from .device import DeviceSpec, PhysicalDevice, canonical_device_name  # noqa: F401


class Backend:
    """An array namespace plus the device type it computes on.

    Args:
        name: short name ("numpy").
        xp: the array module, used by kernels as `xp.add`, `xp.matmul`, ...
        device_type: "CPU" or "GPU".
    """

    __slots__ = ("name", "xp", "device_type", "array_types")

    def __init__(self, name, xp, device_type, array_types):
        self.name = name
        self.xp = xp
        self.device_type = device_type
        self.array_types = array_types

    def asarray(self, value, dtype=None):
        return self.xp.asarray(value, dtype=dtype)

    def to_numpy(self, array):
        return np.asarray(array)

    def __repr__(self):
        return f"Backend({self.name!r}, device_type={self.device_type!r})"


NUMPY = Backend("numpy", np, "CPU", (np.ndarray, np.generic))

_BACKENDS = {"CPU": NUMPY}


def backend_for(device_type):
    """Returns the backend serving a device type; devices with no backend here fall back to the
    CPU, as TensorFlow's soft placement does for a `/GPU:0` scope on a machine without a GPU."""
    return _BACKENDS.get(device_type, NUMPY)


def available_device_types():
    return list(_BACKENDS)
