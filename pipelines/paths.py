"""Where the project's non-Python resources live.

`sql/`, `contracts/` and `config/` sit at the project root. An installed wheel carries
them under `pipelines/_resources/` (see `[tool.hatch.build.targets.wheel.force-include]`),
so code resolves them here and never by a path relative to the working directory.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_INSTALLED = Path(__file__).resolve().parent / "_resources"


def resource_dir(name: str) -> Path:
    """Directory of a bundled resource tree: `sql`, `contracts` or `config`."""
    installed = _INSTALLED / name
    return installed if installed.is_dir() else PROJECT_ROOT / name
