"""The business plan's chart: grouped vertical bars per year (income, costs, result), drawn
server-side as inline SVG like network/portal/charts.py — no JavaScript, no CDN. Results may be
negative: the bars start from a zero line."""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

SERIES = [("contribution_income", "Contribution", "bar"), ("subsidies", "Subventions", "bar bar-2"),
          ("costs", "Charges", "bar bar-3"), ("result", "Résultat", "bar bar-4")]
COLOURS = {"bar": "#2f6f4e", "bar bar-2": "#7fb08f", "bar bar-3": "#b5523b", "bar bar-4": "#30475e"}


def _euros(value: Decimal) -> str:
    return f"{value:,.0f} €".replace(",", "\u202f")


def forecast_chart(figures, *, title: str, width: int = 640, height: int = 260) -> SafeString:
    top_pad, bottom_pad, left = 20, 40, 10
    values = [getattr(f, key) for f in figures for key, _, _ in SERIES] or [Decimal("0")]
    high, low = max(max(values), Decimal("0")), min(min(values), Decimal("0"))
    span = (high - low) or Decimal("1")
    plot = height - top_pad - bottom_pad
    scale = Decimal(plot) / span
    zero_y = top_pad + int(high * scale)
    group = (width - left) / max(1, len(figures))
    bar = group / (len(SERIES) + 1)
    bars = []
    for g, fig in enumerate(figures):
        for s, (key, label, css) in enumerate(SERIES):
            value = getattr(fig, key)
            h = int(abs(value) * scale)
            y = zero_y - h if value >= 0 else zero_y
            x = left + g * group + (s + 0.5) * bar
            bars.append((css, COLOURS[css], round(x, 1), y, round(bar * 0.9, 1), max(1, h),
                         f"{fig.year} — {label}", _euros(value)))
    rects = format_html_join(
        "", '<rect class="{}" fill="{}" x="{}" y="{}" width="{}" height="{}"><title>{} : {}</title></rect>', bars)
    labels = format_html_join("", '<text x="{}" y="{}" text-anchor="middle">{}</text>',
                              ((round(left + (g + 0.5) * group, 1), height - 22, f.year) for g, f in enumerate(figures)))
    legend = format_html_join("", '<rect x="{}" y="{}" width="10" height="10" fill="{}"></rect>'
                                  '<text x="{}" y="{}">{}</text>',
                              ((left + i * 130, height - 10, COLOURS[css], left + i * 130 + 14, height - 1, label)
                               for i, (_, label, css) in enumerate(SERIES)))
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}">{}'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#555"></line>{}{}</svg>',
        title, width, height, width, height, rects, left, width, zero_y, zero_y, labels, legend,
    )
