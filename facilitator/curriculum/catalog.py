"""Finding curricula: the shipped ones, the user's, and one named by id or by file.

Shipped curricula live in `facilitator/curricula/`; users add theirs in
`config.user_curricula_dir()` or pass a path. A bad file is a problem in the catalog, never a
crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from facilitator import config
from facilitator.curriculum.loading import load_curriculum, parse
from facilitator.curriculum.model import Curriculum, Source, shipped_dir
from facilitator.errors import UserError


@dataclass
class Catalog:
    """Every curriculum found by id, and the problems met while looking (never a crash)."""

    curricula: dict[str, Curriculum] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, curriculum: Curriculum) -> None:
        """Add one; an id already taken is a problem naming both files, and the first stays."""
        existing = self.curricula.get(curriculum.id)
        if existing is not None:
            self.problems.append(
                f"{curriculum.path}: curriculum id '{curriculum.id}' is already used by "
                f"{existing.path} ({existing.source}); this file is ignored"
            )
            return
        self.curricula[curriculum.id] = curriculum

    def get(self, curriculum_id: str) -> Curriculum:
        """The curriculum with this id; a UserError naming the known ids if there is none."""
        try:
            return self.curricula[curriculum_id]
        except KeyError:
            known = ", ".join(sorted(self.curricula)) or "none"
            raise UserError(f"unknown curriculum '{curriculum_id}' (known: {known})") from None


def _load_folder(catalog: Catalog, folder: Path, source: Source) -> None:
    """Add every `*.toml` in `folder` (sorted by name) to the catalog."""
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.toml")):
        curriculum, problems = parse(path)
        if curriculum is None:
            catalog.problems.extend(problems)
            continue
        curriculum.source = source
        catalog.add(curriculum)


def discover(user_dir: Path | None = None) -> Catalog:
    """Load the shipped curricula, then the user's (default: `config.user_curricula_dir()`)."""
    catalog = Catalog()
    _load_folder(catalog, shipped_dir(), "shipped")
    _load_folder(catalog, user_dir if user_dir is not None else config.user_curricula_dir(), "user")
    return catalog


def resolve(id_or_file: str, catalog: Catalog | None = None) -> Curriculum:
    """A curriculum from a file path (existing, or ending in .toml) or else by id."""
    path = Path(id_or_file)
    if id_or_file.endswith(".toml") or path.is_file():
        return load_curriculum(path)
    return (catalog if catalog is not None else discover()).get(id_or_file)
