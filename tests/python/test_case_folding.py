"""Case-insensitive listings against an independent reference: Python's str.casefold (Unicode
full case folding), not the engine's own fold."""

import json
import urllib.parse
import urllib.request


def get(server, path):
    with urllib.request.urlopen(server + path) as r:
        return json.load(r)


def listing(server, prefix):
    items, after = [], None
    while True:
        query = {"prefix": prefix, "case": "insensitive", "limit": 50}
        if after:
            query["after"] = after
        page = get(server, "/titles?" + urllib.parse.urlencode(query))
        items += [item["title"] for item in page["items"]]
        after = page["next"]
        if not after:
            return items


def test_insensitive_listings_match_python_casefold(server):
    titles = [item["title"] for item in get(server, "/titles?limit=10000")["items"]]
    assert len(titles) > 100
    # Prefixes in other cases than the titles': swapped, upper, lower, and with non-ASCII kept.
    prefixes = {"ANARCH", "aNa", "list of", "ALBERT", "zü", "STRASSE", "straße"}
    prefixes |= {t[:4].swapcase() for t in titles[::17] if t[:4].strip() == t[:4]}
    hits = 0
    for prefix in sorted(prefixes):
        want = sorted(t for t in titles if t.casefold().startswith(prefix.casefold()))
        got = listing(server, prefix)
        assert sorted(got) == want, prefix
        keys = [t.casefold().encode("utf-8") for t in got]
        assert keys == sorted(keys), f"{prefix}: not in folded order"
        hits += len(got)
    assert hits > 50
