"""HTML pages: the report, the page shell, inline SVG charts."""
