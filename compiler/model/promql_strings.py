"""PromQL string literals, read and written as Prometheus 2.42 does (its lexer plus `strutil.Unquote`, Go rules).

`"..."` and `'...'` take Go's escapes: `\\a \\b \\f \\n \\r \\t \\v \\\\`, the string's own quote, three octal
digits (at most 377), `\\x` and two hex digits (bytes), `\\u` and four / `\\U` and eight hex digits (a code point,
not a surrogate). Any other escape is an error in Prometheus ("unknown escape sequence"), so it is one here:
`"a\\.b"` must not quietly become the regex `a.b`. A raw newline ends nothing and is refused too. Backtick strings
are raw: no escapes, anything but a backtick. Bytes from `\\x` and octal escapes must form UTF-8 with the rest.
"""

from __future__ import annotations

import functools

_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}
_DIGITS = {"x": (2, 16), "u": (4, 16), "U": (8, 16)}  # escape letter: (digits, base)
_OCTAL = "01234567"
_HEX = "0123456789abcdefABCDEF"


def unquote(literal: str) -> str:
    """The value of a quoted PromQL string (quotes included); ValueError says why Prometheus would refuse it."""
    quote, body = literal[:1], literal[1:-1]
    if len(literal) < 2 or quote not in "\"'`" or literal[-1] != quote:
        raise ValueError(f"{literal!r} is not a quoted string")
    if quote == "`":
        if "`" in body:
            raise ValueError("a backtick string cannot hold a backtick")
        return body
    out = bytearray()
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\n":
            raise ValueError("a newline inside a quoted string (write it as \\n)")
        if char == quote:
            raise ValueError(f"an unescaped {quote} inside the string")
        if char != "\\":
            out += char.encode("utf-8", "surrogatepass")
            i += 1
            continue
        letter = body[i + 1 : i + 2]
        if not letter:
            raise ValueError("the escape sequence at the end is not terminated")
        if letter in _SIMPLE or letter == quote:
            out += _SIMPLE.get(letter, letter).encode()
            i += 2
            continue
        if letter in _OCTAL:
            count, base, start = 3, 8, i + 1
        elif letter in _DIGITS:
            (count, base), start = _DIGITS[letter], i + 2
        else:
            raise ValueError(
                f"unknown escape sequence \\{letter} (PromQL strings take Go escapes; a regex's "
                f'backslash is written twice, e.g. "a\\\\.b")'
            )
        digits = body[start : start + count]
        allowed = _OCTAL if base == 8 else _HEX
        if len(digits) < count or any(d not in allowed for d in digits):
            raise ValueError(f"escape \\{body[i + 1 : start + count]} needs {count} digits in base {base}")
        code = int(digits, base)
        if letter in "uU":
            if code > 0x10FFFF or 0xD800 <= code < 0xE000:
                raise ValueError(f"escape \\{letter}{digits} is an invalid Unicode code point")
            out += chr(code).encode()
        elif code > 255:
            raise ValueError(f"escape \\{digits} is an invalid Unicode code point (over \\377)")
        else:
            out.append(code)  # Go appends \x and octal escapes as bytes
        i = start + count
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("its \\x or octal escapes do not form UTF-8 text") from None


_RENDERED = {"\\": "\\\\", '"': '\\"', "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r"}
_RENDERED |= {"\t": "\\t", "\v": "\\v"}


@functools.lru_cache(maxsize=1 << 14)
def quote(value: str) -> str:
    """`value` as a double-quoted PromQL string that `unquote` (and Prometheus) reads back as `value`."""
    if value.isprintable() and "\\" not in value and '"' not in value:
        return f'"{value}"'
    return '"' + "".join(_RENDERED.get(c) or (c if c.isprintable() else _escape(c)) for c in value) + '"'


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
