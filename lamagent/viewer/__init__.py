"""A page to look at one recorded run (`lamagent trajectories view RUN_ID`).

- `render_run_page(trajectory)`: one self-contained HTML page (inline style and script, no
  network access), every value from the trajectory escaped.
- `page_server(html, port=...)`: a loopback HTTP server for that page.
"""

from lamagent.viewer.page import render_run_page
from lamagent.viewer.serve import page_server

__all__ = ["page_server", "render_run_page"]
