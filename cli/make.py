"""``provenance twin`` and ``provenance stamp``: make signed, watermarked images."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import click

from provenance import fingerprint, verdicts, watermark
from provenance.camera import KeptExif
from provenance.config import Home
from provenance.credentials.claims import EDITS
from provenance.errors import UsageError
from provenance.stamp import StampResult, sidecar_path

from .context import CliContext, pass_context
from .options import Command, Decorator, R, SigningParams, option_group, signing_options
from .progress import progress_bar

if TYPE_CHECKING:
    from provenance.generate import LoadOptions

_PATH = click.Path(path_type=Path, dir_okay=False)
_OUT = click.Path(path_type=Path, dir_okay=False, writable=True)


def _report(result: StampResult, home: Home) -> None:
    click.echo(f"Wrote {result.output}")
    click.echo(f"  record      {result.record_id}  (registry {home.registry_path})")
    click.echo(f"  registered  {_registered(result)}")
    if result.source_record_id and result.source_registered_to:
        # registered now: verify names this owner for the source photo and its copies from here on (a
        # walkthrough's wire photo read "owned by" the newsroom after a twin, and nothing had said so)
        click.echo(
            f"  source      record {result.source_record_id} (the source photo, registered now as an original"
            f" of {result.source_registered_to}: verify names that owner for it and its copies)"
        )
    elif result.source_record_id:
        click.echo(f"  source      record {result.source_record_id}")
    click.echo(f"  declared    {_declared(result.source_type, twin=result.kind == 'twin')}")
    click.echo(f"  watermark   {watermark.SCHEME}, read back with confidence {result.watermark_confidence:.2f}")
    where = f" in {sidecar_path(result.output)}" if result.sidecar else ""
    click.echo(f"  manifest    {len(result.manifest)} bytes, signed{where}")
    for print_ in result.fingerprints:
        click.echo(f"  fingerprint {print_.algorithm} {print_.value}")
    if result.exif is not None:
        for line in _exif_lines(result.exif):
            click.echo(line)
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)


def _registered(result: StampResult) -> str:
    """What the registry now says of the picture: its kind and owner, and why a signed input is
    not recorded as an original."""
    kind = {"original": "as an original", "twin": "as a twin", "stamped": "as stamped here"}.get(
        result.kind, result.kind
    )
    text = f"{kind}, owner {result.owner}"
    if result.prior_signer:
        text += f" (not an original: the input was signed first by {result.prior_signer})"
    elif result.input_record_id and result.kind == "stamped":
        text += f" (not a new original: the input is registered here as record {result.input_record_id})"
    return text


def _declared(source_type: str, *, twin: bool = False) -> str:
    """The source type the manifest declares, in words, with its IPTC term (and, for stamp, the
    option that chose it; a twin is always AI-generated)."""
    from provenance.credentials.claims import SOURCE_TYPES
    from provenance.detect.sources import describe

    term, words, _ = describe(SOURCE_TYPES[source_type])
    if twin:
        return f"{words} ({term}: a twin is generated)"
    default = "; the default" if source_type == "ai" else ""
    return f"{words} (--source-type {source_type}: {term}{default})"


def _exif_lines(kept: KeptExif) -> list[str]:
    """What became of the input's EXIF: kept, recorded, removed; the GPS location said aloud."""
    if kept.problem:
        return [f"  exif        not kept: {kept.problem}"]
    if kept.data is None:
        return []
    recorded = kept.recorded
    taken = recorded.get("exif:DateTimeOriginal")
    what = ", ".join(x for x in (kept.camera, f"taken {taken}" if taken else "") if x)
    lines = [
        f"  exif        kept{f' ({what}; recorded in the manifest)' if what else ' (no camera or capture time in it)'}"
    ]
    if kept.removed:
        lines.append(f"              removed: {', '.join(kept.removed)}")
    if kept.gps_removed:
        lines.append("  gps         location removed (pass --keep-gps to keep it)")
    elif kept.gps_kept:
        recorded_too = " and recorded in the manifest" if "exif:GPSLatitude" in recorded else ""
        lines.append(f"  gps         location kept (--keep-gps){recorded_too}")
    return lines


_SOURCE = click.Path(path_type=Path, exists=False)
_FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "webp": "WEBP"}


