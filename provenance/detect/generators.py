"""Recognise generator metadata: who made the image, with which model and prompt.

Each reader looks at one well-known carrier (A1111 ``parameters``, ComfyUI
graphs, InvokeAI, NovelAI, Fooocus, Civitai, generator names in Software or
CreatorTool, IPTC digital source type in XMP) and returns plain-words signals.
The list of generator names is data (data/generators.json), not code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from provenance.detect.metadata import Metadata
from provenance.detect.sources import describe
from provenance.report import Signal

_MAX_JSON = 2 * 1024 * 1024
_INVOKE_KEYS = ("invokeai_metadata", "sd-metadata", "Dream")
_PNG_NAME_FIELDS = ("Software", "Title", "Source", "Comment", "Description")


@cache
def _generator_patterns() -> list[tuple[str, re.Pattern[str]]]:
    raw = resources.files("provenance.detect").joinpath("data/generators.json").read_text(encoding="utf-8")
    return [
        (entry["name"], re.compile(r"(?<![\w])(?:" + "|".join(entry["patterns"]) + r")(?![\w])", re.IGNORECASE))
        for entry in json.loads(raw)["generators"]
    ]


def known_generator(text: str) -> str | None:
    """The generator a free-text field names, if it names one we know."""
    for name, pattern in _generator_patterns():
        if pattern.search(text):
            return name
    return None


def _json(text: str) -> Any:
    if len(text) > _MAX_JSON:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _short(text: str | None, limit: int = 160) -> str | None:
    if not text:
        return None
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_a1111(text: str) -> dict[str, str | None]:
    """AUTOMATIC1111-style parameters: prompt, negative prompt, then 'Key: value, ...'."""
    lines = text.strip().splitlines()
    settings_line = next((ln for ln in reversed(lines) if ln.startswith("Steps:")), "")
    prompt_lines = []
    for line in lines:
        if line.startswith(("Negative prompt:", "Steps:")):
            break
        prompt_lines.append(line)
    settings = dict(re.findall(r"([A-Za-z][\w ]*?): (\"[^\"]*\"|[^,]+)(?:,|$)", settings_line))
    version = settings.get("Version", "")
    if "Civitai resources" in text or "Civitai metadata" in text:
        tool = "Civitai (A1111-style parameters)"
    elif version.startswith("f"):
        tool = "Stable Diffusion WebUI Forge"
    elif "SD.Next" in text or settings.get("App") == "SD.Next":
        tool = "SD.Next"
    else:
        tool = "AUTOMATIC1111 Stable Diffusion web UI (or a compatible tool)"
    return {"generator": tool, "model": settings.get("Model"), "prompt": "\n".join(prompt_lines) or None}


def _comfy_models(graph: Any) -> list[str]:
    """Model file names referenced by a ComfyUI API-format graph ({id: {inputs, class_type}})."""
    found: list[str] = []
    if not isinstance(graph, dict):
        return found
    for node in graph.values():
        inputs = node.get("inputs") if isinstance(node, dict) else None
        if not isinstance(inputs, dict):
            continue
        for key in ("ckpt_name", "unet_name"):
            value = inputs.get(key)
            if isinstance(value, str) and value not in found:
                found.append(value)
    return found


def _comfy_workflow_models(workflow: Any) -> list[str]:
    """Model names from a ComfyUI UI-format workflow (nodes with widgets_values)."""
    found: list[str] = []
    nodes = workflow.get("nodes") if isinstance(workflow, dict) else None
    for node in nodes or []:
        if not isinstance(node, dict) or "Loader" not in str(node.get("type", "")):
            continue
        for value in node.get("widgets_values") or []:
            is_model = isinstance(value, str) and value.endswith((".safetensors", ".ckpt", ".gguf", ".pt", ".sft"))
            if is_model and value not in found:
                found.append(value)
    return found


def _comfy_prompt(graph: Any) -> str | None:
    if not isinstance(graph, dict):
        return None
    for node in graph.values():
        if isinstance(node, dict) and str(node.get("class_type", "")).startswith("CLIPTextEncode"):
            text = (node.get("inputs") or {}).get("text")
            if isinstance(text, str) and text.strip():
                return text
    return None


def _comfy_signal(prompt_text: str | None, workflow_text: str | None, source: str) -> Signal | None:
    graph = _json(prompt_text) if prompt_text else None
    workflow = _json(workflow_text) if workflow_text else None
    if graph is None and workflow is None:
        return None
    models = _comfy_models(graph) or _comfy_workflow_models(workflow)
    model = ", ".join(models) if models else None
    using = f" using {model}" if model else ""
    return Signal(
        kind="comfyui.workflow",
        source=source,
        evidence=f"The file carries a ComfyUI generation graph: it was generated with ComfyUI{using}.",
        generator="ComfyUI",
        model=model,
        prompt=_short(_comfy_prompt(graph)),
    )


def png_signals(meta: Metadata) -> Iterator[Signal]:
    text = meta.png_text
    params = text.get("parameters")
    if params and ("fooocus_scheme" in text or params.lstrip().startswith("{")):
        data = _json(params)
        if isinstance(data, dict) and data:
            model = data.get("base_model") or data.get("Base Model")
            yield Signal(
                kind="fooocus.parameters",
                source="PNG text chunk 'parameters' (Fooocus scheme)",
                evidence=f"The file carries Fooocus generation settings: made with Fooocus using {model}.",
                generator="Fooocus",
                model=str(model) if model else None,
                prompt=_short(str(data.get("prompt") or data.get("Prompt") or "")),
            )
    elif params:
        parsed = parse_a1111(params)
        yield _a1111_signal(parsed, "PNG text chunk 'parameters'")
    if "prompt" in text or "workflow" in text:
        signal = _comfy_signal(text.get("prompt"), text.get("workflow"), "PNG text chunks 'prompt'/'workflow'")
        if signal:
            yield signal
    yield from _invokeai(text)
    if text.get("Software", "").strip().lower() == "novelai":
        yield Signal(
            kind="novelai.metadata",
            source="PNG text chunks 'Software'/'Source'",
            evidence=f"The file says it was made by NovelAI ({text.get('Source', 'model not named')}).",
            generator="NovelAI",
            model=text.get("Source"),
            prompt=_short(text.get("Description")),
        )


def _a1111_signal(parsed: dict[str, str | None], source: str) -> Signal:
    model = parsed["model"]
    using = f" using the model {model}" if model else ""
    return Signal(
        kind="a1111.parameters",
        source=source,
        evidence=f"The file carries Stable Diffusion generation settings written by {parsed['generator']}{using}.",
        generator=parsed["generator"],
        model=model,
        prompt=_short(parsed["prompt"]),
    )


def _invokeai(text: dict[str, str]) -> Iterator[Signal]:
    meta = _json(text["invokeai_metadata"]) if "invokeai_metadata" in text else None
    legacy = _json(text["sd-metadata"]) if "sd-metadata" in text else None
    if not (meta or legacy or "Dream" in text):
        return
    model = prompt = None
    if isinstance(meta, dict):
        info = meta.get("model") or {}
        model = (info.get("model_name") or info.get("name")) if isinstance(info, dict) else str(info)
        prompt = meta.get("positive_prompt")
    elif isinstance(legacy, dict):
        model = legacy.get("model_weights") or legacy.get("model")
        image = legacy.get("image") or {}
        prompt = image.get("prompt") if isinstance(image, dict) else None
        if isinstance(prompt, list) and prompt and isinstance(prompt[0], dict):
            prompt = prompt[0].get("prompt")
    if prompt is None and "Dream" in text:
        match = re.match(r'\s*"([^"]*)"', text["Dream"])
        prompt = match.group(1) if match else text["Dream"]
    using = f" using {model}" if model else ""
    yield Signal(
        kind="invokeai.metadata",
        source="PNG text chunks "
        + ", ".join(repr(k) for k in ("invokeai_metadata", "sd-metadata", "Dream") if k in text),
        evidence=f"The file carries InvokeAI generation metadata: made with InvokeAI{using}.",
        generator="InvokeAI",
        model=str(model) if model else None,
        prompt=_short(str(prompt)) if prompt else None,
    )


def exif_signals(meta: Metadata) -> Iterator[Signal]:
    exif = meta.exif
    comment = exif.get("UserComment", "")
    if "Steps:" in comment and ("Sampler:" in comment or "CFG scale:" in comment):
        yield _a1111_signal(parse_a1111(comment), "EXIF UserComment")
    make, model = exif.get("Make", ""), exif.get("Model", "")
    if make.startswith("workflow:") or model.startswith("prompt:"):
        signal = _comfy_signal(
            model.removeprefix("prompt:") or None, make.removeprefix("workflow:") or None, "EXIF Make/Model"
        )
        if signal:
            yield signal


def named_generator_signals(meta: Metadata, already: set[str]) -> Iterator[Signal]:
    """Generator names in free-text fields (Software, CreatorTool, descriptions)."""
    fields = {f"EXIF {k}": v for k, v in meta.exif.items() if k in ("Software", "ImageDescription", "Artist")}
    fields.update(
        {
            f"PNG text '{k}'": v
            for k, v in meta.png_text.items()
            if k in ("Software", "Title", "Source", "Comment", "Description")
        }
    )
    if meta.xmp:
        for tag in ("xmp:CreatorTool", "dc:description", "photoshop:Credit", "dc:creator"):
            for value in _xmp_values(meta.xmp, tag):
                fields[f"XMP {tag}"] = value
    for where, value in fields.items():
        name = known_generator(value[:4096])
        if name and name not in already:
            already.add(name)
            yield Signal(
                kind="metadata.generator",
                source=where,
                evidence=f"The {where} field names an AI image generator: {name} ({_short(value, 80)}).",
                generator=name,
            )


def xmp_source_type_signals(meta: Metadata) -> Iterator[Signal]:
    """IPTC DigitalSourceType in XMP: unsigned, so it can say AI (or computer-made,
    not AI) but never 'captured'."""
    if not meta.xmp:
        return
    for value in _xmp_values(meta.xmp, "Iptc4xmpExt:DigitalSourceType"):
        term, words, strength = describe(value)
        if strength in ("ai-generated", "ai-edited", "info"):
            not_ai = "; that is not AI" if strength == "info" else ""
            yield Signal(
                kind="xmp.digitalSourceType",
                source="XMP Iptc4xmpExt:DigitalSourceType",
                evidence=f"The file's (unsigned) IPTC metadata says the image was {words} ({term}){not_ai}.",
                strength=strength,
            )


def _xmp_values(xmp: str, tag: str) -> list[str]:
    """Values of an XMP property, as attribute or element (rdf:li items included)."""
    prefix = re.escape(tag)
    values = re.findall(prefix + r'\s*=\s*"([^"]*)"', xmp)
    for block in re.findall(r"<" + prefix + r"\b[^>]*>(.*?)</" + prefix + ">", xmp, re.DOTALL):
        items = re.findall(r"<rdf:li\b[^>]*>(.*?)</rdf:li>", block, re.DOTALL)
        values.extend(items or [block])
    resources_ = re.findall(prefix + r'\s+rdf:resource\s*=\s*"([^"]*)"', xmp)
    return [v.strip() for v in values + resources_ if v.strip()]


def metadata_signals(meta: Metadata) -> list[Signal]:
    """Every generator signal the file's metadata carries, without touching pixels."""
    signals = [*png_signals(meta), *exif_signals(meta), *xmp_source_type_signals(meta)]
    named = {s.generator for s in signals if s.generator}
    if any(s.kind in ("a1111.parameters", "novelai.metadata") for s in signals):
        named |= {"AUTOMATIC1111 Stable Diffusion web UI", "Stable Diffusion"}  # already explained
    signals += list(named_generator_signals(meta, {n for n in named if n}))
    return signals
