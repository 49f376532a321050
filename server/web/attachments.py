"""Attachments over HTTP: uploads into a chat and the files served back.

- `POST /api/chats/{id}/attachments` (the console: its session and CSRF
  token, or an API token) and `POST /widget/attachments` (the widget, from
  the customer's site: `site`, `token` or `identity`, `chat_id` and
  `file` as multipart/form-data fields, checked as on the /visitor socket)
  answer `{"ok": true, "attachment": ATTACHMENT}` (201) once the file is
  stored, or the error that says why not.
- `GET /api/attachments/{id}` and `GET /widget/attachments/{id}` (with
  `X-Shiftdesk-Site` and `X-Shiftdesk-Token` or `X-Shiftdesk-Identity`)
  serve the bytes to those who may see the chat. Only a raster image is
  served inline; everything else is a download. Always `nosniff` and a CSP
  that runs nothing, so even a file a browser took for a page would be inert.
"""
from __future__ import annotations

from urllib.parse import quote

from aiohttp import BodyPartReader, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from ..services.chats import Actor
from ..services.errors import BadRequest, DeskError, TooLarge
from ..services.model import Agent, Attachment, Author
from ..services.views import attachment_view, is_image
from .api import endpoint, http_status, ok, services_of
from .keys import SERVICES
from .params import path_id

WIDGET_PATH = "/widget/attachments"
LINK_PATH = "/files/"  # services/filelinks.py
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
FIELD_BYTES = 8192  # a form field other than the file
# Parts of one upload: the widget sends at most site, token, identity,
# chat_id and file. Without a cap a chunked body (no Content-Length to
# refuse early) could carry any number of 8 KiB fields, all held in memory
# before the sender is even checked.
MAX_PARTS = 8
REFUSED_STATUS = {"unknown_site": 404, "origin_not_allowed": 403, "bad_identity": 401, "identity_required": 401}
VISITOR_HEADERS = "X-Shiftdesk-Site, X-Shiftdesk-Token, X-Shiftdesk-Identity"


def attachment_routes() -> list[web.RouteDef]:
    """Under /api (api.setup_api mounts them)."""
    return [web.post("/chats/{id}/attachments", endpoint(agent_upload)),
            web.post("/tickets/{id}/attachments", endpoint(agent_ticket_upload)),
            web.get("/attachments/{id}", endpoint(agent_download))]


def setup_widget_attachments(app: web.Application) -> None:
    app.router.add_get(LINK_PATH + "{token}", link_download)
    app.router.add_post(WIDGET_PATH, visitor_upload)
    app.router.add_route(hdrs.METH_OPTIONS, WIDGET_PATH, preflight)
    app.router.add_get(WIDGET_PATH + "/{id}", visitor_download)
    app.router.add_route(hdrs.METH_OPTIONS, WIDGET_PATH + "/{id}", preflight)


# reading the form
async def read_form(request: web.Request, max_bytes: int) -> tuple[dict[str, str], str, bytes]:
    """The text fields, the file's name and its bytes (at most `max_bytes`).
    Raises BadRequest for anything but multipart/form-data with one file,
    TooLarge past `max_bytes`, read no further than one byte past it."""
    if request.content_length is not None and request.content_length > max_bytes + 64 * 1024:
        raise TooLarge(f"the file is over {max_bytes} bytes", limit=max_bytes)
    try:
        reader = await request.multipart()
    except (AssertionError, ValueError, KeyError):
        raise BadRequest("send multipart/form-data with a `file` field") from None
    try:
        fields, found = await _read_parts(reader, max_bytes)
    # A body that is not the multipart it says (no boundary, bad headers), or
    # a part past aiohttp's own bounds (too many header lines, one too long).
    except (AssertionError, ValueError, HttpProcessingError):
        raise BadRequest("send multipart/form-data with a `file` field") from None
    if found is None:
        raise BadRequest("no `file` field")
    return fields, found[0], found[1]


async def _read_parts(reader, max_bytes: int) -> tuple[dict[str, str], tuple[str, bytes] | None]:
    fields: dict[str, str] = {}
    found: tuple[str, bytes] | None = None
    parts = 0
    while (part := await reader.next()) is not None:
        parts += 1
        if parts > MAX_PARTS:
            raise BadRequest(f"at most {MAX_PARTS} form fields")
        if not isinstance(part, BodyPartReader) or not part.name:
            raise BadRequest("one level of named form fields only")
        if part.name == "file" and found is None:
            found = (part.filename or "file", await _read_part(part, max_bytes))
        elif part.name != "file" and part.name not in fields:
            fields[part.name] = (await _read_part(part, FIELD_BYTES)).decode("utf-8", "replace")
        else:
            raise BadRequest(f"the field {part.name} is given twice")
    return fields, found


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(65536):
        size += len(chunk)
        if size > limit:
            raise TooLarge(f"the file is over {limit} bytes", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


# serving
def file_response(attachment: Attachment, data: bytes) -> web.Response:
    inline = is_image(attachment)
    name = quote(attachment.name, safe="")
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in attachment.name)
    disposition = f"{'inline' if inline else 'attachment'}; filename=\"{ascii_name}\"; filename*=UTF-8''{name}"
    content_type = attachment.content_type + ("; charset=utf-8" if attachment.content_type.startswith("text/") else "")
    return web.Response(body=data, headers={
        hdrs.CONTENT_TYPE: content_type, hdrs.CONTENT_DISPOSITION: disposition,
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": FILE_CSP,
        hdrs.CACHE_CONTROL: "private, no-store", "X-Frame-Options": "DENY",
    })


