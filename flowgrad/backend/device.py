"""Device names: parsing "/GPU:0", "/job:localhost/replica:0/task:0/device:CPU:0" and friends."""

import re

from ..errors import InvalidArgumentError

_DEVICE_RE = re.compile(
    r"^(?:/job:(?P<job>[^/]+))?(?:/replica:(?P<replica>\d+))?(?:/task:(?P<task>\d+))?"
    r"(?:/(?:device:)?(?P<type>[A-Za-z_]+):(?P<index>\d+|\*))?$")


class DeviceSpec:
    """A parsed device name, e.g. `DeviceSpec.from_string("/GPU:1").device_type == "GPU"`."""

    __slots__ = ("job", "replica", "task", "device_type", "device_index")

    def __init__(self, job=None, replica=None, task=None, device_type=None, device_index=None):
        self.job = job
        self.replica = replica
        self.task = task
        self.device_type = device_type.upper() if device_type else None
        self.device_index = device_index

    @classmethod
    def from_string(cls, spec):
        m = _DEVICE_RE.match(spec.strip()) if isinstance(spec, str) else None
        if m is None:
            raise InvalidArgumentError(
                None, None, f"Could not parse device name {spec!r}: expected a name like "
                "'/CPU:0', '/GPU:0' or '/job:localhost/replica:0/task:0/device:CPU:0'.")
        idx = m.group("index")
        return cls(m.group("job"), _int(m.group("replica")), _int(m.group("task")), m.group("type"),
                   None if idx in (None, "*") else int(idx))

    def to_string(self):
        return canonical_device_name(self.device_type or "CPU", self.device_index or 0)

    def __repr__(self):
        return f"DeviceSpec({self.to_string()!r})"


def _int(s):
    return None if s is None else int(s)


def canonical_device_name(device_type, index=0):
    return f"/job:localhost/replica:0/task:0/device:{device_type}:{index}"


class PhysicalDevice:
    """What `flowgrad.config.list_physical_devices()` returns, as TensorFlow does."""

    __slots__ = ("name", "device_type")

    def __init__(self, name, device_type):
        self.name = name
        self.device_type = device_type

    def __repr__(self):
        return f"PhysicalDevice(name={self.name!r}, device_type={self.device_type!r})"

    def __eq__(self, other):
        return isinstance(other, PhysicalDevice) and (self.name, self.device_type) == (
            other.name, other.device_type)

    def __hash__(self):
        return hash((self.name, self.device_type))