@dataclass(frozen=True)
class GenerationParams:
    """The model and its settings: --model, --revision, --prompt, --strength, --steps, --guidance,
    --seed, --device, --dtype, --cpu-offload, --attention-slicing, --vae-tiling."""

    model: str | None
    revision: str | None
    prompt: str | None
    strength: float | None
    steps: int | None
    guidance: float | None
    seed: int
    device: str
    dtype: str
    cpu_offload: bool
    attention_slicing: bool
    vae_tiling: bool

    def load_options(self) -> LoadOptions:
        from provenance.generate import LoadOptions

        return LoadOptions(
            device=self.device,
            dtype=self.dtype,
            revision=self.revision,
            cpu_offload=self.cpu_offload,
            attention_slicing=self.attention_slicing,
            vae_tiling=self.vae_tiling,
        )


def _generation_options(func: Command[R]) -> Command[R]:
    """The generation options, as ``generation: GenerationParams``."""
    options: list[Decorator[Any]] = [
        click.option(
            "--model",
            default=None,
            help="Diffusers model id, local model folder, 'demo' (the offline demo model, the default) "
            "or 'tiny' (random weights: tests the code path, makes noise).",
        ),
        click.option("--revision", default=None, help="Hub branch, tag or commit of --model."),
        click.option("--prompt", default=None, help="Prompt (default: a faithful-reproduction prompt)."),
        click.option(
            "--strength", type=float, default=None, help="How far from the source, (0-1]. [default: 0.35; demo 0.1]"
        ),
        click.option("--steps", type=int, default=None, help="Denoising steps. [default: 20; 4 for turbo models]"),
        click.option(
            "--guidance", type=float, default=None, help="Guidance scale. [default: 7.5; 0 for turbo, 1 for demo]"
        ),
        click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same twin)."),
        click.option(
            "--device",
            type=click.Choice(["auto", "cuda", "mps", "cpu"]),
            default="auto",
            show_default=True,
            help="Where to run the model (auto: cuda, then mps, then cpu).",
        ),
        click.option(
            "--dtype",
            type=click.Choice(["auto", "fp32", "fp16", "bf16"]),
            default="auto",
            show_default=True,
            help="Weights precision (auto: fp16 on a GPU, fp32 on CPU).",
        ),
        click.option("--cpu-offload", is_flag=True, help="Keep sub-models on the CPU until needed (less GPU memory)."),
        click.option("--attention-slicing", is_flag=True, help="Compute attention in slices (less memory)."),
        click.option("--vae-tiling", is_flag=True, help="Decode the image tile by tile (large images)."),
    ]
    return option_group(func, GenerationParams, "generation", options)


