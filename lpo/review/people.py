"""Reviewers on a review site: invitation, sign-up and their own API token.

Label Studio's Community edition has no roles: whoever holds an account on an instance
reads every project on it, which is why a pool is an instance. Sign-up without the
instance's invitation link is off (lpo.review.server.PRIVACY_ENV), so the review manager
hands each reviewer of the pool the link; a reviewer's coding is then recorded under
their own account, which is what collect reports as the decision's reviewer.
"""

from __future__ import annotations

import re

import httpx

_CSRF = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


class EnrolmentError(RuntimeError):
    """Signing a reviewer up failed; the message says where and what the server answered."""


def invite_token(url: str, admin_token: str) -> str:
    """The instance's invitation token (the `token` of its /user/signup link)."""
    r = httpx.get(f"{url.rstrip('/')}/api/invite", headers={"Authorization": f"Token {admin_token}"}, timeout=30)
    if r.status_code != 200:
        raise EnrolmentError(f"{url}: could not read the invitation link: HTTP {r.status_code}: {r.text[:300]}")
    return r.json()["token"]


def sign_up(url: str, invite: str, email: str, password: str) -> str:
    """Create a reviewer account through the sign-up page (as the reviewer would) and return its API token."""
    base = url.rstrip("/")
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as http:
        page = http.get("/user/signup/", params={"token": invite})
        m = _CSRF.search(page.text)
        if page.status_code != 200 or not m:
            raise EnrolmentError(f"{url}: sign-up page unavailable (HTTP {page.status_code})")
        r = http.post("/user/signup/", params={"token": invite},
                      data={"csrfmiddlewaretoken": m.group(1), "email": email, "password": password},
                      headers={"Referer": f"{base}/user/signup/"})
        if r.status_code not in (302, 303):
            errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>\s*([^<]+)<', r.text)
            raise EnrolmentError(f"{url}: sign-up of {email} refused (HTTP {r.status_code}): "
                                 f"{'; '.join(e.strip() for e in errors) or r.text[:300]}")
        tok = http.get("/api/current-user/token")
        if tok.status_code != 200 or "token" not in tok.json():
            raise EnrolmentError(f"{url}: {email} signed up but its API token could not be read "
                                 f"(HTTP {tok.status_code}); is LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN set?")
        return tok.json()["token"]
