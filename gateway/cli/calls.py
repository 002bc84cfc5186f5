"""``import-calls``: call transcripts in bulk."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from gateway.cli.common import open_runtime


@click.command("import-calls")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress bar.")
def import_calls(paths: tuple[Path, ...], quiet: bool) -> None:
    """Import call transcripts: files or folders of .json, .txt (Operator:/Penelepon:
    lines), .vtt, .srt and .csv. Safe to run twice; exits 1 when any call failed."""
    from gateway.complaints.call_import import import_calls as run

    with open_runtime(logs=True) as runtime:
        summary = run(runtime, paths, progress=not quiet)
    for line in summary.lines():
        click.echo(line)
    sys.exit(1 if summary.failed else 0)
