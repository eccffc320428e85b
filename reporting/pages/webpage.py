"""The frame shared by every page for people (report, agenda, letters): one
self-contained HTML file in the current language (``<html lang>``), no script, no
external resource, readable from a 400 px phone to print (charts scale, wide tables
scroll inside their box instead of widening the page)."""

from __future__ import annotations

from html import escape

from attribution.models.i18n import current

CSS = """
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;
background:#fafafa;line-height:1.45;overflow-wrap:break-word}
main{max-width:980px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:1.6em;margin:0 0 4px}h2{font-size:1.2em;margin:32px 0 8px;border-bottom:2px solid
#0072B2;padding-bottom:3px}h3{font-size:1em;margin:18px 0 6px}
.sub{color:#555;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:14px 0}
.card{flex:1 1 150px;border:1px solid #ddd;border-radius:6px;padding:8px 12px;background:#f6f9fc}
.card b{display:block;font-size:1.4em}.card span{color:#555;font-size:.85em}
.scroll{max-width:100%;overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;margin:6px 0 12px;font-size:.88em}
th,td{border-bottom:1px solid #e2e2e2;padding:3px 9px;text-align:right;vertical-align:top}
th{background:#f0f3f6;text-align:center}td:first-child,th:first-child{text-align:left}
tr.bad td{background:#fdecea}.ok{color:#007a55}.no{color:#c0392b;font-weight:bold}
.note{font-size:.85em;color:#555}code{font-size:.9em;overflow-wrap:anywhere}
svg{max-width:100%;height:auto}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
@media (max-width:600px){main{padding:14px 12px 40px}h1{font-size:1.3em}}
@media print{details{display:block}main{max-width:none;padding:0}body{background:#fff}}
"""


def page(title: str, body: str, *, extra_css: str = "") -> str:
    """A whole HTML document around ``body`` (already escaped HTML)."""
    return (f'<!DOCTYPE html>\n<html lang="{current()}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{CSS}{extra_css}</style></head>"
            f"<body><main>{body}</main></body></html>\n")
