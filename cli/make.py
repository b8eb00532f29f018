"""``provenance twin`` and ``provenance stamp``: make signed, watermarked images."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import click

from cli.options import EXIT_CODES, identity_from, sign_options_from, signing_options
from provenance import watermark
from provenance.config import Home
from provenance.stamp import StampResult, sidecar_path

_PATH = click.Path(path_type=Path, dir_okay=False)
_OUT = click.Path(path_type=Path, dir_okay=False, writable=True)


def _report(result: StampResult, home: Home) -> None:
    click.echo(f"Wrote {result.output}")
    click.echo(f"  record      {result.record_id}  (registry {home.registry_path})")
    if result.source_record_id:
        click.echo(f"  source      record {result.source_record_id}")
    click.echo(f"  watermark   {watermark.SCHEME}, read back with confidence {result.watermark_confidence:.2f}")
    where = f" in {sidecar_path(result.output)}" if result.sidecar else ""
    click.echo(f"  manifest    {len(result.manifest)} bytes, signed{where}")
    for print_ in result.fingerprints:
        click.echo(f"  fingerprint {print_.algorithm} {print_.value}")


@click.command(epilog=EXIT_CODES)
@click.argument("source", type=_PATH)
@click.option("-o", "--output", type=_OUT, required=True, help="Output image (.jpg, .png or .webp).")
@click.option(
    "--model",
    default="tiny",
    show_default=True,
    help="Diffusers model id, local model folder, or 'tiny' (offline demo model, random weights).",
)
@click.option("--prompt", default=None, help="Prompt (default: a faithful-reproduction prompt).")
@click.option("--strength", type=float, default=0.35, show_default=True, help="How far from the source (0-1].")
@click.option("--steps", type=int, default=20, show_default=True, help="Denoising steps.")
@click.option("--guidance", type=float, default=7.5, show_default=True, help="Classifier-free guidance scale.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same twin).")
@click.option("--user", default=None, help="Author recorded in the manifest (default: login name).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@signing_options
@click.pass_obj
def twin(
    obj: dict[str, object],
    /,
    source: Path,
    output: Path,
    model: str,
    prompt: str | None,
    strength: float,
    steps: int,
    guidance: float,
    seed: int,
    user: str | None,
    force: bool,
    **signing: Any,
) -> int:
    """Generate a twin of SOURCE with a diffusers image-to-image model, stamped.

    The twin gets an invisible watermark carrying its registry record, a signed
    C2PA manifest (model, user, SOURCE as ingredient), and a registry row. It is
    never written unstamped.
    """
    from provenance.generate import DEFAULT_PROMPT, TINY_NAME, TwinSettings
    from provenance.twin import make_twin

    home = obj["home"]
    assert isinstance(home, Home)
    identity = identity_from(home, signing)
    settings = TwinSettings(
        model=model,
        prompt=prompt or DEFAULT_PROMPT,
        strength=strength,
        steps=steps,
        guidance=guidance,
        seed=seed,
    )
    if model == TINY_NAME:
        click.echo(
            "Note: the 'tiny' model has random weights; its output is noise, not a picture."
            " It exercises the real pipeline offline.",
            err=True,
        )
    result = make_twin(
        source,
        output,
        settings=settings,
        user=user or getpass.getuser(),
        identity=identity,
        home=home,
        force=force,
        options=sign_options_from(signing),
    )
    _report(result, home)
    return 0


@click.command(epilog=EXIT_CODES)
@click.argument("image", type=_PATH)
@click.option("-o", "--output", type=_OUT, required=True, help="Output image (.jpg, .png or .webp).")
@click.option("--user", required=True, help="Author recorded in the manifest.")
@click.option("--model", default="unknown model", show_default=True, help="Model that made IMAGE.")
@click.option("--source", type=_PATH, default=None, help="The image IMAGE was made from (ingredient).")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@signing_options
@click.pass_obj
def stamp(
    obj: dict[str, object],
    /,
    image: Path,
    output: Path,
    user: str,
    model: str,
    source: Path | None,
    force: bool,
    **signing: Any,
) -> int:
    """Stamp an AI image made elsewhere: watermark, signed manifest, registry row."""
    from provenance.twin import stamp_file

    home = obj["home"]
    assert isinstance(home, Home)
    identity = identity_from(home, signing)
    result = stamp_file(
        image,
        output,
        user=user,
        model=model,
        identity=identity,
        home=home,
        source=source,
        force=force,
        options=sign_options_from(signing),
    )
    _report(result, home)
    return 0
