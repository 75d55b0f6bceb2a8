"""Quoting and unquoting of string literals in the text form (MLIR's escapes: ``\\"``, ``\\\\``, ``\\n``, ``\\t``, ``\\XX``)."""

import re

_SIMPLE_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t"}
_PLAIN = re.compile(r'[ !#-\[\]-~]*')  # printable ASCII but '"' and '\\': quoted as it is (most names)


def quote(text: str) -> str:
    """A double-quoted literal that :func:`unquote` turns back into ``text`` exactly."""
    if _PLAIN.fullmatch(text):
        return f'"{text}"'
    out = []
    for byte in _utf8(text):
        ch = chr(byte)
        if ch in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[ch])
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:02X}")
    return '"' + "".join(out) + '"'


def unquote(literal: str) -> str:
    """The text a double-quoted literal stands for; ValueError on a bad escape."""
    body = literal[1:-1]
    data = bytearray()
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            data += ch.encode("utf-8")
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in ('"', "\\"):
            data += nxt.encode()
            i += 2
        elif nxt == "n":
            data += b"\n"
            i += 2
        elif nxt == "t":
            data += b"\t"
            i += 2
        else:
            hexpair = body[i + 1 : i + 3]
            try:
                data.append(int(hexpair, 16))
            except ValueError:
                raise ValueError(f"bad escape '\\{hexpair}' in string literal") from None
            i += 3
    return data.decode("utf-8", errors="surrogateescape")


def fresh_name(base: str, taken) -> str:
    """``base``, or the first of ``base_1``, ``base_2``... that is not in ``taken``."""
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


def _utf8(text: str) -> bytes:
    """UTF-8 bytes of ``text``; undecodable bytes kept by :func:`unquote` (lone surrogates) go back as they came."""
    try:
        return text.encode("utf-8", errors="surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogatepass")
