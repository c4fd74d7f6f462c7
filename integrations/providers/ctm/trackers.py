"""Trackers: CTM has no tracker object, so a tracker is a tracking source with its tracking numbers.

These orchestrate several CTM calls; if a later step fails, the source created earlier is removed
again so that a failed create leaves nothing behind.
"""

import logging
from dataclasses import dataclass
from typing import Any

from integrations.providers.ctm.client import CtmClient
from integrations.providers.ctm.errors import CtmError, CtmNoNumberAvailable

logger = logging.getLogger(__name__)

SOURCE_FIELDS = ("name", "referring_url", "landing_url", "online")


@dataclass(frozen=True)
class NumberPurchase:
    area_code: str = ""
    toll_free: bool = False
    country_code: str = "US"


def tracker_representation(source: dict[str, Any], numbers: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": str(source.get("id")),
        "name": source.get("name") or "",
        "referring_url": source.get("referring_url") or "",
        "landing_url": source.get("landing_url") or "",
        "position": source.get("position"),
        "online": bool(source.get("online")),
        "numbers": [
            {
                "id": str(n.get("id")),
                "number": n.get("number") or "",
                "formatted": n.get("formatted") or "",
                "name": n.get("name") or "",
            }
            for n in numbers
        ],
    }


def tracker_get(*, ctm: CtmClient, account_id: str, tracker_id: str) -> dict[str, Any]:
    source = ctm.get_source(account_id=account_id, source_id=tracker_id)
    return tracker_representation(source, ctm.source_numbers(account_id=account_id, source_id=tracker_id))


def tracker_list(*, ctm: CtmClient, account_id: str, page: int, limit: int) -> tuple[list[dict[str, Any]], dict]:
    body = ctm.list_sources(account_id=account_id, page=page, per_page=limit)
    trackers = [
        tracker_representation(source, ctm.source_numbers(account_id=account_id, source_id=str(source["id"])))
        for source in body.get("sources") or []
    ]
    return trackers, body


def _attach(ctm: CtmClient, account_id: str, source_id: str, number_ids: list[str], buy: NumberPurchase | None):
    for number_id in number_ids:
        ctm.add_number_to_source(account_id=account_id, source_id=source_id, number_id=number_id)
    if buy is not None:
        found = ctm.search_numbers(
            account_id=account_id, area_code=buy.area_code, country_code=buy.country_code, toll_free=buy.toll_free
        )
        if not found:
            raise CtmNoNumberAvailable("CTM has no number available for that search.", status=404)
        number = ctm.buy_number(account_id=account_id, phone_number=found[0]["phone_number"])
        ctm.add_number_to_source(account_id=account_id, source_id=source_id, number_id=str(number["id"]))


def tracker_create(
    *,
    ctm: CtmClient,
    account_id: str,
    fields: dict[str, Any],
    number_ids: list[str],
    buy: NumberPurchase | None = None,
) -> dict[str, Any]:
    source = ctm.create_source(account_id=account_id, fields={k: v for k, v in fields.items() if k in SOURCE_FIELDS})
    source_id = str(source["id"])
    try:
        _attach(ctm, account_id, source_id, number_ids, buy)
    except CtmError:
        try:
            ctm.delete_source(account_id=account_id, source_id=source_id)
        except CtmError:
            logger.exception("ctm tracker create: could not remove source %s after a failed step", source_id)
        raise
    return tracker_get(ctm=ctm, account_id=account_id, tracker_id=source_id)


def tracker_update(
    *, ctm: CtmClient, account_id: str, tracker_id: str, fields: dict[str, Any], number_ids: list[str]
) -> dict[str, Any]:
    ctm.update_source(
        account_id=account_id, source_id=tracker_id, fields={k: v for k, v in fields.items() if k in SOURCE_FIELDS}
    )
    _attach(ctm, account_id, tracker_id, number_ids, None)
    return tracker_get(ctm=ctm, account_id=account_id, tracker_id=tracker_id)


def tracker_delete(*, ctm: CtmClient, account_id: str, tracker_id: str, release_numbers: bool) -> int:
    """Delete the source; with `release_numbers`, release its numbers first. Returns numbers released."""
    released = 0
    if release_numbers:
        for number in ctm.source_numbers(account_id=account_id, source_id=tracker_id):
            ctm.release_number(account_id=account_id, number_id=str(number["id"]))
            released += 1
    else:
        ctm.get_source(account_id=account_id, source_id=tracker_id)  # a 404 before anything is touched
    ctm.delete_source(account_id=account_id, source_id=tracker_id)
    return released
