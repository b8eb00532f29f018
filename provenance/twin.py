"""Generate a twin and stamp it: the only way a twin reaches disk.

generate -> stamp -> registry. Everything that can fail cheaply (output path,
signing identity, source image) is checked before the model is loaded.
"""

from __future__ import annotations

from pathlib import Path

from provenance.config import Home
from provenance.credentials._c2pa import SignOptions
from provenance.credentials.keys import Identity
from provenance.generate import TwinSettings, describe, load_pipeline, run_img2img
from provenance.imaging import check_output, load_image, output_format
from provenance.stamp import StampRequest, StampResult, sidecar_path, stamp_pixels


def make_twin(
    source: Path,
    output: Path,
    *,
    settings: TwinSettings,
    user: str,
    identity: Identity,
    home: Home,
    force: bool = False,
    options: SignOptions | None = None,
) -> StampResult:
    """Generate a twin of ``source`` with ``settings`` and write it stamped to ``output``."""
    settings.validate()
    fmt = output_format(output)
    _check_outputs(output, force, options, (source,))
    original = load_image(source)
    pixels = original.pixels()
    pipe = load_pipeline(settings.model, home)
    twin = run_img2img(pipe, pixels, settings)
    request = StampRequest(
        author=user,
        model=settings.model,
        title=output.name,
        kind="twin",
        source=original,
        generation=describe(pipe, settings),
    )
    return stamp_pixels(twin, output, fmt, request, identity=identity, home=home, options=options)


def stamp_file(
    image: Path,
    output: Path,
    *,
    user: str,
    model: str,
    identity: Identity,
    home: Home,
    source: Path | None = None,
    force: bool = False,
    options: SignOptions | None = None,
) -> StampResult:
    """Stamp an AI image made elsewhere (optionally naming the image it came from)."""
    fmt = output_format(output)
    _check_outputs(output, force, options, (image,) + ((source,) if source else ()))
    loaded = load_image(image)
    request = StampRequest(
        author=user,
        model=model,
        title=output.name,
        kind="stamped",
        source=load_image(source) if source else None,
    )
    return stamp_pixels(loaded.pixels(), output, fmt, request, identity=identity, home=home, options=options)


def _check_outputs(output: Path, force: bool, options: SignOptions | None, inputs: tuple[Path, ...]) -> None:
    check_output(output, force=force, inputs=inputs)
    if options is not None and options.sidecar:
        check_output(sidecar_path(output), force=force, inputs=inputs)
