"""A fake Twilio on 127.0.0.1: the Messages REST API, and signed webhooks to the gateway.

REST: POST /2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP basic auth and form fields
(To, From or MessagingServiceSid, Body, StatusCallback), answered 201 with the JSON Twilio sends,
or Twilio's JSON error body. Webhooks: the form fields Twilio posts for an incoming SMS/MMS and
for a status callback, signed as Twilio signs them (written here from Twilio's description, not
with the twilio library, so the gateway's RequestValidator is checked against it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Mapping
from email.utils import formatdate
from typing import Any
from urllib.parse import parse_qs, urlencode

import httpx

from tests.fakes.http import Drop, LoopbackServer, Reply

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "fake-twilio-auth-token-0123456789"
OUR_NUMBER = "+447700900000"


def twilio_signature(token: str, url: str, params: Mapping[str, Any]) -> str:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 over the URL then each field name and value,
    fields sorted by name, base64-encoded."""
    payload = url
    for name in sorted(params):
        values = params[name] if isinstance(params[name], list) else [params[name]]
        for value in sorted(values):
            payload += name + str(value)
    digest = hmac.new(token.encode(), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def new_sid(prefix: str = "SM") -> str:
    return prefix + uuid.uuid4().hex


class FakeTwilio:
    def __init__(
        self,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        report_delivery: bool = True,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.report_delivery = report_delivery
        self.messages: list[dict[str, Any]] = []  # accepted by the REST API, in order
        self.attempts = 0  # REST calls, accepted or not
        self.reports: list[tuple[str, str, int]] = []  # (sid, status, gateway's HTTP status)
        self.failures: deque[tuple[int, int | None]] = deque()  # (HTTP status or 0 = drop, code)
        self.down_status: int | None = None
        self.lock = threading.Lock()
        self.server = LoopbackServer(self._handle)
        self.url = self.server.url
        self.http = httpx.Client(timeout=30)

    def close(self) -> None:
        self.http.close()
        self.server.close()

    # Controls ------------------------------------------------------------------------------
    def fail_next(self, count: int, status: int = 500, code: int | None = None) -> None:
        with self.lock:
            self.failures.extend([(status, code)] * count)

    def outage(self, status: int = 500) -> None:
        """Every REST call fails (0: the connection drops) until recover()."""
        self.down_status = status

    def recover(self) -> None:
        self.down_status = None

    def bodies(self, to: str | None = None) -> list[str]:
        return [m["Body"] for m in self.messages if to is None or m["To"] == to]

    # REST API ------------------------------------------------------------------------------
    def _error(self, status: int, code: int | None, message: str) -> Reply:
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return Reply(status, json.dumps(body).encode(), {"Content-Type": "application/json"})

    def _handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        expected_path = f"/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        if method != "POST" or path != expected_path:
            return self._error(404, 20404, "The requested resource was not found")
        expected_auth = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected_auth}":
            return self._error(401, 20003, "Authenticate")
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        with self.lock:
            self.attempts += 1
            failure = self.failures.popleft() if self.failures else None
            if failure is None and self.down_status is not None:
                failure = (self.down_status, None)
        if failure is not None:
            status, code = failure
            if status == 0:
                raise Drop()
            if status == 429:
                return self._error(429, code or 20429, "Too Many Requests")
            return self._error(status, code, "Fake Twilio was told to fail")
        if "To" not in form or ("From" not in form and "MessagingServiceSid" not in form):
            return self._error(400, 21604, "A 'To' and a 'From' phone number are required.")
        sid = new_sid()
        record = {"sid": sid, **form}
        with self.lock:
            self.messages.append(record)
        now = formatdate(usegmt=True)
        answer = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "GBP",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{expected_path[:-5]}/{sid}/Media.json"},
            "to": form["To"],
            "uri": f"{expected_path[:-5]}/{sid}.json",
        }
        if self.report_delivery and form.get("StatusCallback"):
            threading.Thread(target=self._report_later, args=(record,), daemon=True).start()
        return Reply(201, json.dumps(answer).encode(), {"Content-Type": "application/json"})

    def _report_later(self, record: dict[str, Any]) -> None:
        time.sleep(0.05)
        for status in ("sent", "delivered"):
            self.report(record["sid"], status)

    # Webhooks to the gateway ---------------------------------------------------------------
    def post_signed(
        self, url: str, params: dict[str, Any], signature: str | None = None, sign_url: str = ""
    ) -> httpx.Response:
        """POST form `params` to `url` signed for `sign_url` (default: `url`), as Twilio does."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        if signature is None:
            signature = twilio_signature(self.auth_token, sign_url or url, params)
        if signature:
            headers["X-Twilio-Signature"] = signature
        return self.http.post(url, content=urlencode(params, doseq=True), headers=headers)

    def inbound_params(
        self,
        from_: str,
        body: str,
        sid: str | None = None,
        media: list[str] | None = None,
        opt_out_type: str | None = None,
    ) -> dict[str, Any]:
        """The fields Twilio posts for an incoming message."""
        sid = sid or new_sid("MM" if media else "SM")
        params: dict[str, Any] = {
            "ToCountry": "GB",
            "ToState": "",
            "SmsMessageSid": sid,
            "NumMedia": str(len(media or [])),
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "GB",
            "To": OUR_NUMBER,
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": from_,
            "ApiVersion": "2010-04-01",
        }
        for index, kind in enumerate(media or []):
            params[f"MediaContentType{index}"] = kind
            params[f"MediaUrl{index}"] = (
                f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
                f"/Media/ME{uuid.uuid4().hex}"
            )
        if opt_out_type:
            params["OptOutType"] = opt_out_type
        return params

    def sms(self, webhook_url: str, from_: str, body: str, **options: Any) -> httpx.Response:
        """A client texts our number: Twilio posts the signed webhook."""
        sign_url = options.pop("sign_url", "")
        signature = options.pop("signature", None)
        params = self.inbound_params(from_, body, **options)
        return self.post_signed(webhook_url, params, signature=signature, sign_url=sign_url)

    def report(self, sid: str, status: str, error_code: str | None = None) -> int:
        """Post a status callback for one message we accepted."""
        record = next(m for m in self.messages if m["sid"] == sid)
        params = {
            "SmsSid": sid,
            "SmsStatus": status,
            "MessageStatus": status,
            "To": record["To"],
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": record.get("From", OUR_NUMBER),
            "ApiVersion": "2010-04-01",
        }
        if error_code:
            params["ErrorCode"] = error_code
        try:
            code = self.post_signed(record["StatusCallback"], params).status_code
        except httpx.HTTPError:
            code = 0
        with self.lock:
            self.reports.append((sid, status, code))
        return code