@click.command(epilog=verdicts.command_exits_help("twin"))
@click.argument("source", type=_SOURCE, required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Output image (.jpg, .png, .webp); a folder with --generations or when SOURCE is a folder.",
)
@click.option(
    "--generations",
    type=click.IntRange(1, 1000),
    default=1,
    show_default=True,
    help="Drift chain: feed each twin into the next, N times; writes a drift report.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(_FORMATS)),
    default="png",
    show_default=True,
    help="Image format of outputs written into a folder.",
)
@click.option(
    "--replay",
    "replay_image",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Regenerate this verified twin from its manifest (SOURCE optional) and check it matches bit for bit.",
)
@_generation_options
@click.option(
    "--user", default=None, help="Author the signed manifest names (required to make a twin; never your login name)."
)
@click.option("--force", is_flag=True, help="Replace outputs that exist.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@signing_options
@pass_context
def twin(
    context: CliContext,
    /,
    source: Path | None,
    output: Path | None,
    generations: int,
    fmt: str,
    replay_image: Path | None,
    user: str | None,
    force: bool,
    as_json: bool,
    generation: GenerationParams,
    signing: SigningParams,
) -> int:
    """Generate a twin of SOURCE with a diffusers image-to-image model, stamped.

    The twin gets an invisible watermark carrying its registry record, a signed
    C2PA manifest (model, generation settings, user, SOURCE as ingredient), and a
    registry row. It is never written unstamped. A source larger than 1024 px on its long side is
    made at that size (the model's working size; the output says so).

    \b
    provenance twin PHOTO -o TWIN.png                 one twin
    provenance twin PHOTO --generations 5 -o OUTDIR   a drift chain and its report
    provenance twin FOLDER -o OUTDIR                  a twin of every image in FOLDER
    provenance twin --replay TWIN.png [PHOTO]         regenerate and compare
    """
    home = context.home
    if replay_image is not None:
        return _replay(home, replay_image, source, generation, as_json)
    if source is None or output is None:
        raise UsageError("twin needs SOURCE and -o OUTPUT (or --replay IMAGE)")
    from provenance.generate import DEMO_NAME, TwinSettings, model_label
    from provenance.twin import TwinMaker

    identity = signing.identity(home)
    if not user:
        # a signed file is published: the login name of whoever ran the command is not put in it unasked
        raise UsageError("twin needs --user NAME: the author its signed manifest names (a login name is never used)")
    model = generation.model or DEMO_NAME
    settings = TwinSettings.for_model(
        model,
        prompt=generation.prompt,
        strength=generation.strength,
        steps=generation.steps,
        guidance=generation.guidance,
        seed=generation.seed,
    )
    if not as_json:
        _model_note(model, explicit=generation.model is not None)
    maker = TwinMaker(
        settings,
        user=user,
        identity=identity,
        home=home,
        load=generation.load_options(),
        options=signing.sign_options(),
    )
    if source.is_dir():
        return _batch(maker, source, output, _FORMATS[fmt], generations, force, as_json)
    if generations > 1:
        return _chain(maker, source, output, _FORMATS[fmt], generations, force, as_json)
    loaded = _load(source, output, maker, force)
    result = maker.make(loaded, output, force=force)
    if as_json:
        made = _stamp_json(result)
        made["model"] = model_label(model)
        click.echo(json.dumps(made, indent=2))
    else:
        _report(result, home)
        click.echo(f"  model       {model_label(model)}")
        if note := _size_note(loaded.pixels().size, result.output):
            click.echo(note)
    return 0


def _size_note(source: tuple[int, int], output: Path) -> str | None:
    """The twin's size when it is not its source's: a walkthrough's 2048 px photo came back at
    1024 px with nothing said (the model works at most MAX_SIDE px on the long side, in 8 px steps)."""
    from PIL import Image

    from provenance.generate.pipeline import MAX_SIDE

    with Image.open(output) as made:
        size = made.size
    if size == source:
        return None
    why = f"fitted to the model's {MAX_SIDE} px long side" if max(source) > MAX_SIDE else "sides rounded to 8 px"
    return f"  size        {size[0]} x {size[1]} (the source is {source[0]} x {source[1]}: {why})"


def _model_note(model: str, *, explicit: bool) -> None:
    """Never make a twin with the demo or tiny model silently: say what it is and how to change it."""
    from provenance.generate import DEMO_DESCRIPTION, DEMO_NAME, TINY_NAME

    if model == TINY_NAME:
        click.echo(
            "Note: the 'tiny' model has random weights; its output is noise, not a picture."
            " It exercises the real pipeline offline.",
            err=True,
        )
    elif model == DEMO_NAME:
        how = "" if explicit else " (no --model given; pass --model ID_OR_FOLDER for another)"
        click.echo(f"Note: model '{DEMO_NAME}', the {DEMO_DESCRIPTION}{how}.", err=True)


def _load(source: Path, output: Path, maker: Any, force: bool) -> Any:
    from provenance.imaging import load_image

    maker.check(output, force=force, inputs=(source,))  # before the slow parts
    return load_image(source)


class _MarkJSON(TypedDict):
    scheme: str
    confidence: float


class StampJSON(TypedDict):
    """``twin --json``: one stamped output."""

    output: str
    record_id: str
    source_record_id: str | None
    source_registered_to: str | None  # the owner the source photo was registered to now (None: it was already)
    watermark: _MarkJSON
    manifest_bytes: int
    fingerprints: dict[str, str]
    model: NotRequired[str]


def _stamp_json(result: StampResult) -> StampJSON:
    return {
        "output": str(result.output),
        "record_id": result.record_id,
        "source_record_id": result.source_record_id,
        "source_registered_to": result.source_registered_to,
        "watermark": {"scheme": watermark.SCHEME, "confidence": round(result.watermark_confidence, 3)},
        "manifest_bytes": len(result.manifest),
        "fingerprints": {f.algorithm: f.value for f in result.fingerprints},
    }


def _chain(maker: Any, source: Path, outdir: Path, fmt: str, generations: int, force: bool, as_json: bool) -> int:
    from provenance.twin.chain import make_chain

    def progress(number: int, result: StampResult) -> None:
        if not as_json:
            click.echo(f"[{number}/{generations}] {result.output}  record {result.record_id}", err=True)

    chain = make_chain(maker, source, outdir, generations, fmt=fmt, force=force, progress=progress)
    if as_json:
        payload = {
            "outdir": str(chain.outdir),
            "generations": [_stamp_json(r) for r in chain.generations],
            "reports": {k: str(v) for k, v in chain.reports.items()},
            "drift": dataclasses.asdict(chain.drift),
        }
        click.echo(json.dumps(payload, indent=2))
        return 0
    from provenance.generate import model_label

    click.echo(f"Wrote {generations} stamped generations to {chain.outdir}")
    click.echo(f"  model {model_label(maker.settings.model)}")
    click.echo(
        f"  {'gen':>4}  {'PDQ':>4}  {'prev':>4}  {'pHash':>5}  {'hue':>7}  {'warmth':>14}  {'sat':>6}  sharp  record"
    )
    for step in chain.drift.steps[1:]:
        warmth = f"{step.temperature} {100 * step.warmth_shift:+.1f}"
        click.echo(
            f"  {step.generation:>4}  {step.to_source.get(fingerprint.PDQ, '-'):>4}  "
            f"{step.to_previous.get(fingerprint.PDQ, '-'):>4}  "
            f"{step.to_source.get(fingerprint.PHASH, '-'):>5}  {step.hue_shift_deg:>+6.1f}°  {warmth:>14}  "
            f"{100 * step.saturation_shift:>+5.1f}  {100 * step.sharpness_ratio:>4.0f}%  {step.record_id}"
        )
    click.echo(
        "  (PDQ/pHash: bits to the source, prev: PDQ bits to the generation before; hue, warmth (red-blue)"
        " and saturation: shift from the source; sharp: sharpness as a share of the source's)"
    )
    for name, path in chain.reports.items():
        click.echo(f"  {name.replace('_', ' '):<13} {path}")
    return 0


def _batch(maker: Any, folder: Path, outdir: Path, fmt: str, generations: int, force: bool, as_json: bool) -> int:
    from provenance.twin.batch import batch_sources, make_batch

    sources = batch_sources(folder)
    if not sources:
        raise UsageError(f"{folder}: no images in this folder")
    if outdir.parent.is_dir():
        outdir.mkdir(exist_ok=True)  # make_batch refuses a missing parent with a clear error
    worst = 0
    items = make_batch(maker, sources, outdir, fmt=fmt, generations=generations, force=force)
    with progress_bar(items, len(sources), "twins", enabled=not as_json) as bar:
        for number, item in enumerate(bar, 1):
            worst = verdicts.most_serious((worst, item.exit_code))
            if as_json:
                click.echo(json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in vars(item).items()}))
            elif item.error:
                bar.echo(f"[{number}/{len(sources)}] error {item.source}: {item.error}", err=True)
            else:
                bar.echo(f"[{number}/{len(sources)}] {item.source} -> {item.output}  record {item.record_id}")
    return worst


