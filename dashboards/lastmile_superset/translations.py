"""Corrections to Superset 6.1's Chinese (zh) translation of what a board and the login page show.

Superset's zh pack translates the table chart's row count as "异常" (exception: "187 异常" in the
search box), its page-size selector as "显示指标 … 序列" and "选择标签", "Display all" as
"显示名称", and titles the login page "Not In" (for "Sign in"). The frontend fetches the pack from
``/superset/language_pack/zh/``; ``install`` wraps that view so it answers the pack with the
entries below replaced — to every browser, the login page's included (Superset refused it to a
browser not logged in, so its login page drew in English) — and seeds the server-side cache of
packs with the same corrected pack.
"""

from __future__ import annotations

import json
from typing import Any

LOCALE = "zh"

# msgid → translation; a list for plural entries (zh has one form: nplurals=1)
CORRECTIONS: dict[str, list[str]] = {
    # the table chart's search box: "共 187 条" (rows the table holds, all pages)
    "%s record": ["共 %s 条"],
    "%s record...": ["共 %s 条…"],
    "Search %s records": ["在 %s 条记录中搜索"],
    # the page-size selector: "每页显示 [10] 条"
    "Show": ["每页显示"],
    "entries": ["条"],
    "Show %s entries": ["每页显示 %s 条"],
    "entries per page": ["条"],
    "Select page size": ["选择每页条数"],
    "Page Size:": ["每页条数："],
    "Display all": ["全部显示"],
    "Main": ["主值"],
    "Search by": ["搜索列"],
    # the login page (the pack has "Not In" for its title, a tag prompt for its username hint)
    "Sign in": ["登录"],
    "Enter your login and password below:": ["请输入用户名和密码："],
    "Please enter your username": ["请输入用户名"],
    "Please enter your password": ["请输入密码"],
    "Register": ["注册"],
}


def corrected(pack: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Jed language pack with CORRECTIONS applied."""
    pack = json.loads(json.dumps(pack))
    messages = pack["locale_data"]["superset"]
    messages.update(CORRECTIONS)
    return pack


def install(app: Any) -> None:
    """Serve the corrected zh pack from the language-pack view and Superset's pack cache."""
    from flask import Response
    from superset.translations import utils

    original = utils.get_language_pack(LOCALE)
    if not original:
        return
    pack = corrected(original)
    utils.ALL_LANGUAGE_PACKS[LOCALE] = pack
    body = json.dumps(pack, ensure_ascii=False)

    endpoint = next(
        (
            rule.endpoint
            for rule in app.url_map.iter_rules()
            if rule.rule == "/superset/language_pack/<lang>/"
        ),
        None,
    )
    if endpoint is None:
        raise RuntimeError("Superset has no /superset/language_pack/<lang>/ view to correct")
    view = app.view_functions[endpoint]

    def language_pack(*args: Any, **kwargs: Any) -> Any:
        # the zh pack to everyone, the login page included (Superset's public translation
        # text, no data); any other language through Superset's own view and checks
        lang = kwargs.get("lang", args[0] if args else None)
        if lang == LOCALE:
            return Response(body, mimetype="application/json")
        return view(*args, **kwargs)

    app.view_functions[endpoint] = language_pack
