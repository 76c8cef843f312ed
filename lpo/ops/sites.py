"""Check each review site's token: is its environment variable set, and does the site accept it?

Used after a token is rotated, before the workers are restarted. The token is sent to its
site and nowhere else; what is reported names the site and the variable, never the value.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from lpo.matter import Matter, ReviewSite
from lpo.secrets import SecretsError, secret

WHOAMI = "/api/current-user/whoami"  # any account may call it: it proves the token and nothing more


@dataclass(frozen=True)
class SiteCheck:
    site: str
    url: str
    token_env: str
    state: str            # ok | unset | refused | unreachable | error
    detail: str           # the account the token belongs to, or what went wrong and what to do

    @property
    def ok(self) -> bool:
        return self.state == "ok"


def check_site(site: ReviewSite, timeout: float = 15.0) -> SiteCheck:
    def result(state: str, detail: str) -> SiteCheck:
        return SiteCheck(site.name, site.url, site.token_env, state, detail)

    try:
        token = secret(site.token_env)
    except SecretsError as e:
        return result("unset", str(e))
    if not token:
        return result("unset", f"{site.token_env} is not set: export it with the API token of {site.url} "
                               f"(Label Studio: Account & Settings), in the workers' environment too")
    try:
        r = httpx.get(site.url.rstrip("/") + WHOAMI, headers={"Authorization": f"Token {token}"}, timeout=timeout)
    except httpx.HTTPError as e:
        return result("unreachable", f"{site.url} did not answer ({type(e).__name__}): is the site up?")
    if r.status_code in (401, 403):
        return result("refused", f"{site.url} refused the token in {site.token_env} (HTTP {r.status_code}): it was "
                                 f"reset or belongs to another site; put the current token in {site.token_env}")
    if r.status_code != 200:
        return result("error", f"{site.url}{WHOAMI} answered HTTP {r.status_code}: is this a Label Studio server?")
    try:
        who = r.json().get("email") or r.json().get("username") or "?"
    except ValueError:
        return result("error", f"{site.url}{WHOAMI} did not answer JSON: is this a Label Studio server?")
    return result("ok", f"accepted, account {who}")


def check_sites(matter: Matter) -> list[SiteCheck]:
    return [check_site(s) for s in matter.review_sites]
