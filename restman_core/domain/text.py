"""Text that people typed, safe to show anywhere: no control characters.

Names, descriptions, stations, table labels and instructions end up on terminals (the CLI, the
kitchen display), in CSV files, in mail and in logs. A control character in them is never
meant: ESC starts a terminal escape sequence (a name could recolour, retitle or clear the
operator's terminal, or hide text), CR and backspace overwrite what was printed, and the
bidirectional overrides make text read differently from what it is. So every text field is
checked here, once, in the core, whichever front end it came through.

Single-line fields (names, stations, phone numbers, table labels, categories) refuse every
control character. Multi-line fields (descriptions, addresses, special instructions, item
notes) also accept line breaks and tabs; a CRLF line break is kept as LF.
"""

from __future__ import annotations

import unicodedata

from restman_core.errors import InvalidInput

# Format characters that reorder or hide text (Unicode bidi controls); other format characters
# (zero-width joiners inside emoji) are legitimate.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_LINE_SEPARATORS = frozenset("\u2028\u2029")
_MULTILINE_ALLOWED = frozenset("\n\t")


def _refused(character: str, multiline: bool) -> bool:
    if multiline and character in _MULTILINE_ALLOWED:
        return False
    if character in _BIDI_CONTROLS or (not multiline and character in _LINE_SEPARATORS):
        return True
    return unicodedata.category(character) == "Cc"


def plain_text(text: str, *, field: str, multiline: bool = False) -> str:
    """``text`` unchanged (CRLF as LF in a multi-line field), or InvalidInput naming the field
    and the first refused character (``U+001B``) when it holds a control character."""
    if multiline:
        text = text.replace("\r\n", "\n")
    for character in text:
        if _refused(character, multiline):
            allowed = " (line breaks and tabs are allowed)" if multiline else ""
            raise InvalidInput(
                f"{field} must not contain control characters{allowed}: found "
                f"U+{ord(character):04X}",
                details={"field": field},
            )
    return text
