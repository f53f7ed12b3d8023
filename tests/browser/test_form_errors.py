"""A form that comes back with an error is still a whole studio page: the header's credit
balance is there, as on the empty form."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from studio.sandbox.imaginepro.services import sandbox_account_credits

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("path", ["/new/flux/", "/new/midjourney/"])
def test_a_form_with_an_error_keeps_the_header_balance(
    page: Page, live_server, alice, alice_key, sandbox_url, path
):
    credits = sandbox_account_credits(api_key=alice_key.api_key)
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-42")
    page.locator("main").get_by_role("button", name="Log in").click()
    balance = page.locator("header #credits [data-balance]")
    expect(balance).to_have_attribute("data-balance", str(credits))

    # An empty prompt, sent past the browser's own check, as a script or an old browser could.
    page.locator("main form textarea[name=prompt]").first.evaluate(
        "field => { field.required = false; field.value = ''; }"
    )
    page.locator("main form button[type=submit]").last.click()

    expect(page.locator("main").get_by_text("This field is required.").first).to_be_visible()
    expect(balance).to_have_attribute("data-balance", str(credits))
    expect(balance).to_be_visible()
