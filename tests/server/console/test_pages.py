"""Every console page for every role: what each role may open, what the navigation shows, 403 otherwise."""

from __future__ import annotations

import pytest

PAGES = {
    "/today": "viewer",
    "/reports/attendance": "viewer",
    "/review": "manager",
    "/people": "admin",
    "/kiosks": "admin",
    "/audit": "admin",
}
RANK = {"viewer": 0, "manager": 1, "admin": 2}


@pytest.mark.parametrize("role", ["viewer", "manager", "admin"])
def test_each_role_opens_its_pages_and_gets_403_for_the_rest(as_role, role):
    c = as_role(role)
    for page, least in PAGES.items():
        response = c.get(page)
        if RANK[role] >= RANK[least]:
            assert response.status_code == 200, (role, page)
            assert response.headers["Content-Type"].startswith("text/html")
        else:
            assert response.status_code == 403, (role, page)
            assert "for the" in response.get_data(as_text=True)  # an HTML page that says why


@pytest.mark.parametrize("role", ["viewer", "manager", "admin"])
def test_navigation_shows_only_the_pages_a_role_may_use(as_role, role):
    html = as_role(role).get("/today").get_data(as_text=True)
    for page, least in PAGES.items():
        link = f'href="{page}"'
        assert (link in html) == (RANK[role] >= RANK[least]), (role, page)


@pytest.mark.parametrize("role", ["manager", "viewer"])
def test_forbidden_forms_answer_403_too(as_role, role):
    c = as_role(role)
    token = c.token()
    assert c.client.post("/kiosks", data={"name": "x", "csrf_token": token}).status_code == 403
    assert c.client.post("/people/p-1/erase", data={"confirm": "p-1", "csrf_token": token}).status_code == 403
    if role == "viewer":
        assert c.client.post("/review/add", data={"csrf_token": token}).status_code == 403


def test_pages_load_bootstrap_from_the_app_itself(console):
    html = console.get("/today").get_data(as_text=True)
    assert "/console/static/bootstrap/bootstrap.min.css" in html
    assert "cdn" not in html.lower() and "https://" not in html
    css = console.get("/console/static/bootstrap/bootstrap.min.css")
    assert css.status_code == 200 and b"Bootstrap" in css.data[:200]
    js = console.get("/console/static/bootstrap/bootstrap.bundle.min.js")
    assert js.status_code == 200


def test_console_pages_allow_their_own_scripts_and_styles_only(console):
    response = console.get("/today")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "<script>" not in response.get_data(as_text=True)  # no inline script: the policy would block it
    assert response.headers["Cache-Control"] == "no-store"


def test_api_keeps_its_json_errors_and_strict_policy(client):
    response = client.get("/api/v1/attendance")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_unknown_person_page_is_a_clear_404(console):
    response = console.get("/people/nobody-here")
    assert response.status_code == 404
    assert "Nobody with the id" in response.get_data(as_text=True)


def test_pages_are_usable_on_a_phone(console):
    html = console.get("/today").get_data(as_text=True)
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert "navbar-toggler" in html and 'aria-label="Show the menu"' in html


def test_nul_characters_get_a_clear_400_on_every_database(backend, console):
    for url in ("/people?q=a%00b", "/people/p%001", "/audit?actor=x%00", "/reports/attendance?person=%00"):
        response = console.get(url)
        assert response.status_code == 400, url
        assert "NUL character" in response.get_data(as_text=True) or "too long" in response.get_data(as_text=True)
    response = console.post("/review/add", {"person": "p\x001", "reason": "x"})
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)
