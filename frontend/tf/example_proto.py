"""TensorFlow's ``tf.train.Example`` schema (``tensorflow/core/example/{feature,example}.proto``).

The ``tensorboard`` package ships TensorFlow's graph protos but not these, so the two files are
declared here field by field, with TensorFlow's package, names and field numbers: the wire format is
TensorFlow's, and Examples written by either side parse on the other. They live in a pool of their
own, not protobuf's default one, where TensorFlow (if imported in the same process) registers the
same full names.

>>> from tfc.frontend.tf.example_proto import Example, Feature, Int64List
>>> example = Example()
>>> example.features.feature["label"].int64_list.value.append(3)
>>> Example.FromString(example.SerializeToString()).features.feature["label"].int64_list.value[0]
3
"""

from __future__ import annotations

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

FieldProto = descriptor_pb2.FieldDescriptorProto
PACKAGE = "tensorflow"
FEATURE_FILE = "tensorflow/core/example/feature.proto"
EXAMPLE_FILE = "tensorflow/core/example/example.proto"

# message -> its fields as (name, number, label, type, message type or None, field options, in the oneof "kind")
REPEATED, OPTIONAL = FieldProto.LABEL_REPEATED, FieldProto.LABEL_OPTIONAL
PACKED = {"packed": True}
FEATURE_MESSAGES = {
    "BytesList": [("value", 1, REPEATED, FieldProto.TYPE_BYTES, None, None, False)],
    "FloatList": [("value", 1, REPEATED, FieldProto.TYPE_FLOAT, None, PACKED, False)],
    "Int64List": [("value", 1, REPEATED, FieldProto.TYPE_INT64, None, {**PACKED, "jstype": descriptor_pb2.FieldOptions.JS_STRING}, False)],
    "Feature": [
        ("bytes_list", 1, OPTIONAL, FieldProto.TYPE_MESSAGE, "BytesList", None, True),
        ("float_list", 2, OPTIONAL, FieldProto.TYPE_MESSAGE, "FloatList", None, True),
        ("int64_list", 3, OPTIONAL, FieldProto.TYPE_MESSAGE, "Int64List", None, True),
    ],
    "FeatureList": [("feature", 1, REPEATED, FieldProto.TYPE_MESSAGE, "Feature", None, False)],
}
# message -> (field name, value message) of its one map<string, value> field, number 1
FEATURE_MAPS = {"Features": ("feature", "Feature"), "FeatureLists": ("feature_list", "FeatureList")}
EXAMPLE_MESSAGES = {
    "Example": [("features", 1, OPTIONAL, FieldProto.TYPE_MESSAGE, "Features", None, False)],
    "SequenceExample": [
        ("context", 1, OPTIONAL, FieldProto.TYPE_MESSAGE, "Features", None, False),
        ("feature_lists", 2, OPTIONAL, FieldProto.TYPE_MESSAGE, "FeatureLists", None, False),
    ],
}


def add_field(message: descriptor_pb2.DescriptorProto, name, number, label, kind, type_name, options, in_oneof) -> None:
    field = message.field.add(name=name, number=number, label=label, type=kind)
    if type_name is not None:
        field.type_name = f".{PACKAGE}.{type_name}"
    if options:
        field.options.MergeFrom(descriptor_pb2.FieldOptions(**options))
    if in_oneof:
        field.oneof_index = 0


def add_messages(file: descriptor_pb2.FileDescriptorProto, messages: dict) -> None:
    for name, fields in messages.items():
        message = file.message_type.add(name=name)
        if any(field[-1] for field in fields):
            message.oneof_decl.add(name="kind")
        for field in fields:
            add_field(message, *field)


def add_map(file: descriptor_pb2.FileDescriptorProto, name: str, field_name: str, value_type: str) -> None:
    """A message holding ``map<string, value_type> field_name = 1`` (a repeated entry message on the wire)."""
    message = file.message_type.add(name=name)
    entry_name = "".join(word.capitalize() for word in field_name.split("_")) + "Entry"  # protoc's name for it
    entry = message.nested_type.add(name=entry_name)
    entry.options.map_entry = True
    add_field(entry, "key", 1, OPTIONAL, FieldProto.TYPE_STRING, None, None, False)
    add_field(entry, "value", 2, OPTIONAL, FieldProto.TYPE_MESSAGE, value_type, None, False)
    add_field(message, field_name, 1, REPEATED, FieldProto.TYPE_MESSAGE, f"{name}.{entry_name}", None, False)


def file_protos() -> list[descriptor_pb2.FileDescriptorProto]:
    """``feature.proto`` and ``example.proto`` as FileDescriptorProtos (TensorFlow's, less the
    file options, which only name other languages' packages)."""
    feature = descriptor_pb2.FileDescriptorProto(name=FEATURE_FILE, package=PACKAGE, syntax="proto3")
    add_messages(feature, {name: FEATURE_MESSAGES[name] for name in ("BytesList", "FloatList", "Int64List", "Feature")})
    add_map(feature, "Features", *FEATURE_MAPS["Features"])
    add_messages(feature, {"FeatureList": FEATURE_MESSAGES["FeatureList"]})
    add_map(feature, "FeatureLists", *FEATURE_MAPS["FeatureLists"])
    example = descriptor_pb2.FileDescriptorProto(name=EXAMPLE_FILE, package=PACKAGE, syntax="proto3", dependency=[FEATURE_FILE])
    add_messages(example, EXAMPLE_MESSAGES)
    return [feature, example]


def message_classes() -> dict[str, type]:
    """Every message of the two files, by name, from a private descriptor pool."""
    pool = descriptor_pool.DescriptorPool()
    for file in file_protos():
        pool.Add(file)
    names = [*FEATURE_MESSAGES, *FEATURE_MAPS, *EXAMPLE_MESSAGES]
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}")) for name in names}


_CLASSES = message_classes()
BytesList = _CLASSES["BytesList"]
FloatList = _CLASSES["FloatList"]
Int64List = _CLASSES["Int64List"]
Feature = _CLASSES["Feature"]
Features = _CLASSES["Features"]
FeatureList = _CLASSES["FeatureList"]
FeatureLists = _CLASSES["FeatureLists"]
Example = _CLASSES["Example"]
SequenceExample = _CLASSES["SequenceExample"]

__all__ = ["BytesList", "Example", "Feature", "FeatureList", "FeatureLists", "Features", "FloatList", "Int64List", "SequenceExample", "file_protos"]
