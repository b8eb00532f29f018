"""Recognise generator metadata: who made the image, with which model and prompt.

The readers look at content, not at one carrier per tool: every text field the
file carries (PNG chunks, EXIF tags in any IFD, XMP, JPEG comments, see
:mod:`provenance.detect.metadata`) is tried as AUTOMATIC1111-style parameters, a
ComfyUI graph or workflow (JSON), Fooocus, SwarmUI or InvokeAI JSON, because tools write
the same facts to different places (ComfyUI's WebP saver to EXIF Make/Model, JPEG
savers to UserComment, some to IFD0). NovelAI, InvokeAI's ``Dream`` line, names of
known generators in free-text fields (data/generators.json) and the IPTC digital
source type in XMP complete the list. SwarmUI's ``sui_image_params`` JSON too. Prompts are kept whole: the data carries
them, a display may shorten them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from provenance.detect import comfyui
from provenance.detect.metadata import Metadata, TextField
from provenance.detect.sources import describe
from provenance.report import Signal

_MAX_JSON = 2 * 1024 * 1024
# Fields a tool writes about itself: a generator's name there is the file saying which tool made it.
_TOOL_FIELDS = frozenset({"Software", "parameters", "xmp:CreatorTool", "tiff:Software"})
# Free-text fields (captions, titles, comments, credits): a generator's name there is the file's word
# only when the text is a maker's line ("Created with Midjourney v6.1", or the name alone); else it is
# a mention, listed and not counted. A walkthrough's camera photos, captioned "A firefly glows over a
# meadow" or "A student uses ChatGPT on a laptop", read "AI-generated" (and stamp refused them as captured).
_NAME_FIELDS = _TOOL_FIELDS | frozenset(
    {
        "ImageDescription",
        "Artist",
        "UserComment",
        "XPComment",
        "XPTitle",
        "XPSubject",
        "Title",
        "Source",
        "Comment",
        "Description",
        "tiff:ImageDescription",
        "tiff:Artist",
        "exif:UserComment",
        "dc:description",
        "dc:title",
        "photoshop:Credit",
        "dc:creator",
    }
)
# A maker's line: "made with" and its kin before the name ("Created with Midjourney v6.1"), or a credit
# ("Image by Midjourney", "Illustration: Midjourney", "AI generated image (Midjourney)"); else the name
# itself first, with at most a version and such words after it ("Midjourney v6.1", "Midjourney AI art")
_NOUN = r"(?:image|picture|art(?:work)?|illustration|photo(?:graph)?|graphic)"
_VERB = r"(?:ai[\s-]*)?(?:generated|created|made|rendered|produced|imagined|drawn|designed)"
_MAKERS_LINE = re.compile(
    r"\A\W*(?:(?:an?|this)\s+)?(?:ai[\s-]*)?(?:"
    rf"(?P<verb>(?:{_NOUN}\s+)?{_VERB}\s+(?:with|by|using|in|on|via)\s+(?:the\s+)?)"  # made with
    rf"|(?P<credit>(?:{_VERB}\s+)?{_NOUN}\s*(?:by\s+|from\s+|:\s*|\(\s*|[-\u2013\u2014]\s*))"  # image by
    r")",
    re.IGNORECASE,
)
_MAKERS_BRAND = re.compile(r"\A(?:adobe|openai|google|microsoft|stability ai|black forest labs|bytedance|xai)\s+", re.I)
_VERSION = re.compile(
    r"(?:v?\d[\w.]*|\(.*\)|xl|turbo|image|images|pro|ultra|dev|schnell|beta|preview|hd|mini|v|ai|art|artwork"
    r"|illustration|generated)[,.;:)]?",
    re.I,
)
_SEGMENTS = re.compile(r"[.;|\n]\s+|\s[-\u2013\u2014]\s")  # a caption's sentences, a credit after a dash
_MAKERS_WORDS = 6  # a maker's line that is the name alone, or "Created with Midjourney v6.1": at most this many words
_NAME_CONTAINERS = frozenset({"JPEG COM segment", "GIF comment"})
_JSON_START = re.compile(r"\A\s*(?:[A-Za-z_]{1,16}:)?\s*(?=[{\[])")  # ComfyUI's "prompt:{...}" prefix
_A1111_STEPS = re.compile(r"(?m)^\s*Steps: \d")


@cache
def _generator_entries() -> list[tuple[str, re.Pattern[str], bool]]:
    """Each known generator: its name, its patterns as one, and whether its name is also a word or
    another's (``ambiguous``)."""
    raw = resources.files("provenance.detect").joinpath("data/generators.json").read_text(encoding="utf-8")
    return [
        (
            entry["name"],
            re.compile(r"(?<![\w])(?:" + "|".join(entry["patterns"]) + r")(?![\w])", re.IGNORECASE),
            bool(entry.get("ambiguous")),
        )
        for entry in json.loads(raw)["generators"]
    ]


