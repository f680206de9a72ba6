"""A menu file's bytes as text, or one clear reason why they are not.

``restman menu import`` reads files that came from anywhere: spreadsheets saved as latin-1 or
UTF-16, a binary picked by mistake. Each of these is the operator's input problem, reported as
:class:`~restman_core.errors.InvalidInput` (one line, exit 6) naming what was found and what to
pass, never a traceback. A byte-order mark is honoured: a UTF-8 BOM is dropped, and a UTF-16 or
UTF-32 BOM under the default encoding is named so the operator can pass ``--encoding utf-16``.
"""

from __future__ import annotations

import codecs

from restman_core.errors import InvalidInput

DEFAULT_ENCODING = "utf-8"

_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def checked_encoding(name: str) -> str:
    """The codec's canonical name, or InvalidInput when Python knows no such encoding."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise InvalidInput(f"unknown encoding {name!r} (try utf-8, latin-1 or utf-16)") from None


def decode_menu(data: bytes, encoding: str, name: str) -> str:
    """``data`` decoded with ``encoding`` (``utf-8`` also drops a UTF-8 BOM). InvalidInput for a
    wide BOM under UTF-8, bytes that do not decode, or text holding NUL characters (a binary)."""
    codec = checked_encoding(encoding)
    if codec == "utf-8":
        for bom, wide in _WIDE_BOMS:
            if data.startswith(bom):
                raise InvalidInput(f"{name} is {wide.upper()} text; pass --encoding {wide}")
        codec = "utf-8-sig"
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        hint = " (pass --encoding latin-1 or the file's own)" if codec == "utf-8-sig" else ""
        raise InvalidInput(
            f"{name} is not {encoding} text: byte 0x{data[error.start]:02x} at offset "
            f"{error.start}{hint}"
        ) from None
    if "\x00" in text:
        raise InvalidInput(f"{name} is not a text file (it holds NUL bytes)")
    return text
