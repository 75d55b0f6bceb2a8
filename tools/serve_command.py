"""``tfc serve``: TensorFlow Serving's REST and gRPC APIs over a model base path of tfc SavedModel versions.

    tfc serve --model_name linear --model_base_path models/linear --rest_api_port 8501
    tfc serve --model_config_file models.config --model_config_file_poll_wait_seconds 60
    tfc serve --model_name linear --model_base_path models/linear --port 8500 --rest_api_port 8501
    tfc serve ... --enable_batching --max_batch_size 32 --batch_timeout_micros 1000

The flags are TensorFlow Serving's (``--file_system_poll_wait_seconds`` polls the base paths for new
versions; 0 turns hot reload off; ``--model_config_file_poll_wait_seconds`` rereads the model config
file, 0: never). The server is uvicorn running :func:`tfc.serving.create_app`. A bad flag, a bad
config file, or a base path without a loadable version is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import os
import sys

import click

from .cli_support import OneLineUsageErrors


@click.command("serve", cls=OneLineUsageErrors)
@click.option("--model_name", help="The name clients use in /v1/models/NAME (with --model_base_path).")
@click.option("--model_base_path", type=click.Path(file_okay=False), help="Folder of numbered version folders.")
@click.option("--model_config_file", type=click.Path(dir_okay=False), help="A text-format ModelServerConfig: several models, version policies, labels.")
@click.option("--model_config_file_poll_wait_seconds", type=click.FloatRange(min=0), default=0, show_default=True,
              help="Reread the model config file this often (0: never).")
@click.option("--allow_version_labels_for_unavailable_models", is_flag=True, help="Let version_labels name versions that are not loaded.")
@click.option("--port", "grpc_port", type=click.IntRange(0, 65535), default=8500, show_default=True,
              help="TF Serving's gRPC API port (0: no gRPC server).")
@click.option("--grpc_host", default="127.0.0.1", show_default=True, help="Address the gRPC server binds (loopback by default).")
@click.option("--rest_api_port", type=click.IntRange(0, 65535), default=8501, show_default=True)
@click.option("--rest_api_host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--file_system_poll_wait_seconds", type=click.FloatRange(min=0), default=1.0, show_default=True)
@click.option("--enable_batching", is_flag=True, help="Batch concurrent predict requests.")
@click.option("--max_batch_size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--batch_timeout_micros", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="Where programs run (cpu, gpu).")
def serve(model_name, model_base_path, model_config_file, model_config_file_poll_wait_seconds, allow_version_labels_for_unavailable_models,
          grpc_port, grpc_host, rest_api_port, rest_api_host,
          file_system_poll_wait_seconds, enable_batching, max_batch_size, batch_timeout_micros, device) -> None:
    """Serve models' versions with TensorFlow Serving's REST API."""
    _check_model_flags(model_name, model_base_path, model_config_file)
    if grpc_port and grpc_port == rest_api_port:
        click.echo("Error: --port (gRPC) and --rest_api_port cannot be the same port", err=True)
        sys.exit(2)
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # grpc's C-core log lines would precede our one-line errors
    import uvicorn  # the server and the models are only needed by this command (other commands start faster)

    from tfc.serving import Batcher, ConfiguredModel, ModelConfigFile, ServedModels, create_app

    models = ServedModels(file_system_poll_wait_seconds, device, allow_version_labels_for_unavailable_models)
    try:
        if model_config_file is None:
            models.configure([ConfiguredModel(model_name, model_base_path)])
        else:
            config = ModelConfigFile(model_config_file)
            models.configure(config.read())
            models.watch(config.changed, model_config_file_poll_wait_seconds)
    except ValueError as err:
        click.echo(f"tfc: error: {err}", err=True)
        sys.exit(1)
    batcher = Batcher(max_batch_size, batch_timeout_micros) if enable_batching else None
    explicit = click.get_current_context().get_parameter_source("grpc_port") != click.core.ParameterSource.DEFAULT
    grpc_server = _start_grpc(models, batcher, grpc_host, grpc_port, explicit)
    try:
        uvicorn.run(create_app(models, batcher), host=rest_api_host, port=rest_api_port, log_level="warning")
    finally:
        if grpc_server is not None:
            grpc_server.stop(grace=1)


def _start_grpc(models, batcher, host: str, port: int, explicit: bool):
    """TF Serving's gRPC API beside the REST one (same models, same batcher); --port 0: none. A port in use is one line and
    exit 1 when --port was given; the default 8500 in use is a one-line warning and REST only (several servers on one machine)."""
    if port == 0:
        return None
    from tfc.serving.grpc_api import create_grpc_server

    try:
        server, _ = create_grpc_server(models, batcher, host, port)
    except (ValueError, RuntimeError) as err:
        if not explicit:
            click.echo(f"tfc: warning: no gRPC API: cannot bind {host}:{port} (pass --port N, or --port 0 for none)", err=True)
            return None
        click.echo(f"tfc: error: --port: cannot serve gRPC on {host}:{port}: {err}", err=True)
        sys.exit(1)
    server.start()
    return server


def _check_model_flags(model_name, model_base_path, model_config_file) -> None:
    """Either --model_name with --model_base_path, or --model_config_file: else one line and exit status 2."""
    problem = None
    if model_config_file is not None and (model_name is not None or model_base_path is not None):
        problem = "--model_config_file cannot be combined with --model_name/--model_base_path (the config file names every model)"
    elif model_config_file is None and (model_name is None or model_base_path is None):
        problem = "expected --model_name NAME and --model_base_path DIR, or --model_config_file FILE"
    if problem:
        click.echo(f"Error: {problem}", err=True)
        sys.exit(2)


__all__ = ["serve"]
