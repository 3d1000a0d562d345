"""A line chart drawn server-side as inline SVG (no JavaScript library, no CDN), in the spirit of
network/portal/charts.py (tenants never import network/)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def line_chart(points: list[tuple[str, Decimal]], *, title: str, width: int = 640, height: int = 240,
               every: int = 3) -> SafeString:
    """`points`: (label, value) in order. A zero line is drawn when the values cross it; negative
    values are drawn below it (the account is overdrawn)."""
    left, right, top, bottom = 70, 16, 14, 28
    values = [float(v) for _, v in points] or [0.0]
    high, low = max(max(values), 0.0), min(min(values), 0.0)
    span = (high - low) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def x(i: int) -> float:
        return round(left + i * step, 1)

    def y(value: float) -> float:
        return round(top + (high - value) / span * plot_h, 1)

    polyline = " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values))
    ticks = format_html_join("", '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                             ((x(i), height - 8, label) for i, (label, _) in enumerate(points) if i % every == 0))
    dots = format_html_join("", '<circle cx="{}" cy="{}" r="2.5"><title>{} : {} €</title></circle>',
                            ((x(i), y(float(v)), label, v) for i, (label, v) in enumerate(points)))
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#999"/>'
        '<text x="{}" y="{}" text-anchor="end">{} €</text><text x="{}" y="{}" text-anchor="end">{} €</text>'
        '<text x="{}" y="{}" text-anchor="end">0 €</text>'
        '<polyline class="line" fill="none" stroke="currentColor" stroke-width="2" points="{}"/>{}{}</svg>',
        title, width, height, width, height,
        left, y(0.0), width - right, y(0.0),
        left - 6, top + 4, round(high), left - 6, top + plot_h, round(low), left - 6, y(0.0) + 4,
        polyline, dots, ticks,
    )
