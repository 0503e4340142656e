"""In a browser: wrong passwords lock the account with a clear message; an admin unlocks it."""

import pytest

from kaiku.testing.browser import assert_accessible, set_language, sign_in

PASSWORD = "a-long-staff-password-2026"


def _try(page, email, password):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.browser
def test_wrong_passwords_lock_the_account_until_an_admin_unlocks_it(world, phone, chromium, live_server):
    staff = world.users["distributor"]
    staff.set_password(PASSWORD)
    staff.save()
    set_language(phone, "en")
    for _ in range(30):
        _try(phone, staff.email, "not-the-password")
        if "Sign-in locked" in phone.locator("h1").first.inner_text():
            break
    assert phone.locator("h1").first.inner_text() == "Sign-in locked"
    assert phone.get_by_role("alert").filter(has_text="Try again after").is_visible()
    assert_accessible(phone)

    # The right password is refused while the lock lasts.
    _try(phone, staff.email, PASSWORD)
    assert phone.locator("h1").first.inner_text() == "Sign-in locked"

    # A national admin unlocks the account on the locks page.
    admin = chromium.new_context(viewport=phone.viewport_size, base_url=live_server.url, locale="en-GB")
    admin_page = admin.new_page()
    sign_in(admin_page, world.users["national_admin"])
    set_language(admin_page, "en")
    admin_page.goto("/accounts/locks/")
    assert_accessible(admin_page)
    row = admin_page.locator("tr", has_text=staff.email)
    row.get_by_role("button", name="Unlock").click()
    admin_page.wait_for_load_state()
    assert "Unlocked" in admin_page.get_by_role("status").inner_text()
    admin.close()

    _try(phone, staff.email, PASSWORD)
    assert "Sign-in locked" not in phone.content()
    assert "/accounts/login/" not in phone.url
