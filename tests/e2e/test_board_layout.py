"""The board at a laptop's 1366 px: every active column fits beside the collapsed terminal ones; narrower, it
scrolls sideways; "show more" and opening a terminal column work in the browser."""

from backend.projects.stages import TERMINAL_STAGES
from backend.web.views.board import COLUMN_ORDER


def _board(browse, width: int):
    page = browse.page_for("pm.novak")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(browse.url("web:board"))
    page.locator("#board").wait_for()
    return page


def test_at_1366_px_every_column_fits_without_scrolling(browse):
    page = _board(browse, 1366)
    board = page.locator(".board")
    assert board.evaluate("element => element.scrollWidth <= element.clientWidth")
    right = board.evaluate("element => element.getBoundingClientRect().right")
    for stage in COLUMN_ORDER:
        column = page.locator(f"section[aria-labelledby='column-{stage.value}']")
        assert column.bounding_box()["x"] + column.bounding_box()["width"] <= right + 1, stage
    for stage in TERMINAL_STAGES:
        details = page.locator(f"section[aria-labelledby='column-{stage.value}'] details")
        if details.count():
            assert details.evaluate("element => !element.open")
    browse.shot(page, "board-1366", full_page=False)


def test_narrower_the_board_scrolls_sideways(browse):
    page = _board(browse, 1000)
    assert page.locator(".board").evaluate("element => element.scrollWidth > element.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