def known_generator(text: str) -> str | None:
    """The generator a free-text field names, if it names one we know."""
    for name, pattern, _ in _generator_entries():
        if pattern.search(text):
            return name
    return None


def makers_line(text: str) -> str | None:
    """The generator ``text`` names as its maker, in one of its sentences of at most
    :data:`_MAKERS_WORDS` words: one that opens with "made with" (created by, generated using, ...)
    or a credit ("Image by", "Illustration:") and the name, or the name itself with at most a
    version ("Midjourney v6.1", "Adobe Firefly Image 3"). A name that is also a word or another's
    (Firefly, Kandinsky: ``ambiguous`` in data/generators.json) counts alone only with its maker's
    brand ("Adobe Firefly"). None for prose that mentions one ("A student uses ChatGPT", "Protest
    against Midjourney") or a name that begins other words ("ComfyUI Photography Ltd")."""
    for segment in _SEGMENTS.split(" ".join(text.split())):
        if segment and len(segment.split()) <= _MAKERS_WORDS and (name := _makers_segment(segment)):
            return name
    return None


def _makers_segment(segment: str) -> str | None:
    """The generator one sentence names as its maker (:func:`makers_line`), or None."""
    said = _MAKERS_LINE.match(segment)
    tries = [(segment, None)] + ([(segment[said.end() :], said)] if said else [])
    for rest, how in tries:
        unbranded = _MAKERS_BRAND.sub("", rest, count=1)
        for name, pattern, ambiguous in _generator_entries():
            found = pattern.match(unbranded)
            if found is None:
                continue
            plain = all(_VERSION.fullmatch(word) for word in unbranded[found.end() :].split())
            if ambiguous:  # "Photo: Firefly Aerospace", "Kandinsky": its brand or "made with" it, and a version
                if plain and (unbranded != rest or (how is not None and how.group("verb"))):
                    return name
            elif how is not None or plain:
                return name
    return None


def _json(text: str) -> Any:
    """The JSON value a field holds (after a ``word:`` prefix), or None."""
    match = _JSON_START.match(text)
    if match is None or len(text) > _MAX_JSON:
        return None
    try:
        return json.loads(text[match.end() :])
    except ValueError:
        return None


def _short(text: str | None, limit: int = 160) -> str | None:
    """For evidence sentences only; prompts are never shortened."""
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _whole(text: object) -> str | None:
    """A prompt as the file has it, minus surrounding whitespace; None when empty."""
    if isinstance(text, list):
        text = "\n\n".join(str(t).strip() for t in text if str(t).strip())
    if text is None:
        return None
    stripped = str(text).strip()
    return stripped or None


