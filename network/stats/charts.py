"""Charts of the published figures as inline SVG (no JavaScript, no CDN): trends over periods
and a tile map of the regions. A secret cell is drawn as « s », never as a value."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from network.stats.catalog import OVERSEAS, REGION_LABELS

# A tile cartogram of the 13 metropolitan regions (column, row) and the overseas regions.
_TILE_POSITIONS = {
    "32": (2, 0), "28": (1, 1), "11": (2, 1), "44": (3, 1), "53": (0, 2), "52": (1, 2), "24": (2, 2),
    "27": (3, 2), "75": (1, 3), "84": (2, 3), "76": (1, 4), "93": (2, 4), "94": (3, 4), OVERSEAS: (0, 4),
}
TILES = {code: (col, row, REGION_LABELS[code]) for code, (col, row) in _TILE_POSITIONS.items()}
# What fits on a tile (the full name is the tile's tooltip and in the table beside the map).
TILE_LABELS = {"52": "Pays de Loire", "24": "Centre-VdL", "27": "Bourgogne-FC", "75": "N.-Aquitaine",
               "84": "Auvergne-RA", "93": "PACA", "32": "Hauts-de-Fr."}


def _fmt(value) -> str:
    if value is None:
        return "s"
    value = Decimal(value)
    return f"{value:,.0f}".replace(",", "\u202f")


def line_chart(points: list[tuple[str, Decimal | None]], *, title: str, width: int = 420,
               height: int = 180) -> SafeString:
    """Values over periods; a secret period is a gap marked « s »."""
    left, bottom, top_pad = 50, 30, 20
    known = [float(v) for _, v in points if v is not None]
    top = max(known, default=0) or 1.0
    n = max(1, len(points) - 1)
    xs = [left + i * (width - left - 45) / n for i in range(len(points))]  # room for the last label

    def y(v: float) -> float:
        return height - bottom - (height - bottom - top_pad) * v / top

    segments, current = [], []
    for x, (_, v) in zip(xs, points, strict=True):
        if v is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append(f"{x:.1f},{y(float(v)):.1f}")
    if current:
        segments.append(current)
    lines = format_html_join("", '<polyline class="line" fill="none" points="{}"/>', ((" ".join(s),) for s in segments))
    dots = format_html_join(
        "", '<g><circle cx="{}" cy="{}" r="4"><title>{} : {}</title></circle><text x="{}" y="{}" text-anchor="middle">{}</text>'
            '<text x="{}" y="{}" text-anchor="middle">{}</text></g>',
        ((f"{x:.1f}", f"{y(float(v)) if v is not None else height - bottom:.1f}", label, _fmt(v),
          f"{x:.1f}", f"{(y(float(v)) if v is not None else height - bottom) - 8:.1f}", _fmt(v),
          f"{x:.1f}", height - 8, label) for x, (label, v) in zip(xs, points, strict=True)))
    return format_html('<svg class="chart trend" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
                       '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>{}{}</svg>',
                       title, width, height, width, height, left - 10, height - bottom, width - 10, height - bottom,
                       lines, dots)


def region_map(values: dict[str, Decimal | None], *, title: str, size: int = 92) -> SafeString:
    """Regions as tiles, shaded by their value; a secret region shows « s »."""
    known = [float(v) for v in values.values() if v is not None]
    top = max(known, default=0) or 1.0
    tiles = []
    for code, (col, row, name) in TILES.items():
        value = values.get(code)
        shade = 0.12 + 0.78 * (float(value) / top) if value is not None else 0.0
        tiles.append((col * (size + 6), row * (size + 6), size, size, f"{shade:.2f}",
                      "secret" if value is None else "known", name, _fmt(value), col * (size + 6) + size / 2,
                      row * (size + 6) + size / 2 - 6, TILE_LABELS.get(code, name), col * (size + 6) + size / 2,
                      row * (size + 6) + size / 2 + 14, _fmt(value), code))
    body = format_html_join(
        "", '<g class="region {}" data-region="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="8" '
            'fill="#1f7a5a" fill-opacity="{}" stroke="#1f7a5a"><title>{} : {}</title></rect>'
            '<text x="{}" y="{}" text-anchor="middle">{}</text>'
            '<text x="{}" y="{}" text-anchor="middle" font-weight="700">{}</text></g>',
        ((t[5], t[14], t[0], t[1], t[2], t[3], t[4], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13])
         for t in tiles))
    w, h = 4 * (size + 6), 5 * (size + 6)
    return format_html('<svg class="chart map" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
                       '{}</svg>', title, w, h, w, h, body)
