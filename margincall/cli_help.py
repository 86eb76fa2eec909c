"""How option types read in ``--help``: flags as flags, values by their kind.

Typer 0.29 prints every option's Python annotation (``--once <bool>``, ``--amm <list[str]>``),
which reads as if a flag took a value. This shows nothing for a flag, an explicit metavar as
given, and otherwise the kind in capitals (``INTEGER``, ``NUMBER``, ``TEXT``, ``PATH``;
``TEXT, repeatable`` for a list)."""

from __future__ import annotations

import re

from typer.core import TyperArgument, TyperOption, _TyperParameter

_KINDS = {"int": "INTEGER", "float": "NUMBER", "str": "TEXT", "Path": "PATH", "path": "PATH", "bool": ""}
_option_original = TyperOption.display_type_rich
_base_original = _TyperParameter.display_type_rich


def _display_type_rich(self: _TyperParameter, ctx) -> str | None:  # type: ignore[no-untyped-def]
    if getattr(self, "is_flag", False) or getattr(self, "name", None) == "help":
        return ""
    if isinstance(self, TyperArgument):
        return ""  # an argument's metavar already names it (SYMBOL, VALUE)
    if self.metavar is not None:
        return self.metavar
    original = _option_original if isinstance(self, TyperOption) else _base_original
    shown = original(self, ctx)
    if shown is None:
        return None
    match = re.fullmatch(r"<?(list\[)?(\w+)\]?>?(\.\.\.)?", str(shown))
    if not match:
        return shown
    kind = _KINDS.get(match.group(2), match.group(2).upper())
    return f"{kind}, repeatable" if match.group(1) else kind


def install() -> None:
    """Make every ``--help`` of the process read option types this way."""
    TyperOption.display_type_rich = _display_type_rich  # type: ignore[method-assign]
    TyperArgument.display_type_rich = _display_type_rich  # type: ignore[method-assign]