def parse_a1111(text: str) -> dict[str, str | None]:
    """AUTOMATIC1111-style parameters: prompt, negative prompt, then 'Key: value, ...'."""
    lines = text.strip().splitlines()
    settings_line = next((ln for ln in reversed(lines) if ln.startswith("Steps:")), "")
    prompt_lines: list[str] = []
    negative_lines: list[str] = []
    target = prompt_lines
    for line in lines:
        if line.startswith("Steps:"):
            break
        if line.startswith("Negative prompt:"):
            target = negative_lines
        target.append(line.removeprefix("Negative prompt:").lstrip() if target is negative_lines else line)
    settings = dict(re.findall(r"([A-Za-z][\w ]*?): (\"[^\"]*\"|[^,]+)(?:,|$)", settings_line))
    version = settings.get("Version", "")
    if "Civitai resources" in text or "Civitai metadata" in text:
        tool = "Civitai (A1111-style parameters)"
    elif "fooocus" in version.lower():
        tool = "Fooocus (A1111-style parameters)"
    elif version.startswith("f"):
        tool = "Stable Diffusion WebUI Forge"
    elif "SD.Next" in text or settings.get("App") == "SD.Next":
        tool = "SD.Next"
    else:
        tool = "AUTOMATIC1111 Stable Diffusion web UI (or a compatible tool)"
    return {
        "generator": tool,
        "model": settings.get("Model"),
        "prompt": _whole("\n".join(prompt_lines)),
        "negative_prompt": _whole("\n".join(negative_lines)),
    }


@dataclass
class _Carried:
    """What one field turned out to carry."""

    field: TextField
    kind: str  # a1111, comfyui-graph, comfyui-workflow, fooocus, swarmui, invokeai, invokeai-legacy, invokeai-dream
    value: Any


def _classify(item: TextField, *, fooocus_scheme: bool) -> list[_Carried]:
    """Every generator record one field holds (a JSON wrapper may hold a graph and a workflow)."""
    if item.key == "Dream":
        return [_Carried(item, "invokeai-dream", item.text)]
    data = _json(item.text) if "{" in item.text[:64] else None
    if isinstance(data, dict):
        return _classify_json(item, data, fooocus_scheme=fooocus_scheme)
    if data is None and (_looks_a1111(item.text) or (item.key == "parameters" and item.text.strip())):
        return [_Carried(item, "a1111", item.text)]
    return []


def _classify_json(item: TextField, data: dict[str, Any], *, fooocus_scheme: bool) -> list[_Carried]:
    if comfyui.is_graph(data):
        return [_Carried(item, "comfyui-graph", data)]
    if comfyui.is_workflow(data):
        return [_Carried(item, "comfyui-workflow", data)]
    wrapped = [
        _Carried(item, kind, value)
        for key, kind, test in (
            ("prompt", "comfyui-graph", comfyui.is_graph),
            ("workflow", "comfyui-workflow", comfyui.is_workflow),
        )
        if test(value := (_json(data[key]) if isinstance(data.get(key), str) else data.get(key)))
    ]
    if wrapped:
        return wrapped
    if isinstance(data.get("sui_image_params"), dict):
        return [_Carried(item, "swarmui", data["sui_image_params"])]
    if "positive_prompt" in data and ("generation_mode" in data or "model" in data):
        return [_Carried(item, "invokeai", data)]
    if "invoke" in str(data.get("app_id", "")).lower() or item.key == "sd-metadata":
        return [_Carried(item, "invokeai-legacy", data)]
    has_model = "base_model" in data or "Base Model" in data
    has_prompt = any(k in data for k in ("prompt", "Prompt", "full_prompt"))
    if (has_model and has_prompt) or (fooocus_scheme and item.key == "parameters"):
        return [_Carried(item, "fooocus", data)]
    return []


def _looks_a1111(text: str) -> bool:
    return bool(_A1111_STEPS.search(text)) and ("Sampler:" in text or "CFG scale:" in text)


def _carried(meta: Metadata) -> list[_Carried]:
    scheme = meta.first("fooocus_scheme")
    fooocus_scheme = scheme is not None and scheme.text.strip().lower() == "fooocus"
    return [found for item in meta.fields for found in _classify(item, fooocus_scheme=fooocus_scheme)]


def _places(found: list[_Carried]) -> str:
    wheres = list(dict.fromkeys(f.field.where for f in found))
    return " and ".join(wheres)