# the console
async def agent_upload(request: web.Request, agent: Agent) -> web.Response:
    services = services_of(request)
    chat_id = path_id(request)
    _, name, data = await read_form(request, services.desk.config.attachments.max_bytes)
    stored = await services.attachments.upload(Actor(Author.AGENT, agent.id), chat_id, name, data)
    return ok(201, attachment=attachment_view(stored))


async def agent_ticket_upload(request: web.Request, agent: Agent) -> web.Response:
    """A file for the agent's next reply to the ticket (`attachments` of POST /api/tickets/{id}/replies)."""
    services = services_of(request)
    ticket_id = path_id(request)
    _, name, data = await read_form(request, services.desk.config.attachments.max_bytes)
    stored = await services.attachments.upload_to_ticket(agent, ticket_id, name, data)
    return ok(201, attachment=attachment_view(stored))


async def link_download(request: web.Request) -> web.Response:
    """A link from a mail: the token is the authorization (services/filelinks.py)."""
    services = request.app[SERVICES]
    try:
        await services.attachments.allow_download(request.remote or "unknown")
        attachment, data = await services.attachments.by_link(request.match_info["token"])
    except DeskError as error:
        return web.json_response({"ok": False, "error": error.as_dict()}, status=http_status(error),
                                 headers={hdrs.CACHE_CONTROL: "no-store", "Referrer-Policy": "no-referrer"})
    response = file_response(attachment, data)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


async def agent_download(request: web.Request, agent: Agent) -> web.Response:
    attachment, data = await services_of(request).attachments.for_agent(agent, path_id(request))
    response = file_response(attachment, data)
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


# the widget
def _cors(origin: str | None) -> dict[str, str]:
    return {hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin, hdrs.VARY: hdrs.ORIGIN,
            hdrs.ACCESS_CONTROL_EXPOSE_HEADERS: "Content-Disposition"} if origin else {}


async def preflight(request: web.Request) -> web.Response:
    """Permits nothing by itself: the site's origins are checked on the request."""
    headers = {hdrs.ACCESS_CONTROL_ALLOW_METHODS: "GET, POST", hdrs.ACCESS_CONTROL_ALLOW_HEADERS: VISITOR_HEADERS,
               hdrs.ACCESS_CONTROL_MAX_AGE: "600"}
    origin = request.headers.get(hdrs.ORIGIN)
    return web.Response(status=204, headers=headers | ({hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: origin, hdrs.VARY: hdrs.ORIGIN}
                                                       if origin else {}))


def _refusal(error: DeskError, cors: dict[str, str]) -> web.Response:
    status = REFUSED_STATUS.get(error.code) or http_status(error)
    return web.json_response({"ok": False, "error": error.as_dict()}, status=status,
                             headers=cors | {hdrs.CACHE_CONTROL: "no-store"})


async def visitor_upload(request: web.Request) -> web.Response:
    services, origin = request.app[SERVICES], request.headers.get(hdrs.ORIGIN)
    cors: dict[str, str] = {}
    try:
        fields, name, data = await read_form(request, services.desk.config.attachments.max_bytes)
        login = await services.auth.visitor(fields.get("site"), fields.get("token"), fields.get("identity"), origin)
        cors = _cors(origin)
        await services.attachments.allow_visitor_upload(request.remote or "unknown")
        chat_id = fields.get("chat_id")
        if chat_id is None:  # for the ticket form
            stored = await services.attachments.upload_for_ticket_form(login.visitor, name, data)
        elif not 0 < len(chat_id) <= 64:
            raise BadRequest("chat_id: give the chat's id")
        else:
            stored = await services.attachments.upload(Actor(Author.VISITOR, login.visitor.id), chat_id, name,
                                                       data)
    except DeskError as error:
        return _refusal(error, cors)
    return web.json_response({"ok": True, "attachment": attachment_view(stored)}, status=201, headers=cors)


async def visitor_download(request: web.Request) -> web.Response:
    services, origin = request.app[SERVICES], request.headers.get(hdrs.ORIGIN)
    cors: dict[str, str] = {}
    try:
        attachment_id = path_id(request)
        await services.attachments.allow_download(request.remote or "unknown")
        headers = request.headers
        login = await services.auth.visitor(headers.get("X-Shiftdesk-Site"), headers.get("X-Shiftdesk-Token"),
                                            headers.get("X-Shiftdesk-Identity"), origin)
        cors = _cors(origin)
        attachment, data = await services.attachments.for_visitor(login.visitor, attachment_id)
    except DeskError as error:
        return _refusal(error, cors)
    response = file_response(attachment, data)
    response.headers.update(cors)
    return response
