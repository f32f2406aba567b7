"""/stats/: figures as server-drawn SVG bars, a table under each, every number a link."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from registry import stats

CHART_WIDTH = 640
LABEL_WIDTH = 190
COUNT_WIDTH = 70
ROW_HEIGHT = 26


@require_GET
def stats_page(request):
    charts = stats.charts()
    drawn = [{"chart": chart, "rows": _rows(chart),
              "height": max(1, len(chart.bars)) * ROW_HEIGHT} for chart in charts]
    return render(request, "registry/stats.html", {
        "charts": drawn, "width": CHART_WIDTH, "label_width": LABEL_WIDTH})


def _rows(chart: stats.Chart) -> list[dict]:
    """Where each bar goes in the SVG (plain numbers: the template does no arithmetic)."""
    room = CHART_WIDTH - LABEL_WIDTH - COUNT_WIDTH
    largest = chart.largest or 1
    rows = []
    for index, bar in enumerate(chart.bars):
        width = max(1, round(room * bar.count / largest))
        label = bar.label if len(bar.label) <= 26 else bar.label[:25] + "…"
        rows.append({"bar": bar, "label": label, "y": index * ROW_HEIGHT,
                     "text_y": index * ROW_HEIGHT + 17, "width": width,
                     "count_x": LABEL_WIDTH + width + 6})
    return rows
