#!/usr/bin/env python3
"""Checks docs/openapi.yaml's examples and a daemon's real answers against the document's schemas.

    openapi_schemas.py OPENAPI.yaml [OBSERVED.json]

OBSERVED.json, written by tests/api/openapi_coverage_pgtest.cpp: a list of
{"method", "path" (the template), "status", "body"} of the answers a daemon gave. Prints one line
per problem and exits 1 if there is any. Needs python3-yaml and python3-jsonschema (scripts/setup).
"""
import json
import sys

import jsonschema
import yaml

METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def pointer(*parts):
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def problems_of(document, schema_pointer, instance):
    # The schema is reached through a $ref from a root that holds the whole document, so that
    # its own $refs (#/components/schemas/...) resolve. OpenAPI 3.1 schemas are JSON Schema 2020-12.
    root = dict(document)
    root["$ref"] = schema_pointer
    validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}" for e in validator.iter_errors(instance)]


def main():
    with open(sys.argv[1]) as f:
        document = yaml.safe_load(f)
    observed = []
    if len(sys.argv) > 2:
        with open(sys.argv[2]) as f:
            observed = json.load(f)
    failures = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
                if "schema" not in media:
                    failures.append(f"{where}: request {media_type} has no schema")
                    continue
                schema = pointer("paths", path, method, "requestBody", "content", media_type, "schema")
                examples = {"example": media["example"]} if "example" in media else {}
                examples.update({name: e["value"] for name, e in media.get("examples", {}).items()})
                for name, value in examples.items():
                    for p in problems_of(document, schema, value):
                        failures.append(f"{where}: request example {name} does not fit its schema: {p}")
            for status, response in operation.get("responses", {}).items():
                for media_type, media in response.get("content", {}).items():
                    if "schema" in media and "example" in media:
                        schema = pointer("paths", path, method, "responses", status, "content", media_type, "schema")
                        for p in problems_of(document, schema, media["example"]):
                            failures.append(f"{where}: the {status} example does not fit its schema: {p}")

    for name, response in document.get("components", {}).get("responses", {}).items():
        for media_type, media in response.get("content", {}).items():
            if "schema" in media and "example" in media:
                schema = pointer("components", "responses", name, "content", media_type, "schema")
                for p in problems_of(document, schema, media["example"]):
                    failures.append(f"components/responses/{name}: its example does not fit its schema: {p}")

    for answer in observed:
        where = f"{answer['method']} {answer['path']}"
        operation = document["paths"].get(answer["path"], {}).get(answer["method"].lower())
        if operation is None:
            failures.append(f"{where}: not in the document")
            continue
        status = str(answer["status"])
        response = operation.get("responses", {}).get(status)
        if response is None:
            failures.append(f"{where}: answered {status}, which the document does not list")
            continue
        ref = response.get("$ref")  # "#/components/responses/X"
        if ref:
            response = document["components"]["responses"][ref.rsplit("/", 1)[1]]
        media = response.get("content", {}).get("application/json")
        if media is None or "schema" not in media or answer["body"] is None:
            continue
        schema = (ref + "/content/application~1json/schema" if ref else
                  pointer("paths", answer["path"], answer["method"].lower(), "responses", status, "content",
                          "application/json", "schema"))
        for p in problems_of(document, schema, answer["body"]):
            failures.append(f"{where}: the daemon's {status} answer does not fit the documented schema: {p}")

    for failure in failures:
        print(failure)
    print(f"checked {len(document['paths'])} paths and {len(observed)} answers: {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
