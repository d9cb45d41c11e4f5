"""API plumbing: bearer-token auth, role checks and one JSON error shape for every failure."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.schema import DjangoGetter
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle
from pydantic import AfterValidator, ConfigDict, ValidationInfo, field_validator, model_validator

from appeals.services import InvalidTransition, PermissionRefused, ServiceError, StaleVersion
from core.models import Role
from core.tokens import api_token_authenticate

logger = logging.getLogger(__name__)


def _sane_datetime(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("Give the time with its offset, e.g. 2026-11-02T10:00:00-05:00 or 2026-11-02T15:00:00Z.")
    value = value.astimezone(UTC)
    if not 2000 <= value.year <= 2100:
        raise ValueError("Dates must fall between the years 2000 and 2100.")
    return value


# Every datetime the API accepts: with an offset, in a sane range, stored in UTC.
ApiDateTime = Annotated[datetime, AfterValidator(_sane_datetime)]


def _sane_date(value: date) -> date:
    if not 2000 <= value.year <= 2100:
        raise ValueError("Dates must fall between the years 2000 and 2100.")
    return value


# Every calendar day the API accepts: a day near 9999-12-31 would overflow the ranges built from it.
ApiDate = Annotated[date, AfterValidator(_sane_date)]


NUL_MESSAGE = "Text must not contain NUL characters (\\u0000)."


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(v) for v in value)
    return False  # an object is a nested schema, which checks its own fields (and names them)


class ApiQuery(Schema):
    """Base of every query-string schema: no text with a NUL (PostgreSQL cannot store or compare it)."""

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value


class ApiInput(ApiQuery):
    """Base of every JSON request body: an object, no unknown fields (each is named in the 400), no NUL."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, data: Any) -> Any:
        # ninja validates a body twice, the second time wrapped in its DjangoGetter.
        if not isinstance(data._obj if isinstance(data, DjangoGetter) else data, dict):
            raise ValueError("Send a JSON object here.")
        return data


class ApiPatch(ApiInput):
    """Base of every PATCH body. Leave a field out to keep it. `null` clears a field that can be empty (the
    fields in CLEARABLE, to the empty value given there); for any other field it is a 400 naming the field.
    That is the one meaning of `null` across the API."""

    CLEARABLE: ClassVar[dict[str, Any]] = {}

    @staticmethod
    def _describe_null(schema: dict[str, Any], cls: type) -> None:
        clearable = ", ".join(f"`{name}`" for name in cls.CLEARABLE) or "none"  # type: ignore[attr-defined]
        schema["description"] = (
            "Leave a field out to keep its value. `null` clears a field that can be empty "
            f"(here: {clearable}); `null` for any other field is a 400 naming it. Unknown fields are a 400."
        )

    model_config = ConfigDict(extra="forbid", json_schema_extra=_describe_null)

    @field_validator("*", mode="before")
    @classmethod
    def _null_clears_or_is_refused(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None or info.field_name is None:
            return value
        if info.field_name in cls.CLEARABLE:
            return cls.CLEARABLE[info.field_name]
        raise ValueError("This field cannot be cleared; leave it out to keep its value.")


class FieldError(Schema):
    field: str
    message: str


class Error(Schema):
    code: str
    message: str
    field: str | None = None
    errors: list[FieldError] = []


# Declared on every operation so clients (and schemathesis) know each error's shape.
ERRORS: dict[int, type[Schema]] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    429: Error,
}


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = api_token_authenticate(token)
        if found is None:
            return None
        api_token, membership = found
        request.user = api_token.user
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = membership.organization  # type: ignore[attr-defined]
        return api_token


class ApiProblem(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def require_role(request: HttpRequest, minimum: str) -> None:
    if not request.membership.has_role(minimum):  # type: ignore[attr-defined]
        raise ApiProblem(403, "forbidden", f"This needs the {Role(minimum).label.lower()} role or higher.")


def _field_path(loc: list | tuple) -> str:
    # ninja prefixes the parameter source ("body", "query", "path"); clients care about the field.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "form", "file", "header", "cookie"}:
        parts = parts[1:]
    if parts and parts[0] in {"payload", "data", "filters"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict) -> str:
    if error.get("type") == "extra_forbidden":
        return "Unknown field: the API does not accept it (check its name against the documentation)."
    return str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, code: str, message: str, field: str | None = None, errors=None):
        body = {"code": code, "message": message, "field": field, "errors": errors or []}
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiProblem)
    def problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
        return respond(request, exc.status, exc.code, exc.message, exc.field)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [{"field": _field_path(e.get("loc", ())), "message": _message(e)} for e in exc.errors]
        first = errors[0] if errors else {"field": None, "message": "Invalid input."}
        return respond(request, 400, "invalid", first["message"], first["field"], errors)

    @api.exception_handler(StaleVersion)
    def stale(request: HttpRequest, exc: StaleVersion) -> HttpResponse:
        return respond(request, 409, "stale", exc.message, exc.field)

    @api.exception_handler(InvalidTransition)
    def transition(request: HttpRequest, exc: InvalidTransition) -> HttpResponse:
        return respond(request, 409, "invalid_transition", exc.message, exc.field)

    @api.exception_handler(PermissionRefused)
    def refused(request: HttpRequest, exc: PermissionRefused) -> HttpResponse:
        return respond(request, 403, "forbidden", exc.message, exc.field)

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        status = {"duplicate": 409, "conflict": 409, "too_large": 413, "unsupported_type": 415}.get(exc.code, 400)
        return respond(request, status, exc.code, exc.message, exc.field)

    @api.exception_handler(DjangoValidationError)
    def model_invalid(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        if hasattr(exc, "message_dict"):
            errors = [{"field": f, "message": str(m)} for f, ms in exc.message_dict.items() for m in ms]
        else:
            errors = [{"field": "body", "message": str(m)} for m in exc.messages]
        return respond(request, 400, "invalid", errors[0]["message"], errors[0]["field"], errors)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "not_found", "Not found in this organization.")

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, "forbidden", str(exc) or "Your role may not do this.")

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, "unauthenticated", "Send a valid API token as 'Authorization: Bearer <token>'.")

    @api.exception_handler(Throttled)
    def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = respond(request, 429, "rate_limited", "Too many requests; slow down and retry later.")
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        codes = {400: "invalid", 405: "method_not_allowed", 413: "too_large", 415: "unsupported_type"}
        return respond(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))

    @api.exception_handler(MultiPartParserError)
    def bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return respond(request, 400, "invalid", f"The multipart body could not be read: {exc}", "body")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, "too_large", "The request body is too large.", "body")

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error", exc_info=exc)
        return respond(request, 500, "server_error", "Something went wrong on our side; it has been logged.")


class UserOrganizationThrottle(AuthRateThrottle):
    """One budget per user and organization, shared by all of the user's tokens there (a new token is no way
    around the limit)."""

    def get_cache_key(self, request: HttpRequest) -> str | None:
        organization = getattr(request, "organization", None)
        if organization is None or not request.user.is_authenticated:
            return super().get_cache_key(request)
        return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}-org-{organization.pk}"}


def throttles() -> list:
    return [UserOrganizationThrottle(f"{settings.API_RATE_LIMIT_PER_MINUTE}/m")]
