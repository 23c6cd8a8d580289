"""The `tf.train.Example` family as real protobuf messages, when `protobuf` is installed.

The descriptors of tensorflow/core/example/{feature,example}.proto are built here (package
`tensorflow`, the same field names and numbers) in a private descriptor pool, so the classes
never clash with TensorFlow's own if both are imported. `build()` returns None when protobuf is
missing or its API differs; flowgrad then uses the hand-written `_wire` classes.
"""


def build():
    try:
        from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    except ImportError:
        return None
    try:
        fdp = descriptor_pb2.FileDescriptorProto()
        fdp.name = "flowgrad/train/example.proto"
        fdp.package = "tensorflow"
        fdp.syntax = "proto3"
        F = descriptor_pb2.FieldDescriptorProto

        def message(name):
            m = fdp.message_type.add()
            m.name = name
            return m

        def field(msg, name, number, ftype, label=F.LABEL_OPTIONAL, type_name=None,
                  oneof=None, packed=None):
            f = msg.field.add()
            f.name, f.number, f.type, f.label = name, number, ftype, label
            if type_name:
                f.type_name = type_name
            if oneof is not None:
                f.oneof_index = oneof
            if packed is not None:
                f.options.packed = packed
            return f

        def map_field(msg, name, number, value_type):
            entry = msg.nested_type.add()
            entry.name = "".join(p.capitalize() for p in name.split("_")) + "Entry"
            entry.options.map_entry = True
            field(entry, "key", 1, F.TYPE_STRING)
            field(entry, "value", 2, F.TYPE_MESSAGE, type_name=value_type)
            field(msg, name, number, F.TYPE_MESSAGE, F.LABEL_REPEATED,
                  f".tensorflow.{msg.name}.{entry.name}")

        field(message("BytesList"), "value", 1, F.TYPE_BYTES, F.LABEL_REPEATED)
        field(message("FloatList"), "value", 1, F.TYPE_FLOAT, F.LABEL_REPEATED, packed=True)
        field(message("Int64List"), "value", 1, F.TYPE_INT64, F.LABEL_REPEATED, packed=True)
        feat = message("Feature")
        feat.oneof_decl.add().name = "kind"
        field(feat, "bytes_list", 1, F.TYPE_MESSAGE, type_name=".tensorflow.BytesList", oneof=0)
        field(feat, "float_list", 2, F.TYPE_MESSAGE, type_name=".tensorflow.FloatList", oneof=0)
        field(feat, "int64_list", 3, F.TYPE_MESSAGE, type_name=".tensorflow.Int64List", oneof=0)
        map_field(message("Features"), "feature", 1, ".tensorflow.Feature")
        field(message("FeatureList"), "feature", 1, F.TYPE_MESSAGE, F.LABEL_REPEATED,
              ".tensorflow.Feature")
        map_field(message("FeatureLists"), "feature_list", 1, ".tensorflow.FeatureList")
        field(message("Example"), "features", 1, F.TYPE_MESSAGE, type_name=".tensorflow.Features")
        seq = message("SequenceExample")
        field(seq, "context", 1, F.TYPE_MESSAGE, type_name=".tensorflow.Features")
        field(seq, "feature_lists", 2, F.TYPE_MESSAGE, type_name=".tensorflow.FeatureLists")

        pool = descriptor_pool.DescriptorPool()
        file_desc = pool.Add(fdp)
        if file_desc is None or not hasattr(file_desc, "message_types_by_name"):
            file_desc = pool.FindFileByName(fdp.name)
        classes = {}
        for name, desc in file_desc.message_types_by_name.items():
            if hasattr(message_factory, "GetMessageClass"):
                cls = message_factory.GetMessageClass(desc)
            else:  # protobuf < 4.21
                cls = message_factory.MessageFactory(pool).GetPrototype(desc)
            classes[name] = cls
        return classes
    except Exception:  # noqa: BLE001 - any protobuf API mismatch: use the fallback
        return None
