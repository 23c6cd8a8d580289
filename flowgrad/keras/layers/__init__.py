"""`keras.layers`: the layer classes, `Input`, `InputSpec`, the functional merge forms
(`add`, `concatenate`, ...) and `serialize` / `deserialize`."""

from ..engine.base_layer import Layer
from ..engine.input_layer import Input, InputLayer  # noqa: F401
from ..engine.input_spec import InputSpec  # noqa: F401
from .activation import ELU, LeakyReLU, PReLU, ReLU, Softmax  # noqa: F401
from .attention import (  # noqa: F401
    AdditiveAttention,
    Attention,
    EinsumDense,
    MultiHeadAttention,
)
from .conv_recurrent import ConvLSTM2D  # noqa: F401
from .convolutional import (  # noqa: F401
    Conv1D,
    Conv1DTranspose,
    Conv2D,
    Conv2DTranspose,
    Conv3D,
    Conv3DTranspose,
    Convolution1D,
    Convolution1DTranspose,
    Convolution2D,
    Convolution2DTranspose,
    Convolution3D,
    Convolution3DTranspose,
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from .core import (  # noqa: F401
    Activation,
    ActivityRegularization,
    Dense,
    Dropout,
    Flatten,
    Lambda,
    Permute,
    RepeatVector,
    Reshape,
)
from .embedding import Embedding, Masking  # noqa: F401
from .merging import (  # noqa: F401
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from .noise import AlphaDropout, GaussianDropout, GaussianNoise  # noqa: F401
from .normalization import BatchNormalization, LayerNormalization  # noqa: F401
from .pooling import (  # noqa: F401
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from .preprocessing import (  # noqa: F401
    CenterCrop,
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)
from .preprocessing_numeric import (  # noqa: F401
    CategoryEncoding,
    Discretization,
    Normalization,
)
from .preprocessing_text import (  # noqa: F401
    Hashing,
    IntegerLookup,
    StringLookup,
    TextVectorization,
)
from .recurrent import (  # noqa: F401
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
)
from .reshaping import (  # noqa: F401
    Cropping1D,
    Cropping2D,
    Cropping3D,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from .wrappers import Bidirectional, TimeDistributed  # noqa: F401


def _layer_classes():
    """Layer classes by name: this module's, the models', and subclasses defined elsewhere."""
    from ..engine import model as _model
    from ..engine import sequential as _sequential
    table = {}
    for name, obj in globals().items():
        if isinstance(obj, type) and issubclass(obj, Layer):
            table[name] = obj
    table.update({"Model": _model.Model, "Functional": _model.Functional,
                  "Sequential": _sequential.Sequential})
    return table


def _custom_objects(custom_objects):
    out = {}
    try:
        from ..activations import _global_custom_objects
        out.update(_global_custom_objects())
    except ImportError:
        pass
    out.update(custom_objects or {})
    return out


def serialize(layer, use_legacy_format=False):
    """`{"module": ..., "class_name": ..., "config": layer.get_config(), "registered_name": ...}`
    (tf.keras 2.13+ layout)."""
    cls = type(layer)
    builtin = cls.__module__.startswith("flowgrad.keras")
    return {"module": "keras.layers" if builtin else cls.__module__,
            "class_name": cls.__name__, "config": layer.get_config(),
            "registered_name": None if builtin else cls.__name__}


def deserialize(config, custom_objects=None, use_legacy_format=False):
    """Creates a layer (or model) from `serialize`'s output.

    Raises:
        ValueError: the class is unknown (pass it in `custom_objects`).
    """
    if isinstance(config, Layer):
        return config
    class_name = config["class_name"]
    inner = config.get("config", {})
    custom = _custom_objects(custom_objects)
    cls = None
    for key, obj in custom.items():
        if key == class_name or (isinstance(key, str) and key.split(">")[-1] == class_name):
            cls = obj
            break
    if cls is None:
        cls = _layer_classes().get(class_name)
    if cls is None:
        import sys
        for mod in list(sys.modules.values()):
            if mod is not None and getattr(mod, "__name__", "").startswith("flowgrad.keras"):
                obj = getattr(mod, class_name, None)
                if isinstance(obj, type) and issubclass(obj, Layer):
                    cls = obj
                    break
    if cls is None:
        raise ValueError(f"Unknown layer: '{class_name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` and that this object is included in "
                         "the scope, or pass it in `custom_objects`.")
    import inspect
    params = inspect.signature(cls.from_config).parameters
    if "custom_objects" in params:
        return cls.from_config(inner, custom_objects=custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """A layer from a Layer, or a serialized config."""
    if isinstance(identifier, Layer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise ValueError(f"Could not interpret layer identifier: {identifier!r}")