def _replay(home: Home, image: Path, source: Path | None, generation: GenerationParams, as_json: bool) -> int:
    from provenance.twin.replay import replay

    explicit = generation.device != "auto" or generation.dtype != "auto"
    model = generation.model  # None: the model the manifest names
    load = generation.load_options() if explicit else None
    result = replay(image, home=home, source=source, model=model, load=load)
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(result) | {"exit_code": result.exit_code}, indent=2))
        return result.exit_code
    verdict = "identical, bit for bit" if result.identical else "DIFFERENT"
    if result.credentials == "recovered":  # a copy: the regeneration is compared with the record, not the copy
        verdict = (
            f"the regeneration is {'identical to the recorded output, bit for bit' if result.identical else verdict}"
        )
    click.echo(f"Replayed {result.image} from {result.source}: {verdict}")
    click.echo(f"  model     {result.model} (revision {result.revision}; recorded {result.recorded_revision})")
    click.echo(f"  seed      {result.seed}; manifest {result.credentials}")
    click.echo(f"  pixels    recorded {result.recorded_pixels_sha256[:16]}..., now {result.pixels_sha256[:16]}...")
    if result.credentials == "recovered" and result.altered is not None:
        differ, detailed = result.altered
        what = f"{differ} of its {detailed} detailed areas do not match" if differ else "content was added around it"
        click.echo(
            f"  this copy lost its manifest and parts of it differ from the twin ({what}): the replay vouches for"
            " the twin, not for what was changed"
        )
    elif result.credentials == "recovered" and result.cropped is not None:
        click.echo(
            f"  this copy lost its manifest and is a crop showing about {result.cropped:.0%} of the twin: its"
            " hashes are not compared with the whole regeneration"
        )
    elif result.credentials == "recovered":
        near = ", ".join(f"{name} {d}" for name, d in result.distances.items())
        click.echo(f"  this copy lost its manifest (re-saved or edited): its distance from the regeneration: {near}")
    if not result.identical and result.recorded_revision != result.revision:
        click.echo("  the model's weights differ from the recorded revision", err=True)
    return result.exit_code


