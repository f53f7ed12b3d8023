"""Following a link of the header's "New" menu (a <details> dropdown) as a person does: open it,
then click the model's link. The pattern is exact: the account menu's summary may contain
"new" too."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

NEW_MENU = re.compile(r"^\s*New\s*$")


def follow_new_menu(page: Page, name: str) -> None:
    """Open the New menu unless it is open, then follow its `name` link. A CI run once saw the
    menu closed again after its click, right after a page load; it is opened again then (at
    most three times), never toggled shut by a second click while it opens."""
    menu = page.locator("nav details.dropdown", has=page.locator("summary", has_text=NEW_MENU))
    link = menu.get_by_role("link", name=name, exact=True)
    for _ in range(3):
        if not menu.evaluate("details => details.open"):
            menu.locator("summary").click()
        try:
            expect(link).to_be_visible(timeout=10_000)
            break
        except AssertionError:
            continue
    link.click()
