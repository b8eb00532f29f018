"""``provenance serve`` and ``provenance tokens``: the HTTP service and its tokens."""

from __future__ import annotations

from pathlib import Path

import click

from provenance import verdicts
from provenance.errors import UsageError
from provenance.policy import load_policy

from .context import CliContext, pass_context


@click.command(epilog=verdicts.command_exits_help("serve"))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--max-upload-mb", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--max-pixels", type=click.IntRange(min=1), default=50_000_000, show_default=True)
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds per request: for its upload to arrive (else 408), then for its work (else 504).",
)
@click.option("--concurrency", type=click.IntRange(min=1), default=None, help="Images at once [default: CPU count].")
@click.option(
    "--memory-budget-mb",
    type=click.IntRange(min=64),
    default=1024,
    show_default=True,
    help="Estimated memory of the images worked on at once, per worker (from each picture's declared size,"
    " before decoding); more waits in the queue.",
)
@click.option("--queue", type=click.IntRange(min=0), default=256, show_default=True, help="Requests that may wait.")
@click.option("--require-token", is_flag=True, help="Verify needs a token too (stamp and register always do).")
@click.option("--allow-fetch", is_flag=True, help="Let /v1/verify fetch an image URL (public hosts only).")
@click.option("--cors-origin", multiple=True, help="Allow browser calls from this origin (repeatable). Off by default.")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Publishing policy for POST /v1/check.",
)
@pass_context
def serve(
    context: CliContext,
    host: str,
    port: int,
    workers: int,
    max_upload_mb: int,
    max_pixels: int,
    timeout: float,
    concurrency: int | None,
    memory_budget_mb: int,
    queue: int,
    require_token: bool,
    allow_fetch: bool,
    cors_origin: tuple[str, ...],
    policy_path: Path | None,
) -> int:
    """Serve the API (/v1, the C2PA Soft Binding Resolution API, docs at /docs) and the web page at /."""
    from provenance.service import ServiceSettings
    from provenance.service.server import check_port
    from provenance.service.server import serve as run_server

    home = context.home
    if policy_path:
        load_policy(policy_path)  # a bad policy fails here, in one line, not in every worker
    settings = ServiceSettings(
        max_upload_bytes=max_upload_mb * 1024 * 1024,
        max_pixels=max_pixels,
        timeout_s=timeout,
        max_queue=queue,
        memory_budget=memory_budget_mb * 1024 * 1024,
        require_token=require_token,
        allow_fetch=allow_fetch,
        cors_origins=cors_origin,
        policy=str(policy_path.resolve()) if policy_path else None,
        **({"max_concurrent": concurrency} if concurrency else {}),
    )
    check_port(host, port)  # before the banner: a port in use is one line and exit 2, not uvicorn's log
    if host not in ("127.0.0.1", "localhost", "::1") and not require_token:
        click.echo(f"Note: verify is open to anyone who can reach {host}:{port} (--require-token closes it).", err=True)
    click.echo(f"provenance service on http://{host}:{port}/ (API docs at /docs)", err=True)
    run_server(home, settings, host=host, port=port, workers=workers)
    return 0


@click.group()
def tokens() -> None:
    """API tokens for the service (stored hashed in the registry)."""


@tokens.command("create", epilog=verdicts.command_exits_help("tokens create"))
@click.option("--scope", type=click.Choice(["stamp", "register", "admin"]), required=True)
@click.option("--name", default="", help="A label to recognise it by.")
@pass_context
def create(context: CliContext, scope: str, name: str) -> int:
    """Create a token; it is printed once and only its hash is kept."""
    from provenance.service.tokens import create_token

    home = context.home
    click.echo(create_token(home, scope, name))
    click.echo(f"(scope {scope}; shown once: store it now)", err=True)
    return 0


@tokens.command("list", epilog=verdicts.command_exits_help("tokens list"))
@pass_context
def list_(context: CliContext) -> int:
    """Token ids, names, scopes (never the tokens themselves)."""
    from provenance.service.tokens import list_tokens

    home = context.home
    for token in list_tokens(home):
        state = "revoked" if token.revoked else "active"
        click.echo(f"{token.token_id}  {token.scope:<8} {state:<7} {token.created_at}  {token.name}")
    return 0


@tokens.command("revoke", epilog=verdicts.command_exits_help("tokens revoke"))
@click.argument("token_id")
@pass_context
def revoke(context: CliContext, token_id: str) -> int:
    """Revoke a token by its id (the part after pvt_)."""
    from provenance.service.tokens import revoke_token

    home = context.home
    if not revoke_token(home, token_id):
        raise UsageError(f"no token {token_id}")
    click.echo(f"revoked {token_id}")
    return 0