def _a1111_signal(found: list[_Carried]) -> Iterator[Signal]:
    first = next((f for f in found if f.kind == "a1111"), None)
    if first is None:
        return
    parsed = parse_a1111(first.value)
    model = parsed["model"]
    using = f" using the model {model}" if model else ""
    yield Signal(
        kind="a1111.parameters",
        source=first.field.where,
        evidence=f"The file carries Stable Diffusion generation settings written by {parsed['generator']}{using}.",
        generator=parsed["generator"],
        model=model,
        prompt=parsed["prompt"],
        negative_prompt=parsed["negative_prompt"],
    )


def _comfy_signal(found: list[_Carried]) -> Iterator[Signal]:
    graphs = [f for f in found if f.kind == "comfyui-graph"]
    workflows = [f for f in found if f.kind == "comfyui-workflow"]
    if not graphs and not workflows:
        return
    graph = graphs[0].value if graphs else None
    models = comfyui.models(graph) or comfyui.workflow_models(workflows[0].value if workflows else None)
    model = ", ".join(models) if models else None
    using = f" using {model}" if model else ""
    prompts = comfyui.prompts(graph) if graph is not None else comfyui.Prompts([], [])
    yield Signal(
        kind="comfyui.workflow",
        source=_places(graphs[:1] + workflows[:1]),
        evidence=f"The file carries a ComfyUI generation graph: it was generated with ComfyUI{using}.",
        generator="ComfyUI",
        model=model,
        prompt=_whole(prompts.positive),
        negative_prompt=_whole(prompts.negative),
    )


def _fooocus_signal(found: list[_Carried]) -> Iterator[Signal]:
    first = next((f for f in found if f.kind == "fooocus"), None)
    if first is None:
        return
    data = first.value
    model = data.get("base_model") or data.get("Base Model")
    yield Signal(
        kind="fooocus.parameters",
        source=f"{first.field.where} (Fooocus scheme)",
        evidence=f"The file carries Fooocus generation settings: made with Fooocus using {model}.",
        generator="Fooocus",
        model=str(model) if model else None,
        prompt=_whole(data.get("prompt") or data.get("Prompt")),
        negative_prompt=_whole(data.get("negative_prompt") or data.get("Negative Prompt")),
    )


def _swarmui_signal(found: list[_Carried]) -> Iterator[Signal]:
    first = next((f for f in found if f.kind == "swarmui"), None)
    if first is None:
        return
    params = first.value
    model = params.get("model")
    using = f" using {model}" if model else ""
    yield Signal(
        kind="swarmui.parameters",
        source=first.field.where,
        evidence=f"The file carries SwarmUI generation settings: made with SwarmUI{using}.",
        generator="SwarmUI",
        model=str(model) if model else None,
        prompt=_whole(params.get("prompt")) if isinstance(params.get("prompt"), str) else None,
        negative_prompt=_whole(params.get("negativeprompt")) if isinstance(params.get("negativeprompt"), str) else None,
    )


def _invokeai_signal(found: list[_Carried]) -> Iterator[Signal]:
    mine = [f for f in found if f.kind.startswith("invokeai")]
    if not mine:
        return
    by_kind = {f.kind: f.value for f in reversed(mine)}  # first of each kind wins
    model: object = None
    prompt: object = None
    negative: object = None
    if isinstance(meta := by_kind.get("invokeai"), dict):
        info = meta.get("model") or {}
        model = (info.get("model_name") or info.get("name")) if isinstance(info, dict) else info
        prompt, negative = meta.get("positive_prompt"), meta.get("negative_prompt")
    elif isinstance(legacy := by_kind.get("invokeai-legacy"), dict):
        model = legacy.get("model_weights") or legacy.get("model")
        image = legacy.get("image") or {}
        prompt = image.get("prompt") if isinstance(image, dict) else None
        if isinstance(prompt, list) and prompt and isinstance(prompt[0], dict):
            prompt = prompt[0].get("prompt")
    if prompt is None and "invokeai-dream" in by_kind:
        match = re.match(r'\s*"([^"]*)"', by_kind["invokeai-dream"])
        prompt = match.group(1) if match else by_kind["invokeai-dream"]
    using = f" using {model}" if model else ""
    yield Signal(
        kind="invokeai.metadata",
        source=_places(mine),
        evidence=f"The file carries InvokeAI generation metadata: made with InvokeAI{using}.",
        generator="InvokeAI",
        model=str(model) if model else None,
        prompt=_whole(prompt) if isinstance(prompt, (str, list)) else None,
        negative_prompt=_whole(negative) if isinstance(negative, (str, list)) else None,
    )


