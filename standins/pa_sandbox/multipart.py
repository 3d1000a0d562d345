"""A small multipart/form-data reader (RFC 7578): the standard library no longer has one that
takes bytes already read (cgi is gone), and `email` would copy a 20 MB file several times."""

from __future__ import annotations

from dataclasses import dataclass


class MultipartError(ValueError):
    pass


@dataclass
class Part:
    name: str
    filename: str | None
    content_type: str
    content: bytes


def header_params(value: str) -> tuple[str, dict[str, str]]:
    """`form-data; name="file"; filename="a.xml"` -> ("form-data", {"name": "file", ...})."""
    pieces = _split_params(value)
    main = pieces[0].strip().lower() if pieces else ""
    params = {}
    for piece in pieces[1:]:
        key, sep, raw = piece.partition("=")
        if not sep:
            continue
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        params[key.strip().lower()] = raw
    return main, params


def _split_params(value: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for char in value:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def parse(body: bytes, content_type: str) -> dict[str, Part]:
    kind, params = header_params(content_type)
    boundary = params.get("boundary", "")
    if kind != "multipart/form-data" or not boundary or len(boundary) > 200:
        raise MultipartError("multipart/form-data avec un boundary est attendu")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    segments = (b"\r\n" + body).split(delimiter)
    parts: dict[str, Part] = {}
    closed = False
    for segment in segments[1:]:
        if segment.startswith(b"--"):
            closed = True
            break
        line_end = segment.find(b"\r\n")
        if line_end < 0 or segment[:line_end].strip(b" \t"):
            raise MultipartError("délimiteur de partie mal formé")
        head, sep, content = segment[line_end + 2:].partition(b"\r\n\r\n")
        if not sep:
            raise MultipartError("en-têtes de partie mal formés")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition, disposition_params = header_params(headers.get("content-disposition", ""))
        name = disposition_params.get("name")
        if disposition != "form-data" or not name:
            raise MultipartError("partie sans Content-Disposition: form-data; name=…")
        parts.setdefault(name, Part(name=name, filename=disposition_params.get("filename"),
                                    content_type=headers.get("content-type", ""), content=content))
    if not closed:
        raise MultipartError("corps multipart non terminé")
    return parts
