"""The SVG charts of the operators' statistics (web/charts.py): bars to scale, every figure as text
next to its bar and in the description, escaped, and nothing a Content-Security-Policy refuses."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from web.charts import BAR_SPACE, Bar, Chart, Group, svg

SVG = "{http://www.w3.org/2000/svg}"


def chart(per_group_scale: bool = False) -> Chart:
    return Chart("c1", "Reductions <newborn>", "Newborn against the baseline.", (
        Group("Steps: 90% fewer", (Bar("Separately", 10, "10", "b"), Bar("One application", 1, "1", "ok"))),
        Group("Visits: 75% fewer", (Bar("Separately", 4, "4", "b"), Bar("One application", 0, "0", "ok")))),
        per_group_scale)


def widths(drawn: str) -> list[float]:
    return [float(rect.get("width")) for rect in ElementTree.fromstring(drawn).iter(f"{SVG}rect")]


def test_a_chart_is_an_image_named_by_its_title_and_described_by_every_figure():
    drawn = str(svg(chart()))
    root = ElementTree.fromstring(drawn)  # well-formed, with the title escaped
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "Reductions <newborn>"
    assert root.find(f"{SVG}desc").text == ("Newborn against the baseline. Steps: 90% fewer: Separately 10, One "
                                             "application 1; Visits: 75% fewer: Separately 4, One application 0.")
    figures = [t.text for t in root.iter(f"{SVG}text") if t.get("data-figure") is not None]
    assert figures == ["10", "1", "4", "0"]
    assert "style=" not in drawn and "<script" not in drawn


def test_bars_are_to_one_scale_or_to_each_groups():
    assert widths(str(svg(chart()))) == [BAR_SPACE, BAR_SPACE / 10, BAR_SPACE * 4 / 10, 0.0]
    assert widths(str(svg(chart(per_group_scale=True)))) == [BAR_SPACE, BAR_SPACE / 10, BAR_SPACE, 0.0]


def test_the_height_grows_with_the_rows():
    one = Chart("c2", "t", "l", (Group("", (Bar("a", 1, "1"),)),))
    height = lambda c: int(re.search(r'viewBox="0 0 \d+ (\d+)"', str(svg(c))).group(1))  # noqa: E731
    assert height(chart()) > height(one) and not one.empty and Chart("c3", "t", "l", ()).empty
