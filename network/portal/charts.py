"""Bar charts drawn server-side as inline SVG: no JavaScript library, no CDN."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def bar_chart(rows: list[tuple[str, int]], *, title: str, width: int = 640, bar_height: int = 22) -> SafeString:
    label_width, gap = 220, 6
    height = max(1, len(rows)) * (bar_height + gap) + 10
    top = max((value for _, value in rows), default=0) or 1
    scale = (width - label_width - 50) / top
    bars = format_html_join(
        "",
        '<g><text x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{} : {}</title></rect>'
        '<text x="{}" y="{}">{}</text></g>',
        (
            (label_width - 8, i * (bar_height + gap) + bar_height - 6, label,
             label_width, i * (bar_height + gap), max(1, round(value * scale)), bar_height, label, value,
             label_width + round(value * scale) + 6, i * (bar_height + gap) + bar_height - 6, value)
            for i, (label, value) in enumerate(rows)
        ),
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">{}</svg>',
        title, width, height, width, height, bars,
    )
