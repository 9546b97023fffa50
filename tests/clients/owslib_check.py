"""OWSLib, an independent OGC API client, reads Athar's incidents collection.

    python tests/clients/owslib_check.py http://127.0.0.1:PORT

Run by tests/tests/clients.rs, which starts the server.
"""
import json
import sys
import urllib.request

from owslib.ogcapi.features import Features

base = sys.argv[1]
api = Features(base)

collections = [c["id"] for c in api.collections()["collections"]]
assert "incidents" in collections, collections
assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]

with urllib.request.urlopen(f"{base}/v1/stats?kind=attack") as response:
    attacks = json.load(response)["incidents"]

page = api.collection_items("incidents", limit=25, kind="attack")
assert page["numberMatched"] == attacks, (page["numberMatched"], attacks)
assert page["numberReturned"] == 25, page["numberReturned"]
assert all(f["properties"]["kind"] == "attack" for f in page["features"])

first = page["features"][0]
item = api.collection_item("incidents", first["id"])
assert item["id"] == first["id"] and item["properties"] == first["properties"]
print(f"owslib: {len(collections)} collection(s), {attacks} attacks matched, a page and an item read")
