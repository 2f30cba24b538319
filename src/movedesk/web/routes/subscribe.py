"""The sign-up flow: form → confirmation mail → confirm link → (later) one-click unsubscribe."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from movedesk.errors import DataValidationError, MovedeskError, ProviderError
from movedesk.web.deps import StateDep, client_key
from movedesk.web.render import page
from movedesk.web.security import csrf_ok, csrf_pair, set_csrf_cookie

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

_SENT = (
    "Thanks. If the address is valid, a confirmation link is on its way: open it to start receiving briefs. "
    "Nothing is sent until you confirm."
)


def _form_page(request: Request, state: StateDep, *, error: str = "", form: dict[str, str] | None = None,
               status: int = 200) -> Response:
    cookie, token = csrf_pair(request, state.settings)
    response = HTMLResponse(page("subscribe.html.j2", csrf=token, error=error, form=form), status_code=status)
    set_csrf_cookie(response, cookie, state.settings)
    return response


@router.get("/subscribe", response_class=HTMLResponse)
def subscribe_form(request: Request, state: StateDep) -> Response:
    return _form_page(request, state)


@router.post("/subscribe", response_class=HTMLResponse)
async def subscribe(
    request: Request,
    state: StateDep,
    email: str = Form("", max_length=320),
    watch: str = Form("", max_length=1000),
    frequency: str = Form("daily", max_length=20),
    csrf: str = Form("", max_length=400),
) -> Response:
    form = {"email": email, "watch": watch}
    if not csrf_ok(request, csrf, state.settings):
        return _form_page(request, state, error="The form expired or was not sent from this site; try again.",
                          form=form, status=403)
    if not state.signup_limiter.allow(client_key(request)):
        return _form_page(request, state, error="Too many sign-ups from your address; try again later.",
                          form=form, status=429)

    def work() -> None:
        with state.lock:
            signup = state.newsletter.sign_up(email, watch=watch.replace("，", ",").split(","),
                                              frequency=frequency)
            mail = state.newsletter.confirmation_mail(signup)
        state.mailer.send_one(signup.email, mail)

    try:
        await run_in_threadpool(work)
    except DataValidationError as exc:
        return _form_page(request, state, error=exc.message, form=form, status=422)
    except ProviderError as exc:
        log.error("confirmation mail not sent: %s", exc)
        return _form_page(request, state, error="We could not send the confirmation mail right now; try later.",
                          form=form, status=503)
    except MovedeskError as exc:  # e.g. an unknown company in the watch-list
        return _form_page(request, state, error=f"{exc.message}", form=form, status=422)
    return HTMLResponse(page("message.html.j2", title="Check your inbox", message=_SENT))


@router.get("/confirm", response_class=HTMLResponse)
def confirm_page(state: StateDep, token: str = Query("", max_length=2000)) -> Response:
    """Shows a button (a GET never confirms: mail link scanners open links)."""
    with state.lock:
        sub = state.newsletter.check_confirm(token)
    if sub["status"] == "active":
        return HTMLResponse(page("message.html.j2", title="You are subscribed",
                                 message=f"{sub['email']} is already subscribed."))
    return HTMLResponse(
        page("message.html.j2", title="Confirm your subscription",
             message=f"Start sending movedesk mails to {sub['email']}?", confirm_token=token, email=sub["email"])
    )


@router.post("/confirm", response_class=HTMLResponse)
def confirm(state: StateDep, token: str = Form("", max_length=2000)) -> Response:
    """The confirmation page's button: activates the subscription (the token is single use)."""
    with state.lock:
        sub = state.newsletter.confirm(token)
        watch = state.desk.watchlist(sub["id"])
    message = f"Subscription confirmed for {sub['email']} ({sub['frequency']})."
    if watch:
        message += f" Watching: {', '.join(watch)}."
    return HTMLResponse(page("message.html.j2", title="You are subscribed", message=message))


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(state: StateDep, token: str = Query("", max_length=2000)) -> Response:
    """Shows a button (a GET never unsubscribes: link scanners open links)."""
    with state.lock:
        sub = state.newsletter.check_unsubscribe(token)
    if sub["status"] == "unsubscribed":
        return HTMLResponse(page("message.html.j2", title="Unsubscribed", message=f"{sub['email']} is unsubscribed."))
    return HTMLResponse(
        page("message.html.j2", title="Unsubscribe", message="Stop all movedesk mails to this address?",
             unsubscribe_token=token, email=sub["email"])
    )


@router.post("/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(request: Request, state: StateDep) -> Response:
    """One-click (RFC 8058: the token in the URL, body ``List-Unsubscribe=One-Click``) or the page's button."""
    token = request.query_params.get("token", "")
    if not token:
        form = await request.form()
        value = form.get("token", "")
        token = value if isinstance(value, str) else ""

    def work() -> dict[str, str]:
        with state.lock:
            return state.newsletter.unsubscribe(token[:2000])

    sub = await run_in_threadpool(work)
    return HTMLResponse(page("message.html.j2", title="Unsubscribed",
                             message=f"{sub['email']} is unsubscribed. No more mails will be sent."))


def _manage_page(request: Request, state: StateDep, token: str, sub: dict[str, str], watch: list[str], *,
                 error: str = "", saved: bool = False, status: int = 200) -> Response:
    cookie, csrf = csrf_pair(request, state.settings)
    html = page("manage.html.j2", csrf=csrf, token=token, email=sub["email"], status=sub["status"],
                frequency=sub["frequency"], watch=", ".join(watch), error=error, saved=saved)
    response = HTMLResponse(html, status_code=status)
    set_csrf_cookie(response, cookie, state.settings)
    return response


@router.get("/manage", response_class=HTMLResponse)
def manage_form(request: Request, state: StateDep, token: str = Query("", max_length=2000)) -> Response:
    """The reader's settings, reached from the signed link in every mail."""
    with state.lock:
        sub = state.newsletter.check_manage(token)
        watch = state.desk.watchlist(sub["id"])
    return _manage_page(request, state, token, sub, watch)


@router.post("/manage", response_class=HTMLResponse)
def manage(
    request: Request,
    state: StateDep,
    token: str = Form("", max_length=2000),
    watch: str = Form("", max_length=1000),
    frequency: str = Form("daily", max_length=20),
    csrf: str = Form("", max_length=400),
) -> Response:
    with state.lock:
        sub = state.newsletter.check_manage(token)
        current = state.desk.watchlist(sub["id"])
        if not csrf_ok(request, csrf, state.settings):
            return _manage_page(request, state, token, sub, current, status=403,
                                error="The form expired or was not sent from this site; try again.")
        try:
            sub = state.newsletter.update(token, watch=watch.replace("，", ",").split(","), frequency=frequency)
        except MovedeskError as exc:
            return _manage_page(request, state, token, sub, current, error=exc.message, status=422)
        current = state.desk.watchlist(sub["id"])
    return _manage_page(request, state, token, sub, current, saved=True)
