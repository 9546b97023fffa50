"""A local stand-in for ODK Central's OData feed of one form's submissions, for
tests/tests/forms.rs. It answers

    GET /v1/projects/{project}/forms/{form}.svc/Submissions?$top=N&$skip=K&$filter=...

as ODK Central documents it: {"@odata.context": ..., "value": [rows...]} with an
"@odata.nextLink" while rows remain (pages of at most 2 rows, whatever $top asks, so that
paging is exercised), rows in submission order, and $filter of the form
"__system/submissionDate gt T or __system/updatedAt gt T" (timestamps compared as
ISO-8601 text, as they sort). It requires basic authentication with the user and password
given, reads the rows from a JSON file on every request (so a test can edit them between
pulls), listens on 127.0.0.1 only, and prints its port on the first line.

    python tests/clients/odk_standin.py ROWS.json PROJECT FORM USER PASSWORD
"""
import base64
import json
import re
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

rows_file, project, form, user, password = sys.argv[1:6]
PAGE = 2
expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
path = f"/v1/projects/{project}/forms/{form}.svc/Submissions"
FILTER = re.compile(r"^__system/submissionDate gt (\S+) or __system/updatedAt gt (\S+)$")


class Handler(BaseHTTPRequestHandler):
    def answer(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.headers.get("Authorization") != expected:
            return self.answer(401, {"code": 401.2, "message": "Could not authenticate with the provided credentials."})
        url = urllib.parse.urlsplit(self.path)
        if url.path != path:
            return self.answer(404, {"code": 404.1, "message": "Could not find the resource you were looking for."})
        query = dict(urllib.parse.parse_qsl(url.query))
        with open(rows_file, encoding="utf-8") as handle:
            rows = json.load(handle)
        rows.sort(key=lambda row: row["__system"]["submissionDate"])
        if "$filter" in query:
            match = FILTER.match(query["$filter"])
            if not match:
                return self.answer(400, {"code": 400.18, "message": "unsupported filter"})
            since = match.group(1)
            rows = [r for r in rows
                    if r["__system"]["submissionDate"] > since
                    or (r["__system"].get("updatedAt") or "") > since]
        skip = int(query.get("$skip", "0"))
        top = min(int(query.get("$top", str(PAGE))), PAGE)
        page = rows[skip:skip + top]
        body = {"@odata.context": f"http://127.0.0.1:{self.server.server_port}{path[:-12]}$metadata#Submissions", "value": page}
        if skip + top < len(rows):
            following = dict(query, **{"$skip": str(skip + top), "$top": str(top)})
            body["@odata.nextLink"] = (f"http://127.0.0.1:{self.server.server_port}{path}?"
                                       + urllib.parse.urlencode(following))
        self.answer(200, body)

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_port, flush=True)
server.serve_forever()
