"""TensorFlow Serving's model config file (``--model_config_file``): a text-format ``ModelServerConfig``.

    model_config_list {
      config { name: "linear" base_path: "/models/linear" model_platform: "tensorflow"
               model_version_policy { specific { versions: 1 versions: 2 } }
               version_labels { key: "stable" value: 1 } }
      config { name: "mlp" base_path: "mlp" model_platform: "tensorflow" }
    }

The messages are TF Serving's own (package ``tensorflow.serving``, the field names and numbers of
``model_server_config.proto``, ``logging_config.proto``, ``log_collector_config.proto`` and
``file_system_storage_path_source.proto``), built here as descriptors so that tfc does not depend on
tensorflow-serving-api; protobuf's ``text_format`` parses the file against them, so any file TF
Serving reads parses the same. A relative ``base_path`` is resolved against the config file's
directory (TF Serving wants absolute ones). Errors name the file and line.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory, text_format

from .models import ConfiguredModel, VersionPolicy

LOG = logging.getLogger("tfc.serving")
PACKAGE = "tensorflow.serving"
_F = descriptor_pb2.FieldDescriptorProto


class ModelConfigError(ValueError):
    """A model config file that cannot be served: the message starts with ``FILE:LINE:``."""


def _field(message, name: str, number: int, kind: int, type_name: str = "", repeated: bool = False, oneof: int | None = None) -> None:
    field = message.field.add(name=name, number=number, type=kind, label=_F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL)
    if type_name:
        field.type_name = f".{PACKAGE}.{type_name}" if not type_name.startswith(".") else type_name
    if oneof is not None:
        field.oneof_index = oneof


def _file(name: str, *dependencies: str) -> descriptor_pb2.FileDescriptorProto:
    return descriptor_pb2.FileDescriptorProto(name=name, package=PACKAGE, syntax="proto3", dependency=list(dependencies))


def _storage_path_source_file() -> descriptor_pb2.FileDescriptorProto:
    """file_system_storage_path_source.proto: FileSystemStoragePathSourceConfig.ServableVersionPolicy (latest/all/specific)."""
    proto = _file("tensorflow_serving/sources/storage_path/file_system_storage_path_source.proto")
    source = proto.message_type.add(name="FileSystemStoragePathSourceConfig")
    policy = source.nested_type.add(name="ServableVersionPolicy")
    _field(policy.nested_type.add(name="Latest"), "num_versions", 1, _F.TYPE_UINT32)
    policy.nested_type.add(name="All")
    _field(policy.nested_type.add(name="Specific"), "versions", 1, _F.TYPE_INT64, repeated=True)
    policy.oneof_decl.add(name="policy_choice")
    for name, number in (("latest", 100), ("all", 101), ("specific", 102)):
        _field(policy, name, number, _F.TYPE_MESSAGE, f"FileSystemStoragePathSourceConfig.ServableVersionPolicy.{name.title()}", oneof=0)
    source.enum_type.add(name="VersionPolicy", value=[{"name": "LATEST_VERSION", "number": 0}, {"name": "ALL_VERSIONS", "number": 1}])
    monitor = source.nested_type.add(name="ServableToMonitor")
    _field(monitor, "servable_name", 1, _F.TYPE_STRING)
    _field(monitor, "base_path", 2, _F.TYPE_STRING)
    _field(monitor, "servable_version_policy", 4, _F.TYPE_MESSAGE, "FileSystemStoragePathSourceConfig.ServableVersionPolicy")
    _field(source, "servables", 5, _F.TYPE_MESSAGE, "FileSystemStoragePathSourceConfig.ServableToMonitor", repeated=True)
    _field(source, "servable_name", 1, _F.TYPE_STRING)
    _field(source, "base_path", 2, _F.TYPE_STRING)
    _field(source, "file_system_poll_wait_seconds", 3, _F.TYPE_INT64)
    _field(source, "fail_if_zero_versions_at_startup", 4, _F.TYPE_BOOL)
    return proto


def _logging_files() -> list[descriptor_pb2.FileDescriptorProto]:
    """log_collector_config.proto and logging_config.proto (ModelConfig.logging_config)."""
    collector = _file("tensorflow_serving/config/log_collector_config.proto")
    message = collector.message_type.add(name="LogCollectorConfig")
    _field(message, "type", 1, _F.TYPE_STRING)
    _field(message, "filename_prefix", 2, _F.TYPE_STRING)
    logging_proto = _file("tensorflow_serving/config/logging_config.proto", collector.name)
    sampling = logging_proto.message_type.add(name="SamplingConfig")
    _field(sampling, "sampling_rate", 1, _F.TYPE_DOUBLE)
    sampling.enum_type.add(name="Attributes", value=[{"name": "ATTR_DEFAULT", "number": 0}, {"name": "ATTR_REQUEST_ORIGIN", "number": 1},
                                                     {"name": "ATTR_REQUEST_CRITICALITY", "number": 2}])
    _field(sampling, "attributes", 2, _F.TYPE_INT32)
    config = logging_proto.message_type.add(name="LoggingConfig")
    _field(config, "log_collector_config", 1, _F.TYPE_MESSAGE, "LogCollectorConfig")
    _field(config, "sampling_config", 2, _F.TYPE_MESSAGE, "SamplingConfig")
    return [collector, logging_proto]


def _model_server_config_file(*dependencies: str) -> descriptor_pb2.FileDescriptorProto:
    """model_server_config.proto: ModelServerConfig { oneof config { ModelConfigList model_config_list; Any custom_model_config } }."""
    proto = _file("tensorflow_serving/config/model_server_config.proto", "google/protobuf/any.proto", *dependencies)
    proto.enum_type.add(name="ModelType", value=[{"name": "MODEL_TYPE_UNSPECIFIED", "number": 0}, {"name": "TENSORFLOW", "number": 1},
                                                 {"name": "OTHER", "number": 2}])
    config = proto.message_type.add(name="ModelConfig")
    _field(config, "name", 1, _F.TYPE_STRING)
    _field(config, "base_path", 2, _F.TYPE_STRING)
    _field(config, "model_type", 3, _F.TYPE_ENUM, "ModelType")
    _field(config, "model_platform", 4, _F.TYPE_STRING)
    config.reserved_range.add(start=5, end=6)
    _field(config, "model_version_policy", 7, _F.TYPE_MESSAGE, "FileSystemStoragePathSourceConfig.ServableVersionPolicy")
    entry = config.nested_type.add(name="VersionLabelsEntry")
    entry.options.map_entry = True
    _field(entry, "key", 1, _F.TYPE_STRING)
    _field(entry, "value", 2, _F.TYPE_INT64)
    _field(config, "version_labels", 8, _F.TYPE_MESSAGE, "ModelConfig.VersionLabelsEntry", repeated=True)
    _field(config, "logging_config", 6, _F.TYPE_MESSAGE, "LoggingConfig")
    _field(proto.message_type.add(name="ModelConfigList"), "config", 1, _F.TYPE_MESSAGE, "ModelConfig", repeated=True)
    server = proto.message_type.add(name="ModelServerConfig")
    server.oneof_decl.add(name="config")
    _field(server, "model_config_list", 1, _F.TYPE_MESSAGE, "ModelConfigList", oneof=0)
    _field(server, "custom_model_config", 2, _F.TYPE_MESSAGE, ".google.protobuf.Any", oneof=0)
    return proto


def _build_pool() -> descriptor_pool.DescriptorPool:
    """A pool of its own (never the default one, where tensorflow-serving-api's files may be loaded too)."""
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    source, logging_files = _storage_path_source_file(), _logging_files()
    for proto in [source, *logging_files, _model_server_config_file(source.name, logging_files[-1].name)]:
        pool.Add(proto)
    return pool


_POOL = _build_pool()
ModelServerConfig = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{PACKAGE}.ModelServerConfig"))
ModelConfigList = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{PACKAGE}.ModelConfigList"))
ModelConfig = message_factory.GetMessageClass(_POOL.FindMessageTypeByName(f"{PACKAGE}.ModelConfig"))
ServableVersionPolicy = message_factory.GetMessageClass(
    _POOL.FindMessageTypeByName(f"{PACKAGE}.FileSystemStoragePathSourceConfig.ServableVersionPolicy"))


def parse_model_config(text: str, path="models.config") -> list[ConfiguredModel]:
    """The models of a text-format ``ModelServerConfig`` (``path``: where it came from, for errors and relative base paths).

    >>> parse_model_config('model_config_list { config { name: "m" base_path: "/srv/m" model_platform: "tensorflow" } }')
    [ConfiguredModel(name='m', base_path=PosixPath('/srv/m'), version_policy=VersionPolicy(kind='latest', ...), ...)]
    """
    path = Path(os.fsdecode(path))
    message = ModelServerConfig()
    try:
        text_format.Parse(text, message)
    except text_format.ParseError as err:
        detail = re.sub(r"^\d+:\d+ : ", "", str(err))
        raise ModelConfigError(f"{path}:{err.GetLine()}:{err.GetColumn()}: {detail}") from None
    which = message.WhichOneof("config")
    if which == "custom_model_config":
        raise ModelConfigError(f"{path}:1: custom_model_config is not supported by tfc serve; expected model_config_list {{ config {{ ... }} }}")
    if which is None:
        raise ModelConfigError(f"{path}:1: expected model_config_list {{ config {{ name: ... base_path: ... }} }}, found no model_config_list")
    lines = _entry_lines(text)
    models, seen = [], {}
    for index, config in enumerate(message.model_config_list.config):
        where = f"{path}:{lines[index] if index < len(lines) else 1}"
        if config.name in seen:
            raise ModelConfigError(f"{where}: Illegal to list model {config.name} multiple times in config list (first at {seen[config.name]})")
        seen[config.name] = where
        models.append(_configured(config, where, path.parent))
    return models


def read_model_config(path) -> list[ConfiguredModel]:
    """:func:`parse_model_config` of the file at ``path``."""
    path = Path(os.fsdecode(path))
    return parse_model_config(_read(path), path)


def _read(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as err:
        raise ModelConfigError(f"model_config_file {path}: cannot be read ({err.strerror or err})") from None
    except UnicodeDecodeError as err:
        raise ModelConfigError(f"model_config_file {path}: expected UTF-8 text, found byte {err.object[err.start]:#x} at offset {err.start}") from None


def _configured(config, where: str, directory: Path) -> ConfiguredModel:
    """One ModelConfig as the server serves it, checked (each error names ``where`` and the field)."""
    label = f"{where}: model '{config.name}'"
    if not config.name or "/" in config.name or ":" in config.name:
        raise ModelConfigError(f"{where}: name: expected a non-empty model name without '/' or ':', got {config.name!r}")
    if config.model_platform not in ("", "tensorflow") or config.model_type == 2:
        platform = config.model_platform or "model_type OTHER"
        raise ModelConfigError(f"{label}: model_platform: expected \"tensorflow\" (tfc SavedModels), got {platform!r}")
    if config.HasField("logging_config"):
        raise ModelConfigError(f"{label}: logging_config: request logging is not supported by tfc serve; remove it")
    if not config.base_path:
        raise ModelConfigError(f"{label}: base_path: expected the folder of its numbered versions, got none")
    base_path = Path(config.base_path) if os.path.isabs(config.base_path) else directory / config.base_path
    if not base_path.is_dir():
        raise ModelConfigError(f"{label}: base_path {base_path} is not a directory")
    try:
        policy = _policy(config.model_version_policy)
    except ValueError as err:
        raise ModelConfigError(f"{label}: {err}") from None
    labels = dict(config.version_labels)
    bad = [key for key in labels if not key or "/" in key or ":" in key]
    if bad:
        raise ModelConfigError(f"{label}: version_labels: expected labels without '/' or ':' (they are URL path segments), got {bad[0]!r}")
    return ConfiguredModel(config.name, base_path.absolute(), policy, labels, where)


def _policy(message) -> VersionPolicy:
    """TF Serving's ServableVersionPolicy as a VersionPolicy (none set, or ``latest {}``: the latest 1)."""
    which = message.WhichOneof("policy_choice")
    if which == "all":
        return VersionPolicy("all")
    if which == "specific":
        return VersionPolicy("specific", versions=tuple(message.specific.versions))
    return VersionPolicy("latest", num_versions=max(message.latest.num_versions, 1) if which else 1)


def _entry_lines(text: str) -> list[int]:
    """The line of each ``config`` entry (a brace opened at depth 1), for errors found after parsing."""
    lines, depth, line, quote, i = [], 0, 1, None, 0
    while i < len(text):
        char = text[i]
        if char == "\n":
            line += 1
            quote = None
        elif quote:
            i += char == "\\"
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            i = len(text) - 1 if text.find("\n", i) < 0 else text.find("\n", i) - 1
        elif char in "{<":
            depth += 1
            if depth == 2:
                lines.append(line)
        elif char in "}>":
            depth -= 1
        i += 1
    return lines


class ModelConfigFile:
    """A model config file, read again when its content changes (``--model_config_file_poll_wait_seconds``)."""

    def __init__(self, path):
        self.path = Path(os.fsdecode(path))
        self._last: str | None = None

    def read(self) -> list[ConfiguredModel]:
        """The models it configures now (ModelConfigError when it cannot be served)."""
        text = _read(self.path)
        self._last = text
        return parse_model_config(text, self.path)

    def changed(self) -> list[ConfiguredModel] | None:
        """The models, when the content changed since the last read; None when it did not (a bad change raises once)."""
        text = _read(self.path)
        if text == self._last:
            return None
        self._last = text
        return parse_model_config(text, self.path)


__all__ = ["ModelConfig", "ModelConfigError", "ModelConfigFile", "ModelConfigList", "ModelServerConfig", "ServableVersionPolicy",
           "parse_model_config", "read_model_config"]
