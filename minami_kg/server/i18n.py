"""Japanese first, English on request: which language a page speaks, and `t(ja, en)`.

The language is chosen per request, in this order: `?lang=ja|en` (which also
sets a `lang` cookie, so the choice follows the user from page to page), the
`lang` cookie, the browser's Accept-Language, and Japanese.

UI strings live beside their use, as pairs: `{{ t("検索", "Search") }}`. A
template reads in both languages at once, and a missing English string cannot
go unnoticed in review. Data labels go through the same function:
`t(label_ja, label_en)` falls back to Japanese when there is no English label.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, Response, g, request

from minami_kg.readmodels.plans import pick

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600


def negotiate_language() -> str:
    """The language of this request's page (see the module docstring for the order)."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    cookie = request.cookies.get(COOKIE)
    if cookie in LANGUAGES:
        return cookie
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The request's language, negotiated on first use (machine endpoints never ask)."""
    if "lang" not in g:
        g.lang = negotiate_language()
    return g.lang


def t(ja: str | None, en: str | None = None) -> str:
    """`en` on an English page when there is one, else `ja` (`models.plans.pick`)."""
    return pick(current_language(), ja, en)


def url_in(lang: str) -> str:
    """This page's URL in `lang`: the same path and parameters, `lang` replaced."""
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    params.append(("lang", lang))
    return f"{request.path}?{urlencode(params)}"


def init_app(app: Flask) -> None:
    """Remember an explicit choice of language; say which one an HTML page speaks."""

    @app.after_request
    def remember_language(response: Response) -> Response:
        if response.mimetype == "text/html":
            response.content_language.add(current_language())
            response.vary.update(("Accept-Language", "Cookie"))
        asked = request.args.get("lang")
        if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
            response.set_cookie(COOKIE, asked, max_age=COOKIE_MAX_AGE, samesite="Lax")
        return response

    app.jinja_env.globals.update(t=t, url_in=url_in, languages=LANGUAGES)

    @app.context_processor
    def language() -> dict[str, str]:
        return {"lang": current_language()}
