"""``tfc serve``: TensorFlow Serving's REST API over a model base path of tfc SavedModel versions.

    tfc serve --model_name linear --model_base_path models/linear --rest_api_port 8501
    tfc serve ... --enable_batching --max_batch_size 32 --batch_timeout_micros 1000

The flags are TensorFlow Serving's (``--file_system_poll_wait_seconds`` polls the base path for new
versions; 0 turns hot reload off). The server is uvicorn running :func:`tfc.serving.create_app`.
A bad flag or a base path without a loadable version is one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import sys

import click


class _OneLineUsageErrors(click.Command):
    """Bad flags print as one line (``Error: Invalid value for '--rest_api_port': ...``), exit status 2."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as err:
            err.ctx = None  # without a context click prints the message alone, not the usage block
            raise


@click.command("serve", cls=_OneLineUsageErrors)
@click.option("--model_name", required=True, help="The name clients use in /v1/models/NAME.")
@click.option("--model_base_path", required=True, type=click.Path(file_okay=False), help="Folder of numbered version folders.")
@click.option("--rest_api_port", type=click.IntRange(0, 65535), default=8501, show_default=True)
@click.option("--rest_api_host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.option("--file_system_poll_wait_seconds", type=click.FloatRange(min=0), default=1.0, show_default=True)
@click.option("--enable_batching", is_flag=True, help="Batch concurrent predict requests.")
@click.option("--max_batch_size", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--batch_timeout_micros", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="Where programs run (cpu, gpu).")
def serve(model_name, model_base_path, rest_api_port, rest_api_host, file_system_poll_wait_seconds, enable_batching,
          max_batch_size, batch_timeout_micros, device) -> None:
    """Serve a model's versions with TensorFlow Serving's REST API."""
    import uvicorn  # the server and the models are only needed by this command (other commands start faster)

    from tfc.serving import Batcher, ModelManager, create_app

    try:
        manager = ModelManager(model_name, model_base_path, file_system_poll_wait_seconds, device)
    except ValueError as err:
        click.echo(f"tfc: error: {err}", err=True)
        sys.exit(1)
    batcher = Batcher(max_batch_size, batch_timeout_micros) if enable_batching else None
    uvicorn.run(create_app(manager, batcher), host=rest_api_host, port=rest_api_port, log_level="warning")


__all__ = ["serve"]