def _novelai_signal(meta: Metadata) -> Iterator[Signal]:
    software = next((f for f in meta.fields if f.key == "Software" and f.text.strip().lower() == "novelai"), None)
    if software is None:
        return
    source, description = meta.first("Source"), meta.first("Description")
    where = software.where + (f" and {source.where}" if source else "")
    yield Signal(
        kind="novelai.metadata",
        source=where,
        evidence=f"The file says it was made by NovelAI ({source.text if source else 'model not named'}).",
        generator="NovelAI",
        model=source.text if source else None,
        prompt=_whole(description.text) if description else None,
    )


def named_generator_signals(meta: Metadata, already: set[str], skip: set[int]) -> Iterator[Signal]:
    """Generator names in free-text fields (Software, CreatorTool, descriptions, comments);
    fields already read as generator records (``skip``: their ids) are not searched again. A
    tool's own field, or a maker's line in a caption (:func:`makers_line`), says AI; a caption
    that mentions a generator in passing is listed as information, never counted."""
    mentioned: set[str] = set()
    for item in meta.fields:
        if id(item) in skip or not (item.key in _NAME_FIELDS or item.container in _NAME_CONTAINERS):
            continue
        text = item.text[:4096]
        own = item.key in _TOOL_FIELDS
        name = known_generator(text) if own else makers_line(text)
        if name and name not in already:
            already.add(name)
            yield Signal(
                kind="metadata.generator",
                source=item.where,
                evidence=f"The {item.where} field names an AI image generator: {name} ({_short(text, 80)}).",
                generator=name,
            )
        elif not name and (named := known_generator(text)) and named not in already | mentioned:
            mentioned.add(named)
            yield Signal(
                kind="metadata.mention",
                source=item.where,
                evidence=(
                    f"The {item.where} field mentions {named} ({_short(text, 80)}): a caption may be about a"
                    " generator without the picture being made by it, so this is not counted as evidence of AI."
                ),
                strength="info",  # and no generator: nothing says one made it
            )


def xmp_source_type_signals(meta: Metadata) -> Iterator[Signal]:
    """IPTC DigitalSourceType in XMP: unsigned, so it can say AI (or computer-made,
    not AI) but never 'captured'."""
    for item in meta.fields:
        if item.container != "XMP" or item.key != "Iptc4xmpExt:DigitalSourceType":
            continue
        term, words, strength = describe(item.text)
        if strength in ("ai-generated", "ai-edited", "info"):
            not_ai = "; that is not AI" if strength == "info" else ""
            yield Signal(
                kind="xmp.digitalSourceType",
                source="XMP Iptc4xmpExt:DigitalSourceType",
                evidence=f"The file's (unsigned) IPTC metadata says the image was {words} ({term}){not_ai}.",
                strength=strength,
            )


def metadata_signals(meta: Metadata) -> list[Signal]:
    """Every generator signal the file's metadata carries, in any container, without touching pixels."""
    found = _carried(meta)
    signals = [
        *_fooocus_signal(found),
        *_a1111_signal(found),
        *_comfy_signal(found),
        *_swarmui_signal(found),
        *_invokeai_signal(found),
        *_novelai_signal(meta),
        *xmp_source_type_signals(meta),
    ]
    named = {s.generator for s in signals if s.generator}
    if any(s.kind in ("a1111.parameters", "novelai.metadata") for s in signals):
        named |= {"AUTOMATIC1111 Stable Diffusion web UI", "Stable Diffusion"}  # already explained
    consumed = {id(f.field) for f in found}
    signals += list(named_generator_signals(meta, {n for n in named if n}, consumed))
    return signals
