"""ComfyUI graphs: which models a graph loads and which prompts it was conditioned on.

An API-format graph is ``{node id: {"class_type", "inputs"}}`` where an input is
a value or a link ``[source node id, output slot]``. Text encoders do not say
whether they are the positive or the negative prompt: only the sampler's
``positive`` and ``negative`` inputs do. So the prompts are found by following
each sampler's inputs back through the conditioning nodes (combine, set-area,
guidance, ControlNet, guiders...) to the text encoders, samplers nearest the
saved image first. The first text encoder in the file is often the negative one.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

MAX_NODES = 10_000
_MODEL_INPUTS = ("ckpt_name", "unet_name")
_MODEL_SUFFIXES = (".safetensors", ".ckpt", ".gguf", ".pt", ".sft")
# Inputs of a text encoder that hold prompt text (CLIPTextEncode, SDXL, SD3, Flux, HunyuanDiT...).
_TEXT_INPUTS = ("text", "text_g", "text_l", "t5xxl", "clip_l", "clip_g", "prompt", "bert", "mt5xl", "llama")
# Inputs of a string node a text input may be linked to.
_STRING_INPUTS = ("text", "string", "value", "prompt", "text_positive", "text_negative")


@dataclass
class Prompts:
    """Distinct prompt texts, in order: the samplers nearest the output first."""

    positive: list[str]
    negative: list[str]


def is_graph(data: Any) -> bool:
    """An API-format graph: every node a dict, at least one with a class_type."""
    if not isinstance(data, dict) or not data or len(data) > MAX_NODES:
        return False
    nodes = list(data.values())
    return all(isinstance(n, dict) for n in nodes) and any("class_type" in n for n in nodes)


def is_workflow(data: Any) -> bool:
    """A UI-format workflow: a list of nodes, and links or node ids."""
    return (
        isinstance(data, dict) and isinstance(data.get("nodes"), list) and ("links" in data or "last_node_id" in data)
    )


def _inputs(node: Any) -> dict[str, Any]:
    inputs = node.get("inputs") if isinstance(node, dict) else None
    return inputs if isinstance(inputs, dict) else {}


def _link(value: Any) -> str | None:
    """The source node id of a link input ``[id, slot]``, or None for a plain value."""
    if isinstance(value, list) and len(value) == 2 and isinstance(value[1], int) and isinstance(value[0], (str, int)):
        return str(value[0])
    return None


def models(graph: Any) -> list[str]:
    """Model file names the graph loads (checkpoint and UNet loaders)."""
    found: list[str] = []
    if not isinstance(graph, dict):
        return found
    for node in graph.values():
        for key in _MODEL_INPUTS:
            value = _inputs(node).get(key)
            if isinstance(value, str) and value not in found:
                found.append(value)
    return found


def workflow_models(workflow: Any) -> list[str]:
    """Model names from a UI-format workflow (loader nodes' widgets_values)."""
    found: list[str] = []
    nodes = workflow.get("nodes") if isinstance(workflow, dict) else None
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or "Loader" not in str(node.get("type", "")):
            continue
        values = node.get("widgets_values")
        for value in values if isinstance(values, list) else []:
            if isinstance(value, str) and value.endswith(_MODEL_SUFFIXES) and value not in found:
                found.append(value)
    return found


def _class(node: Any) -> str:
    return str(node.get("class_type", "")) if isinstance(node, dict) else ""


def _is_encoder(node: Any) -> bool:
    name = _class(node)
    return "TextEncode" in name or "PromptEncode" in name or name.startswith("CLIPText")


def _is_sampler(node: Any) -> bool:
    """A node that turns conditioning into latents: KSampler(Advanced), SamplerCustom(Advanced)..."""
    inputs = _inputs(node)
    return ("positive" in inputs or "guider" in inputs) and any(k in inputs for k in ("latent_image", "latent"))


def _sampler_order(graph: dict[str, Any]) -> list[str]:
    """Sampler ids, breadth-first from the graph's sinks (the save/preview nodes)."""
    targets = {src for node in graph.values() for v in _inputs(node).values() if (src := _link(v)) is not None}
    queue = deque(node_id for node_id in graph if node_id not in targets)
    seen = set(queue)
    order: list[str] = []
    while queue:
        node_id = queue.popleft()
        if _is_sampler(graph[node_id]):
            order.append(node_id)
        for value in _inputs(graph[node_id]).values():
            src = _link(value)
            if src is not None and src in graph and src not in seen:
                seen.add(src)
                queue.append(src)
    order += [node_id for node_id, node in graph.items() if node_id not in seen and _is_sampler(node)]
    return order


def _encoder_texts(graph: dict[str, Any], node: Any, side: str) -> list[str]:
    out: list[str] = []
    inputs = _inputs(node)
    both = "positive_prompt" in inputs or "negative_prompt" in inputs  # one encoder for both sides (Wan)
    for key in (f"{side}_prompt",) if both else _TEXT_INPUTS:
        value = inputs.get(key)
        src = _link(value)
        if src is not None:  # text from a string/primitive node
            value = next((v for k in _STRING_INPUTS if isinstance(v := _inputs(graph.get(src)).get(k), str)), None)
        if isinstance(value, str) and value.strip() and value.strip() not in out:
            out.append(value.strip())
    return out


def _follow(graph: dict[str, Any], node: Any, side: str) -> list[str]:
    """The inputs to walk up from a conditioning node, for the positive or negative side."""
    inputs = _inputs(node)
    if _class(node) == "ConditioningZeroOut":
        return []  # a zeroed prompt: its text does not count
    if "positive" in inputs or "negative" in inputs or "Guider" in _class(node):
        # ControlNet apply, guiders: each side follows its own input (a BasicGuider has no negative)
        names = [side] if side == "negative" else [k for k in inputs if k != "negative" and _conditioning(k)]
    else:
        names = [k for k in inputs if _conditioning(k)]
    return [src for k in names if (src := _link(inputs.get(k))) is not None and src in graph]


def _conditioning(name: str) -> bool:
    return "cond" in name or name in ("positive", "negative", "guider")


def _texts(graph: dict[str, Any], start: str, side: str) -> list[str]:
    """Prompt texts reached from a sampler input, walking up conditioning links."""
    out: list[str] = []
    stack, seen = [start], {start}
    while stack:
        node_id = stack.pop(0)
        node = graph[node_id]
        if _is_encoder(node):
            out += [t for t in _encoder_texts(graph, node, side) if t not in out]
            continue
        for src in _follow(graph, node, side):
            if src not in seen:
                seen.add(src)
                stack.append(src)
    return out


def prompts(graph: Any) -> Prompts:
    """The positive and negative prompts each sampler was conditioned on."""
    result = Prompts([], [])
    if not is_graph(graph):
        return result
    for sampler_id in _sampler_order(graph):
        inputs = _inputs(graph[sampler_id])
        sides = (("positive", inputs.get("positive") or inputs.get("guider")), ("negative", inputs.get("negative")))
        if "guider" in inputs and "positive" not in inputs:
            sides = (("positive", inputs["guider"]), ("negative", inputs["guider"]))
        for side, value in sides:
            src = _link(value)
            if src is None or src not in graph:
                continue
            bucket = result.positive if side == "positive" else result.negative
            bucket += [t for t in _texts(graph, src, side) if t not in bucket]
    return result
