"""Generate a twin and stamp it: the only way a twin reaches disk.

generate -> stamp -> registry. Everything that can fail cheaply (output path,
signing identity, source image) is checked before the model is loaded, and the
model is loaded once per :class:`TwinMaker`, however many twins it makes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from provenance.config import Home
from provenance.credentials._c2pa import SignOptions
from provenance.credentials.keys import Identity
from provenance.generate import (
    LoadedModel,
    LoadOptions,
    TwinSettings,
    describe,
    load_pipeline,
    model_label,
    run_img2img,
)
from provenance.imaging import LoadedImage, load_image, output_format
from provenance.stamp import (
    StampRequest,
    StampResult,
    check_outputs,
    original_owner,
    stamp_file,
    stamp_pixels,
    too_small,
)

__all__ = ["TwinMaker", "make_twin", "stamp_file"]


class TwinMaker:
    """Makes stamped twins with one model, loaded on first use."""

    def __init__(
        self,
        settings: TwinSettings,
        *,
        user: str,
        identity: Identity,
        home: Home,
        load: LoadOptions | None = None,
        options: SignOptions | None = None,
    ) -> None:
        settings.validate()
        self.settings = settings
        self.user = user
        self.identity = identity
        self.home = home
        self.load = load or LoadOptions()
        self.options = options
        self._model: LoadedModel | None = None

    @property
    def model(self) -> LoadedModel:
        if self._model is None:
            self._model = load_pipeline(self.settings.model, self.home, options=self.load)
        return self._model

    def check(self, output: Path, *, force: bool, inputs: tuple[Path, ...]) -> str:
        """Refuse an output that exists (unless ``force``) or is an input; its format."""
        fmt = output_format(output)
        check_outputs(output, force, self.options, inputs)
        return fmt

    def make(self, source: LoadedImage, output: Path, *, seed: int | None = None, force: bool = False) -> StampResult:
        """Generate a twin of ``source`` (with ``seed`` if given) and write it stamped."""
        fmt = self.check(output, force=force, inputs=(source.path,))
        settings = self.settings if seed is None else replace(self.settings, seed=seed)
        pixels = source.pixels()
        too_small(source.path, pixels.size)  # before generating, not after
        twin = run_img2img(self.model, pixels, settings)
        request = StampRequest(
            author=self.user,
            model=model_label(settings.model),
            title=output.name,
            kind="twin",
            source=source,
            source_owner=original_owner(self.identity, self.user, source, self.home),
            generation=describe(self.model, settings, source_sha256=source.sha256, output=twin),
        )
        return stamp_pixels(twin, output, fmt, request, identity=self.identity, home=self.home, options=self.options)


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
    load: LoadOptions | None = None,
) -> StampResult:
    """Generate a twin of ``source`` with ``settings`` and write it stamped to ``output``."""
    maker = TwinMaker(settings, user=user, identity=identity, home=home, load=load, options=options)
    maker.check(output, force=force, inputs=(source,))
    return maker.make(load_image(source), output, force=force)
