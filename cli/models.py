"""``provenance models``: which generation models are here (the packaged demo model included), and the tiny one."""

from __future__ import annotations

import dataclasses
import json

import click

from provenance import verdicts

from .context import CliContext, pass_context


@click.group()
def models() -> None:
    """Generation models available offline."""


@models.command("list", epilog=verdicts.command_exits_help("models list"))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def list_(context: CliContext, as_json: bool) -> int:
    """Diffusers pipelines in the home's models folder and the Hugging Face cache."""
    from provenance.generate.cache import list_models

    home = context.home
    found = list_models(home)
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(m) for m in found], indent=2))
        return 0
    if not found:
        click.echo("No diffusers models here. `provenance models build-tiny` makes the random code-path model;")
        click.echo("models downloaded with huggingface-cli or diffusers appear here once cached.")
        return 0
    click.echo(f"{'model':<44} {'pipeline':<36} {'img2img':<7} {'size':>9}  where")
    for m in found:
        size = f"{m.size_bytes / 1e9:.2f} GB" if m.size_bytes >= 1e8 else f"{m.size_bytes / 1e6:.1f} MB"
        img2img = "yes" if m.image_to_image else "no"
        click.echo(f"{m.name:<44} {m.pipeline or '?':<36} {img2img:<7} {size:>9}  {m.location}")
    return 0


@models.command("build-tiny", epilog=verdicts.command_exits_help("models build-tiny"))
@click.option("--force", is_flag=True, help="Rebuild it even if present.")
@pass_context
def build_tiny(context: CliContext, force: bool) -> int:
    """Build the offline tiny model (random weights) into the home's models folder."""
    import shutil

    from provenance.generate.tiny import TINY_FOLDER, build_tiny_pipeline

    home = context.home
    folder = home.models_dir / TINY_FOLDER
    if (folder / "model_index.json").exists() and not force:
        click.echo(f"Already built: {folder} (use --force to rebuild)")
        return 0
    if folder.exists():
        shutil.rmtree(folder)
    build_tiny_pipeline(folder)
    click.echo(f"Built the tiny model in {folder}; use it with --model tiny")
    return 0
