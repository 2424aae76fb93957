"""Issue 15 item 6: the API as a user meets it. Every endpoint's answers and errors have a schema in
/openapi.json, and real answers validate against it; answers are UTF-8 JSON with letters as they are
(no \\u escapes); facts.csv has an Excel option (UTF-8 BOM); the README's curl lines run as written
against a live server; /docs serves Swagger UI 5 (which reads OpenAPI 3.1) from this server."""

from __future__ import annotations

import csv
import io
import re
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from web_support import DAY, WATCHLIST, fill, live_server, web_db  # noqa: F401 - web_db is a fixture

from newsmon.web import api, create_app, models
from newsmon.web.docs import SWAGGER, SWAGGER_UI_VERSION

README = Path(__file__).resolve().parents[1] / "README.md"
# one real request per endpoint, with Cyrillic and Kazakh parameters where the endpoint takes any
REQUESTS = {
    "/api/v1/facts": {"territory": "ВКО", "kind": "akim"},
    "/api/v1/facts.csv": {"program": "Ауыл аманаты"},
    "/api/v1/facts/{fact_id}": {},
    "/api/v1/search": {"q": "әкім"},
    "/api/v1/akims": {"territory": "Шемонаихинский район"},
    "/api/v1/persons/{person_id}": {},
    "/api/v1/territories/{kato}": {},
    "/api/v1/programs": {"program": "Ауыл аманаты"},
    "/api/v1/articles": {"lang": "kk"},
    "/api/v1/articles/{article_id}": {},
    "/api/v1/digest": {"date": DAY, "lang": "kk"},
    "/api/v1/coverage": {},
    "/api/v1/overview": {"period": "30d", "lang": "kk"},
}


@pytest.fixture(scope="module")
def app(web_db: str) -> Any:
    return create_app(web_db, watchlist=WATCHLIST)


@pytest.fixture(scope="module")
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def concrete(path: str) -> str:
    return (
        path.replace("{fact_id}", "1")
        .replace("{article_id}", "1")
        .replace("{person_id}", "1")
        .replace("{kato}", "634800000")  # Шемонаихинский район as the test facts name it
    )


