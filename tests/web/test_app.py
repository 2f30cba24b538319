"""The app in-process (Starlette's TestClient over a real DuckDB test store and a real SMTP server):
pages, secure headers, the page cache, CSRF, the sign-up rate limit, tokens, and the JSON API."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from movedesk.config import Settings
from movedesk.errors import DataValidationError, InvalidLink
from movedesk.publish.newsletter import CONFIRM_MAX_AGE, UNSUBSCRIBE_MAX_AGE
from movedesk.web.app import create_app

from .builders import SLUG, build_store
from .conftest import Inbox


@pytest.fixture
def make_client(settings_for: Callable[[int], Settings]) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []
    built: list[str] = []

    def make(**kwargs: Any) -> TestClient:
        settings = settings_for(8000)
        if settings.db not in built:
            build_store(settings.db, settings)
            built.append(settings.db)
        client = TestClient(create_app(settings, **kwargs), base_url="http://127.0.0.1:8000")
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def _csrf(client: TestClient, path: str = "/subscribe") -> str:
    page = client.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "no CSRF field in the form"
    return found.group(1)


def _signup(client: TestClient, email: str, watch: str = "", frequency: str = "daily") -> Any:
    token = _csrf(client)
    return client.post("/subscribe", data={"email": email, "watch": watch, "frequency": frequency, "csrf": token})


def _confirm_link(mail: Any) -> str:
    text = mail.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"http://[^\s]+/confirm\?token=\S+", text)
    assert found
    return found.group(0).replace("http://127.0.0.1:8000", "")


# -- pages ---------------------------------------------------------------------------------------------
def test_pages_render_and_carry_secure_headers(client: TestClient) -> None:
    for path in ("/", f"/briefs/{SLUG}", "/companies/SMIC", "/search?q=中芯国际", "/subscribe"):
        r = client.get(path)
        assert r.status_code == 200, path
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp  # no script may run at all
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    assert "Semiconductor Manufacturing International" in client.get("/search?q=中芯国际").text
    assert "Semiconductor Manufacturing International" in client.get("/search?q=0981.HK").text
    company = client.get("/companies/0981.HK").text
    assert "0981.HK" in company and "Recent moves" in company and SLUG in company


def test_brief_page_escapes_article_text(client: TestClient) -> None:
    html = client.get(f"/briefs/{SLUG}").text
    assert "<svg" in html  # the chart is inline
    assert "<script" not in html
    assert "onerror=" not in html.replace("onerror=alert(&#34;", "")  # only as escaped text
    assert "&lt;script&gt;alert(&#34;xss-title&#34;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html


def test_brief_page_is_cached_with_etag(client: TestClient) -> None:
    first = client.get(f"/briefs/{SLUG}")
    second = client.get(f"/briefs/{SLUG}")
    assert first.headers["x-movedesk-cache"] == "miss"
    assert second.headers["x-movedesk-cache"] == "hit"
    assert first.content == second.content
    assert second.headers["content-security-policy"]  # cached responses keep the secure headers
    not_modified = client.get(f"/briefs/{SLUG}", headers={"if-none-match": second.headers["etag"]})
    assert not_modified.status_code == 304
    assert client.get("/briefs/NOPE-2024-01-01").status_code == 404


# -- sign-up -------------------------------------------------------------------------------------------
def test_signup_needs_a_valid_csrf_token(client: TestClient, smtp: Inbox) -> None:
    client.get("/subscribe")  # sets the cookie
    missing = client.post("/subscribe", data={"email": "a@example.com"})
    forged = client.post("/subscribe", data={"email": "a@example.com", "csrf": "forged.token"})
    assert missing.status_code == 403 and forged.status_code == 403
    other = TestClient(client.app, base_url="http://127.0.0.1:8000")  # another browser: its own cookie
    stolen = _csrf(client)
    other.get("/subscribe")
    assert other.post("/subscribe", data={"email": "a@example.com", "csrf": stolen}).status_code == 403
    assert smtp.messages == []


@pytest.mark.parametrize("bad", ["not-an-address", "a@b", "x" * 300 + "@example.com", "<script>@example.com"])
def test_signup_rejects_invalid_addresses(client: TestClient, smtp: Inbox, bad: str) -> None:
    r = _signup(client, bad)
    assert r.status_code == 422
    assert "<script>@" not in r.text
    assert smtp.messages == []


def test_signup_is_rate_limited(make_client: Callable[..., TestClient], smtp: Inbox) -> None:
    client = make_client(signup_limit=(3, 600.0))
    codes = [_signup(client, f"r{i}@example.com").status_code for i in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert len(smtp.wait_for(3)) == 3


def test_double_opt_in_applies_watchlist_once(client: TestClient, smtp: Inbox) -> None:
    r = _signup(client, "Watcher@Example.com", watch="中芯国际，0700.HK", frequency="instant")
    assert r.status_code == 200
    state = client.app.state.web  # type: ignore[attr-defined]
    with state.using() as desk:
        sub = desk.store.subscriber(email="watcher@example.com")
    assert sub["status"] == "pending"  # nothing is sent before confirmation
    link = _confirm_link(smtp.wait_for(1)[0])
    # opening the link (as a mail scanner does) shows a button and confirms nothing
    shown = client.get(link)
    assert shown.status_code == 200 and 'id="confirm-subscription"' in shown.text
    with state.using() as desk:
        assert desk.store.subscriber(email="watcher@example.com")["status"] == "pending"
    token = unquote(link.split("token=", 1)[1])
    assert client.post("/confirm", data={"token": token}).status_code == 200
    with state.using() as desk:
        sub = desk.store.subscriber(email="watcher@example.com")
        watchlist = desk.store.watchlist(sub["id"])
    assert sub["status"] == "active" and sub["frequency"] == "instant"
    assert watchlist == ["0700.HK", "SMIC"]
    assert "already subscribed" in client.get(link).text
    again = client.post("/confirm", data={"token": token})
    assert again.status_code == 422 and "already used" in again.text


def test_unknown_watchlist_company_is_refused(client: TestClient, smtp: Inbox) -> None:
    r = _signup(client, "w@example.com", watch="NoSuchCompanyAnywhere")
    assert r.status_code == 422 and "NoSuchCompanyAnywhere" in r.text
    assert smtp.messages == []


def test_tampered_forged_and_expired_tokens_are_refused(client: TestClient) -> None:
    state = client.app.state.web  # type: ignore[attr-defined]
    with state.lock:
        sid = state.desk.store.upsert_subscriber(subscriber_id="s1", email="s1@example.com", frequency="daily")
        state.desk.store.set_subscriber(sid, status="active")
        good = state.newsletter.unsubscribe_url(sid).replace("http://127.0.0.1:8000", "")
        expired = state.newsletter.unsubscribe_url(sid, issued_at=int(time.time()) - UNSUBSCRIBE_MAX_AGE - 60)
        other_key = state.newsletter.tokens.__class__("another-secret").dumps("unsubscribe", {"s": sid})
        wrong_purpose = state.newsletter.tokens.dumps("confirm", {"s": sid, "j": "x"})
    token = good.split("token=")[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, other_key, wrong_purpose, "", "garbage"):
        r = client.post(f"/unsubscribe?token={bad}")
        assert r.status_code == 422, bad
    r = client.post(expired.replace("http://127.0.0.1:8000", ""))
    assert r.status_code == 422 and "expired" in r.text
    with pytest.raises(InvalidLink) as err:  # its own code, so logs and API clients can tell it apart
        state.newsletter.tokens.loads("unsubscribe", tampered, max_age=60)
    assert err.value.code == "W032" and isinstance(err.value, DataValidationError)
    with state.using() as desk:
        assert desk.store.subscriber(sid)["status"] == "active"
    assert client.post(good).status_code == 200
    with state.using() as desk:
        assert desk.store.subscriber(sid)["status"] == "unsubscribed"
    confirm_old = state.newsletter.tokens.dumps(
        "confirm", {"s": sid, "j": "x", "w": [], "f": "daily"}, issued_at=int(time.time()) - CONFIRM_MAX_AGE - 60
    )
    assert "expired" in client.get(f"/confirm?token={confirm_old}").text
    assert "expired" in client.post("/confirm", data={"token": confirm_old}).text
    for bad in ("", "garbage", wrong_purpose[:-2] + "AA"):
        assert client.post("/confirm", data={"token": bad}).status_code == 422


# -- JSON API ------------------------------------------------------------------------------------------
def test_api_errors_are_json_with_movedesk_codes(client: TestClient) -> None:
    r = client.get("/api/v1/companies/NoSuchCompanyAnywhere")
    assert r.status_code == 404
    assert r.json()["code"] == "W040" and r.json()["hint"]
    r = client.get("/api/v1/moves?date=not-a-date")
    assert r.status_code == 422 and r.json()["code"] == "W030"
    r = client.get("/api/v1/explanations/SMIC/2024-12-21")  # a Saturday: no session where SMIC trades
    assert r.status_code == 422 and r.json()["code"] == "W041"
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.json()["code"] == "HTTP404"


def test_api_resources_and_pagination(client: TestClient) -> None:
    briefs = client.get("/api/v1/briefs").json()
    assert [b["slug"] for b in briefs["items"]] == [SLUG] and briefs["next"] is None
    brief = client.get(f"/api/v1/briefs/{SLUG}").json()
    assert brief["kind"] == "brief" and brief["explanation"]["company"]["id"] == "SMIC"
    moves = client.get("/api/v1/moves", params={"date": "2024-12-23"}).json()["items"]
    assert {m["symbol"] for m in moves} == {"688981.SS", "0981.HK", "1347.HK"}
    assert moves[0]["company_id"] == "SMIC" and abs(moves[0]["z"]) >= abs(moves[-1]["z"])
    move = client.get("/api/v1/moves/0981.HK/2024-12-23").json()
    assert move["close"] == pytest.approx(29.10) and move["close_pct"] == pytest.approx(2.8269, abs=1e-3)
    p1 = client.get("/api/v1/articles", params={"company": "SMIC", "per_page": 1}).json()
    p2 = client.get("/api/v1/articles", params={"company": "SMIC", "per_page": 1, "page": 2}).json()
    assert p1["next"] == 2 and p2["next"] is None
    assert p1["items"][0]["id"] != p2["items"][0]["id"]
    article = client.get(f"/api/v1/articles/{p2['items'][0]['id']}").json()
    assert article["kind"] == "article"
    companies = client.get("/api/v1/companies", params={"q": "中芯国际"}).json()["items"]
    assert companies[0]["id"] == "SMIC"
    assert client.get("/api/v1/editions/latest").json()["session"] == "2024-12-23"
    assert client.get("/api/v1/editions").json()["items"][0]["slug"] == "edition-2024-12-23"
    assert client.get("/api/v1/briefs", params={"per_page": 101}).status_code == 422


def test_openapi_lists_the_resources(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    for path in ("/api/v1/moves", "/api/v1/explanations/{company}/{date}", "/api/v1/briefs", "/api/v1/companies",
                 "/api/v1/articles"):
        assert path in paths
    assert not any(p.startswith(("/subscribe", "/briefs")) for p in paths)  # HTML routes stay out


def test_front_page_of_a_quiet_day_lists_the_latest_briefs(client: TestClient) -> None:
    from movedesk.jobs.daily import store_edition
    from movedesk.publish.edition import Edition

    from .builders import SESSION

    state = client.app.state.web  # type: ignore[attr-defined]
    quiet = SESSION.replace(day=24)
    with state.using() as desk:
        store_edition(desk, Edition(session=quiet, briefs=[], market=[]))
    html = client.get("/").text
    assert "Tuesday 24 December 2024" in html and 'id="quiet"' in html
    assert f"/briefs/{SLUG}" in html


def test_settings_link_changes_watchlist_and_frequency(client: TestClient) -> None:
    state = client.app.state.web  # type: ignore[attr-defined]
    with state.using() as desk:
        desk.store.add_subscribers([("m1", "m1@example.com", "active", "daily")])
        url = state.newsletter.manage_url("m1").replace("http://127.0.0.1:8000", "")
        expired = state.newsletter.manage_url("m1", issued_at=int(time.time()) - UNSUBSCRIBE_MAX_AGE - 60)
    page = client.get(url)
    assert page.status_code == 200 and "m1@example.com" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    form = {"token": token, "watch": "中芯国际, 0700.HK", "frequency": "both", "csrf": csrf}
    assert client.post("/manage", data={**form, "csrf": "forged"}).status_code == 403
    assert client.post("/manage", data={**form, "watch": "NoSuchCompanyAnywhere"}).status_code == 422
    saved = client.post("/manage", data=form)
    assert saved.status_code == 200 and 'id="saved"' in saved.text
    with state.using() as desk:
        sub = desk.store.subscriber("m1")
        assert (sub["frequency"], sub["status"]) == ("both", "active")
        assert desk.store.watchlist("m1") == ["0700.HK", "SMIC"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/manage?token={tampered}").status_code == 422
    assert "expired" in client.get(expired.replace("http://127.0.0.1:8000", "")).text
    unsubscribe_token = state.newsletter.unsubscribe_url("m1").split("token=")[1]
    assert client.get(f"/manage?token={unsubscribe_token}").status_code == 422  # salted per purpose