@click.command(epilog=verdicts.command_exits_help("stamp"))
@click.argument("image", type=_PATH)
@click.option("-o", "--output", type=_OUT, required=True, help="Output image (.jpg, .png or .webp).")
@click.option("--user", required=True, help="Author recorded in the manifest (the photographer, for a photo).")
@click.option(
    "--source-type",
    type=click.Choice(["ai", "captured", "edited", "composite", "digital-art"]),
    default=None,
    help="What IMAGE is: an AI image, a newsroom's own photo (IPTC digitalCapture, minorHumanEdits, "
    "compositeCapture), or an artist's own work made with drawing or painting software (digitalCreation); "
    "photos and artworks are registered as originals of the organisation. [default: ai; a file whose "
    "EXIF names a camera must say which]",
)
@click.option("--model", default=None, help="Model that made IMAGE (AI images) [default: none: 'model not stated'].")
@click.option("--edit", "edits", multiple=True, type=click.Choice(EDITS), help="An edit made (repeatable).")
@click.option("--caption", default=None, help="Caption recorded in the manifest.")
@click.option("--credit", default=None, help="Credit line recorded in the manifest.")
@click.option(
    "--title",
    default=None,
    help="Title of the manifest and the registry record, which reports name [default: OUTPUT's file name].",
)
@click.option("--owner", default=None, help="Registry owner [default: the signer's organisation for photos].")
@click.option("--no-ai-training", is_flag=True, help="Record that AI training, inference and mining are not allowed.")
@click.option("--source", type=_PATH, default=None, help="The image IMAGE was made from (ingredient).")
@click.option(
    "--keep-gps",
    is_flag=True,
    help="Keep the GPS location of IMAGE's EXIF (and record it in the manifest); removed by default.",
)
@click.option(
    "--allow-contradiction",
    is_flag=True,
    help="Sign --source-type even when IMAGE's manifest, AI metadata or record here contradicts it, or IMAGE is a"
    " copy of another owner's picture (with a warning).",
)
@click.option("--force", is_flag=True, help="Replace OUTPUT if it exists.")
@signing_options
@pass_context
def stamp(
    context: CliContext,
    /,
    image: Path,
    output: Path,
    user: str,
    source_type: str | None,
    model: str | None,
    edits: tuple[str, ...],
    caption: str | None,
    credit: str | None,
    title: str | None,
    owner: str | None,
    no_ai_training: bool,
    source: Path | None,
    keep_gps: bool,
    allow_contradiction: bool,
    force: bool,
    signing: SigningParams,
) -> int:
    """Stamp IMAGE: watermark, signed manifest, registry row.

    For an AI image made elsewhere (the default; a file whose EXIF names a camera
    must say what it is), or, with --source-type, a newsroom's own photo signed at
    publish time by its organisation. A manifest
    IMAGE already carries (a camera's, an editor's) is kept as its parent ingredient.
    IMAGE's EXIF is kept (not its orientation, thumbnail, maker notes or, unless
    --keep-gps, GPS location); make, model and capture time go into the manifest.
    A --source-type that IMAGE's own manifest or AI metadata contradicts is refused, and
    so is one its record here contradicts (a stripped copy of an AI stamp is still AI).
    """
    from provenance.stamp import stamp_file

    home = context.home
    identity = signing.identity(home)
    result = stamp_file(
        image,
        output,
        user=user,
        model=model,  # none given: none invented (the manifest names none; reports say "model not stated")
        identity=identity,
        home=home,
        source=source,
        force=force,
        options=signing.sign_options(),
        source_type=source_type,
        edits=edits,
        caption=caption,
        credit=credit,
        title=title,
        owner=owner,
        ai_training=False if no_ai_training else None,
        keep_gps=keep_gps,
        allow_contradiction=allow_contradiction,
    )
    _report(result, home)
    return 0