def test_every_endpoint_and_error_has_a_schema(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert set(spec["paths"]) == set(REQUESTS)
    schemas = spec["components"]["schemas"]
    for path, ops in spec["paths"].items():
        for code, answer in ops["get"]["responses"].items():
            content = answer.get("content")
            assert content, f"{path} {code} has no content schema"
            for media, body in content.items():
                schema = body.get("schema")
                assert schema, f"{path} {code} {media} has no schema"
                ref = schema.get("$ref", "")
                if media == "application/json":
                    assert ref.removeprefix("#/components/schemas/") in schemas, (path, code)
                if code != "200":
                    assert ref == "#/components/schemas/ApiError", (path, code)
    # and the real answers fit them: each route's response_model validates what it sent
    routes = {r.path: r for r in api.router.routes if isinstance(r, APIRoute)}
    for path, params in REQUESTS.items():
        r = client.get(concrete(path), params=params)
        assert r.status_code == 200, (path, r.text[:200])
        model = routes[path].response_model
        if model is not None:
            assert issubclass(model, BaseModel)
            model.model_validate(r.json())
    error = client.get("/api/v1/facts", params={"territory": "Атлантида"})
    assert error.status_code == 404
    models.ApiError.model_validate(error.json())
    invalid = client.get("/api/v1/facts", params={"limit": "много"})
    assert invalid.status_code == 422
    assert models.ApiError.model_validate(invalid.json()).detail


@pytest.mark.parametrize("path", list(REQUESTS))
def test_answers_are_utf8_json_without_escapes(client: TestClient, path: str) -> None:
    r = client.get(concrete(path), params=REQUESTS[path])
    assert r.status_code == 200
    assert "charset=utf-8" in r.headers["content-type"].replace(" ", "").lower() or r.headers[
        "content-type"
    ].startswith("application/json")
    text = r.content.decode("utf-8")  # strict: the bytes are UTF-8
    assert "\\u" not in text, f"{path} escapes letters: {text[text.find(chr(92) + 'u') :][:40]}"
    assert re.search("[а-яёәғқңөұүһі]", text, re.IGNORECASE), f"{path} shows no Cyrillic"


def test_errors_are_utf8_without_escapes(client: TestClient) -> None:
    r = client.get("/api/v1/facts", params={"territory": "Атлантида"})
    assert r.status_code == 404 and "Атлантида" in r.content.decode("utf-8")
    assert "\\u" not in r.text


@pytest.mark.parametrize("sep", [",", ";"])
def test_facts_csv_for_excel(client: TestClient, sep: str) -> None:
    plain = client.get("/api/v1/facts.csv", params={"program": "Ауыл аманаты"})
    excel = client.get(
        "/api/v1/facts.csv", params={"program": "Ауыл аманаты", "excel": "1", "sep": sep}
    )
    assert not plain.content.startswith(b"\xef\xbb\xbf")
    assert excel.content.startswith(b"\xef\xbb\xbf")  # the UTF-8 byte order mark Excel looks for
    rows = list(csv.reader(io.StringIO(excel.content.decode("utf-8-sig")), delimiter=sep))
    ref = list(csv.reader(io.StringIO(plain.content.decode("utf-8"))))
    assert rows == ref and len(rows) > 1 and "Ауыл аманаты" in excel.content.decode("utf-8")


def test_coverage_without_dates_takes_the_last_30_days(client: TestClient) -> None:
    r = client.get("/api/v1/coverage")
    assert r.status_code == 200
    body = r.json()
    assert body["until"] == "2024-11-20"  # the day of the newest article
    assert body["since"] == "2024-10-22" and body["rows"]
    for ui in ("ru", "kk"):
        page = client.get("/coverage", params={"ui": ui})
        assert page.status_code == 200 and 'value="2024-10-22"' in page.text


def test_docs_serves_swagger_ui_5(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "<script>" not in page.text
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.content) > 1_000_000
    assert int(SWAGGER_UI_VERSION.split(".")[0]) >= 5  # 5.x reads OpenAPI 3.1; 4.x does not
    package_notice = (SWAGGER / "NOTICE").read_text()
    assert "swagger-ui" in package_notice and (SWAGGER / "LICENSE").is_file()
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert client.get("/docs/assets/LICENSE").status_code == 404


# ---------------------------------------------------------------- the README's curl lines
def readme_curl_lines() -> list[str]:
    """The curl commands of README.md's shell blocks, as written (comments after them cut)."""
    text = README.read_text(encoding="utf-8")
    lines = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("curl "):
                lines.append(re.sub(r"\s+#\s.*$", "", line).strip())
    return lines


def test_readme_has_curl_examples_with_cyrillic() -> None:
    lines = readme_curl_lines()
    assert len(lines) >= 3
    assert any(re.search("[А-Яа-яӘәҚқҰұ]", line) for line in lines)


@pytest.mark.skipif(shutil.which("curl") is None, reason="no curl on this machine")
def test_readme_curl_lines_work_as_written(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('readme') / 'web.db'}"
    fill(url)
    with live_server(url) as base:
        for line in readme_curl_lines():
            words = shlex.split(line.replace("http://127.0.0.1:8000", base))
            out = None
            if ">" in words:  # `> facts.csv`: the answer goes to that file
                at = words.index(">")
                out, words = tmp_path / words[at + 1], words[:at]
            done = subprocess.run(
                [*words, "--silent", "--show-error", "--fail-with-body"],
                capture_output=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, (line, done.stderr.decode(), done.stdout[:300])
            body = done.stdout.decode("utf-8")
            if out is not None:
                out.write_bytes(done.stdout)
                rows = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
                assert rows and all("Ауыл аманаты" in r["program"] for r in rows), line
            else:
                assert body.startswith("{") and "\\u" not in body, line
                assert re.search("[А-Яа-я]", body), line
