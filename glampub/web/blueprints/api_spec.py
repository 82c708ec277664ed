"""The OpenAPI 3.0 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from glampub.statuses import ObjectStatus, RunStatus, UploadStatus
from importers.base import format_choices

_ERROR = {"$ref": "#/components/responses/Error"}
_SLUG = {
    "name": "institution",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"},
    "description": "The institution's slug",
}


def _id(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _ERROR for code in codes}


def openapi_document(base_url: str) -> dict[str, Any]:
    upload_schema = {
        "type": "object",
        "required": ["id", "institution", "status"],
        "properties": {
            "id": {"type": "integer"},
            "institution": {"type": "string"},
            "file": {"type": "string"},
            "size": {"type": "integer"},
            "format": {"type": "string", "enum": format_choices()},
            "profile": {"type": "string", "nullable": True},
            "full": {"type": "boolean"},
            "status": {
                "type": "string",
                "enum": [str(status) for status in UploadStatus],
            },
            "message": {"type": "string", "nullable": True},
            "progress": {"type": "object"},
            "preview": {
                "type": "object",
                "nullable": True,
                "description": "The dry run's report: counts, rights per URI, the statements "
                "needing review, problem counts, and `sample`: records as they will look.",
            },
            "preview_run": {"type": "integer", "nullable": True},
            "publish_run": {"type": "integer", "nullable": True},
            "created_at": {"type": "string"},
            "url": {"type": "string"},
            "page": {"type": "string"},
        },
    }
    run_schema = {
        "type": "object",
        "required": ["id", "status", "created", "updated", "unchanged", "withdrawn", "rejected"],
        "properties": {
            "id": {"type": "integer"},
            "file": {"type": "string"},
            "format": {"type": "string"},
            "status": {"type": "string", "enum": [str(status) for status in RunStatus]},
            "dry_run": {"type": "boolean"},
            "started_at": {"type": "string"},
            "finished_at": {"type": "string", "nullable": True},
            "created": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "withdrawn": {"type": "integer"},
            "rejected": {"type": "integer"},
            "rights": {"type": "object", "additionalProperties": {"type": "integer"}},
            "problems_total": {"type": "integer"},
            "problem_counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "message": {"type": "string", "nullable": True},
            "problems": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "record": {"type": "string", "nullable": True},
                        "line": {"type": "integer", "nullable": True},
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "severity": {"type": "string"},
                    },
                },
            },
            "problem_pages": {"type": "integer"},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "glampub staff API",
            "version": "1",
            "description": "Upload an export, read its dry-run preview, publish it; the "
            "rights review queue; withdrawing objects. Every call but this description "
            "needs `Authorization: Bearer <token>` (`glampub token create EMAIL`). A token "
            "acts for its account's institution only (admins: every institution), until it "
            "expires or is revoked (`glampub token revoke ID`); a token that does not act "
            "for anyone answers 401 with the reason.",
        },
        "servers": [{"url": f"{base_url}/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/institutions": {
                "get": {
                    "operationId": "listInstitutions",
                    "summary": "The institutions this token may manage",
                    "responses": {
                        "200": {"description": "Institutions", **_json("InstitutionList")},
                        **_errors(401),
                    },
                }
            },
            "/institutions/{institution}/uploads": {
                "post": {
                    "operationId": "createUpload",
                    "summary": "Upload an export; its dry-run preview starts at once",
                    "parameters": [_SLUG],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["export"],
                                    "properties": {
                                        "export": {
                                            "type": "string",
                                            "format": "binary",
                                            "description": "A CSV or LIDO XML file, or a ZIP "
                                            "holding one of them and the images",
                                        },
                                        "images": {
                                            "type": "string",
                                            "format": "binary",
                                            "description": "A ZIP of images",
                                        },
                                        "format": {
                                            "type": "string",
                                            "enum": format_choices(),
                                        },
                                        "profile": {"type": "string"},
                                        "full": {"type": "string", "enum": ["true", "false"]},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "202": {"description": "Stored; the preview runs", **_json("Upload")},
                        **_errors(400, 401, 403, 404, 413),
                    },
                }
            },
            "/institutions/{institution}/uploads/{upload_id}": {
                "get": {
                    "operationId": "getUpload",
                    "summary": "An upload, its progress and, once done, its preview",
                    "parameters": [_SLUG, _id("upload_id")],
                    "responses": {
                        "200": {"description": "The upload", **_json("Upload")},
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/institutions/{institution}/uploads/{upload_id}/publish": {
                "post": {
                    "operationId": "publishUpload",
                    "summary": "Publish a previewed upload (runs in the background)",
                    "parameters": [_SLUG, _id("upload_id")],
                    "responses": {
                        "202": {"description": "Publishing", **_json("Upload")},
                        **_errors(401, 403, 404, 409),
                    },
                }
            },
            "/institutions/{institution}/imports": {
                "get": {
                    "operationId": "listImports",
                    "summary": "The history of imports, newest first",
                    "parameters": [_SLUG],
                    "responses": {
                        "200": {"description": "Import runs", **_json("ImportList")},
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/institutions/{institution}/imports/{run_id}": {
                "get": {
                    "operationId": "getImport",
                    "summary": "One import's report, with a page of its problems",
                    "parameters": [
                        _SLUG,
                        _id("run_id"),
                        {
                            "name": "page",
                            "in": "query",
                            "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
                        },
                    ],
                    "responses": {
                        "200": {"description": "The report", **_json("ImportRun")},
                        **_errors(400, 401, 403, 404),
                    },
                }
            },
            "/institutions/{institution}/review": {
                "get": {
                    "operationId": "getReviewQueue",
                    "summary": "Each distinct unclear rights statement once, with its objects",
                    "parameters": [_SLUG],
                    "responses": {
                        "200": {"description": "The queue", **_json("ReviewQueue")},
                        **_errors(401, 403, 404),
                    },
                },
                "post": {
                    "operationId": "decideStatement",
                    "summary": "Decide a statement for good: applies to every object with it",
                    "parameters": [_SLUG],
                    "requestBody": {"required": True, **_json("Decision")},
                    "responses": {
                        "200": {"description": "Decided", **_json("DecisionResult")},
                        **_errors(400, 401, 403, 404),
                    },
                },
            },
            "/institutions/{institution}/objects/status": {
                "post": {
                    "operationId": "setObjectStatus",
                    "summary": "Withdraw an object (410 Gone) or publish it again",
                    "parameters": [_SLUG],
                    "requestBody": {"required": True, **_json("ObjectStatus")},
                    "responses": {
                        "200": {"description": "Done", **_json("ObjectStatusResult")},
                        **_errors(400, 401, 403, 404),
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Error": {
                    "description": "What was wrong, and what to do",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "status", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "status": {"type": "integer"},
                        "message": {"type": "string"},
                    },
                },
                "Institution": {
                    "type": "object",
                    "properties": {
                        "slug": {"type": "string"},
                        "name": {"type": "string"},
                        "homepage": {"type": "string", "nullable": True},
                    },
                },
                "InstitutionList": {
                    "type": "object",
                    "properties": {
                        "institutions": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Institution"},
                        }
                    },
                },
                "Upload": upload_schema,
                "ImportRun": run_schema,
                "ImportList": {
                    "type": "object",
                    "properties": {
                        "imports": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/ImportRun"},
                        }
                    },
                },
                "ReviewQueue": {
                    "type": "object",
                    "properties": {
                        "items": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "statement": {"type": "string"},
                                    "no_statement": {
                                        "type": "boolean",
                                        "description": "The records that state nothing at "
                                        "all (statement is empty); decide them with "
                                        "no_statement: true",
                                    },
                                    "count": {"type": "integer"},
                                    "examples": {"type": "array", "items": {"type": "string"}},
                                    "reason": {"type": "string"},
                                },
                            },
                        }
                    },
                },
                "Decision": {
                    "type": "object",
                    "description": "A statement and its target; or no_statement: true and "
                    "a target, for the records that state nothing at all (never applied to "
                    "a record with a statement of its own)",
                    "required": ["target"],
                    "properties": {
                        "statement": {"type": "string", "minLength": 1},
                        "no_statement": {"type": "boolean"},
                        "target": {
                            "type": "string",
                            "description": "A rights URI, licence code or needs-review",
                        },
                        "note": {"type": "string"},
                    },
                },
                "DecisionResult": {
                    "type": "object",
                    "properties": {
                        "statement": {"type": "string"},
                        "no_statement": {"type": "boolean"},
                        "target": {"type": "string"},
                        "changed": {"type": "integer"},
                    },
                },
                "ObjectStatus": {
                    "type": "object",
                    "required": ["identifier", "status"],
                    "properties": {
                        "identifier": {"type": "string", "minLength": 1},
                        "status": {"type": "string", "enum": [s.value for s in ObjectStatus]},
                    },
                },
                "ObjectStatusResult": {
                    "type": "object",
                    "properties": {
                        "identifier": {"type": "string"},
                        "status": {"type": "string"},
                        "changed": {"type": "boolean"},
                    },
                },
            },
        },
    }
