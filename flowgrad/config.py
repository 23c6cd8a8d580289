"""`tf.config`: the devices flowgrad can run on."""

from .backend import PhysicalDevice, available_device_types

__all__ = ["list_physical_devices", "list_logical_devices", "get_visible_devices",
           "set_visible_devices", "experimental"]


def list_physical_devices(device_type=None):
    """The devices with a backend on this machine: the CPU always; a GPU when its backend is
    installed. `device_type` filters ("CPU", "GPU")."""
    out = []
    for t in available_device_types():
        if device_type is None or device_type.upper() == t:
            out.append(PhysicalDevice(f"/physical_device:{t}:0", t))
    return out


def list_logical_devices(device_type=None):
    return [PhysicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in list_physical_devices(device_type)]


def get_visible_devices(device_type=None):
    return list_physical_devices(device_type)


def set_visible_devices(devices, device_type=None):
    """Accepted for compatibility; flowgrad always sees every device it has a backend for."""


class experimental:  # noqa: N801 - TensorFlow's namespace name
    """`tf.config.experimental`: memory growth is accepted (NumPy has nothing to configure)."""

    @staticmethod
    def set_memory_growth(device, enable):
        pass

    @staticmethod
    def get_memory_growth(device):
        return True

    list_physical_devices = staticmethod(list_physical_devices)
