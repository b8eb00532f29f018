#!/usr/bin/env python
"""Make the README's pictures: a drift chain of a sample photo with the offline demo model.

Usage (from the repository root): python scripts/readme_images.py [--source samples/coffee.png]
                                                                  [--generations 10] [--out docs/images]

Runs the same code as `provenance twin SOURCE --generations N` in a throwaway home
and copies the chain's contact-sheet.png and drift.png into OUT.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provenance.config import Home  # noqa: E402
from provenance.credentials import init_identity  # noqa: E402
from provenance.generate import DEMO_NAME, TwinSettings  # noqa: E402
from provenance.twin import TwinMaker  # noqa: E402
from provenance.twin.chain import make_chain  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT / "samples" / "coffee.png")
    parser.add_argument("--generations", type=int, default=10)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "home")
        identity = init_identity(home, org="Provenance Demo")
        maker = TwinMaker(TwinSettings.for_model(DEMO_NAME), user="demo-user", identity=identity, home=home)
        chain = make_chain(maker, args.source, Path(tmp) / "chain", args.generations)
        args.out.mkdir(parents=True, exist_ok=True)
        for key in ("contact_sheet", "plot"):
            target = args.out / chain.reports[key].name
            shutil.copyfile(chain.reports[key], target)
            print(f"wrote {target}")
        for step in chain.drift.steps[1:]:
            print(step.generation, step.to_source, step.temperature, step.sharpness_ratio)


if __name__ == "__main__":
    main()
