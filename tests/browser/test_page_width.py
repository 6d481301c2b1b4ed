"""Every page counter staff reach fits a tablet from 768 to 1280 CSS px wide, held upright or
sideways: nothing scrolls sideways and nothing sticks out of the screen."""

import pytest

from tests.browser.helpers import BROWSER_TEST
from tests.browser.states import EVERY_STATE, App

pytestmark = BROWSER_TEST

# Portrait and landscape widths of the tablets in use, from the narrowest up.
WIDTHS = [768, 800, 1024, 1280]

# The page must not be wider than the window, no element may reach past its edges (which
# would be cut off, or scroll inside a box such as a table wrapper), and no box may scroll
# sideways. Elements not drawn, visually hidden ones (clipped to a 1 px box: hidden text, the
# stacked table's header row) and the parked skip link are left out; form controls are too,
# since a long value scrolls inside its own field by design.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const clipped = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.position === "absolute" && style.clip !== "auto") return true;
    }
    return false;
  };
  const problems = [];
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push(`page is ${document.documentElement.scrollWidth} px wide`);
  }
  const describe = (el) => el.outerHTML.slice(0, 100);
  for (const el of document.body.querySelectorAll("*")) {
    if (!el.checkVisibility() || el.closest(".skip-link") || clipped(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      problems.push(`${Math.round(box.left)}–${Math.round(box.right)} px: ${describe(el)}`);
    }
    if (el.matches("input, textarea, select")) continue;
    const overflowX = getComputedStyle(el).overflowX;
    if (overflowX !== "visible" && overflowX !== "clip" && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`scrolls ${el.scrollWidth} in ${el.clientWidth} px: ${describe(el)}`);
    }
  }
  return problems.slice(0, 12);
}"""


@pytest.fixture
def app(page, live_server, site, staff, tap, settings, monkeypatch) -> App:
    return App(page, live_server.url, site, staff, tap, settings, monkeypatch)


@pytest.mark.parametrize("reach_state", EVERY_STATE, ids=lambda f: f.__name__)
def test_page_fits_every_tablet_width_without_scrolling_sideways(app, reach_state):
    reach_state(app)
    problems = {}
    for width in WIDTHS:
        app.page.set_viewport_size({"width": width, "height": 1000})
        if found := app.page.evaluate(OVERFLOW_JS):
            problems[width] = found
    assert not problems, "\n".join(
        f"{width} px wide:\n  " + "\n  ".join(found) for width, found in problems.items()
    )
