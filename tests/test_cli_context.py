"""The command line hands each command a typed context and its option groups as typed
objects (cli/context.py, cli/options.py), not dicts of loose values."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from cli.context import CliContext, pass_context
from cli.make import GenerationParams, _generation_options
from cli.options import SigningParams, TrustParams, signing_options, trust_options
from provenance.config import Home


def _probe() -> tuple[click.Command, list[object]]:
    """A command with every option group, recording what it was handed."""
    seen: list[object] = []

    @click.command()
    @click.option("--json", "as_json", is_flag=True)
    @_generation_options
    @trust_options
    @signing_options
    @pass_context
    def probe(
        context: CliContext,
        /,
        as_json: bool,
        generation: GenerationParams,
        trust: TrustParams,
        signing: SigningParams,
    ) -> int:
        seen.extend([context, as_json, generation, trust, signing])
        return 0

    return probe, seen


def test_option_groups_arrive_as_typed_objects(tmp_path: Path) -> None:
    probe, seen = _probe()
    anchors = tmp_path / "a.pem"
    anchors.write_text("")
    context = CliContext(home=Home(tmp_path / "home"), debug=True)
    args = ["--json", "--trust-anchors", str(anchors), "--allow-remote", "--alg", "es256", "--sidecar", "--seed", "7"]
    result = CliRunner().invoke(probe, args, obj=context, standalone_mode=False)
    assert result.exception is None, result.output
    got_context, as_json, generation, trust, signing = seen
    assert got_context is context
    assert as_json is True
    assert isinstance(generation, GenerationParams)
    assert (generation.seed, generation.device, generation.model) == (7, "auto", None)
    assert trust == TrustParams(trust_anchors=(anchors,), allowed_list=None, trust_config=None, allow_remote=True)
    assert isinstance(signing, SigningParams)
    assert (signing.alg, signing.sidecar, signing.no_thumbnail, signing.cert) == ("es256", True, False, None)
    assert signing.sign_options().sidecar is True
    assert signing.sign_options().thumbnails is True


def test_option_groups_keep_their_help_order() -> None:
    probe, _ = _probe()
    names = [p.name for p in probe.params]
    assert names[0] == "as_json"
    assert names[1:4] == ["model", "revision", "prompt"]  # --model first, as listed
    assert names.index("trust_anchors") < names.index("allow_remote") < names.index("cert") < names.index("sidecar")
