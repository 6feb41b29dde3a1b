"""A loaded spec document: plain data plus where each node came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.errors import Location

Path = tuple[str | int, ...]


@dataclass
class Document:
    """One YAML document or Jsonnet result, with positions of its keys and values.

    `data` is JSON-shaped (dict/list/str/int/float/bool/None). Positions are 1-based;
    a path missing from the maps falls back to its nearest located ancestor.
    """

    file: str
    data: Any
    value_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path, tuple[int, int]] = field(default_factory=dict)
    # YAML style ("" plain, '"', "'") of one-line scalars: lets a message point inside the string
    scalar_styles: dict[Path, str] = field(default_factory=dict)
    # The text of a plain scalar YAML read as something that prints otherwise (`yes` as true, `1.10` as 1.1),
    # so a message can name what was written
    read_otherwise: dict[Path, str] = field(default_factory=dict)
    index: int = 0  # position of the document within a multi-document file
    # Field names a Jsonnet source writes hidden (`service:: 'cart'`) -> where first: Jsonnet leaves them out of
    # the output, so a required one read as missing with no word of why (round 43, a newcomer: open (5)).
    hidden_keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Where the file's text lives (its real path, through every symlink), and the real path of the folder it was
    # found in, read when the text was (loader.load_file): what the model judges by them (a spec below its team's
    # folder, team_claims.py) compares strings. "" when not loaded from a file.
    real_file: str = ""
    real_folder: str = ""
    # The real folder holding each symlink on the path the file was read at (a linked folder's, or the file's own):
    # whoever owns that folder chose what the link reads (team_claims.py). Empty when no link is on the path.
    link_folders: tuple[str, ...] = ()
    # A Jsonnet spec's imports: (real path, line, col of the spec's import of it, or of its first line when a
    # library imported it). The model judges whose files they are (team_claims.py); a YAML spec has none.
    imports: tuple[tuple[str, int, int], ...] = ()

    def locate(self, path: Path, *, key: bool = False) -> Location:
        marks = self.key_marks if key else self.value_marks
        probe = tuple(path)
        while True:
            if probe in marks:
                line, col = marks[probe]
                return Location(self.file, line, col)
            if probe in self.value_marks:
                line, col = self.value_marks[probe]
                return Location(self.file, line, col)
            if not probe:
                return Location(self.file, 1, 1)
            probe = probe[:-1]
