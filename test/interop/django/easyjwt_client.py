# What a Django easyjwt client-service does on every authenticated request, in stdlib Python only.
#
# Mirrors easyjwt_client.authentication.EasyJWTAuthentication (django-easyjwt 1.0.x): POST the
# token to the verify path, insist on `Content-Type: application/json` exactly, then GET the user
# path with the same token as Bearer. urllib stands in for requests, which Debian's Python may lack.
#
# Usage: /usr/bin/python3 easyjwt_client.py BASE_URL TOKEN [VERIFY_PATH] [USER_PATH]
# Prints one JSON object: {"verify": step, "user": step or null, "outcome": "authenticated" |
# "rejected", "reason": str or null}, where step = {"status", "content_type", "text", "body"}.
import json
import sys
import urllib.error
import urllib.request


def send(request):
    """Performs the request; HTTP errors are answers too, as requests treats them."""
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    text = raw.decode("utf-8")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    # headers.get, like requests' response.headers.get("Content-Type"): the raw string, unparsed.
    return {"status": status, "content_type": headers.get("Content-Type"), "text": text, "body": body}


def main():
    base, token = sys.argv[1], sys.argv[2]
    verify_path = sys.argv[3] if len(sys.argv) > 3 else "/auth/token/verify/"
    user_path = sys.argv[4] if len(sys.argv) > 4 else "/auth/user/"
    summary = {"verify": None, "user": None, "outcome": "rejected", "reason": None}

    # Step 1, as __verify_token: data=json.dumps({"token": jwt}), header content-type only.
    verify = send(urllib.request.Request(
        base + verify_path,
        data=json.dumps({"token": token}).encode("utf-8"),
        headers={"content-type": "application/json"},
        method="POST",
    ))
    summary["verify"] = verify
    if verify["content_type"] != "application/json":
        summary["reason"] = (
            "Authentication Service response has incorrect content-type. "
            f"Expected application/json but received {verify['content_type']}"
        )
    elif verify["status"] != 200:
        summary["reason"] = (verify["body"] or {"detail": "Token is invalid or expired"}).get("detail")
    else:
        # Step 2, as _create_or_update_user: GET with the same token, no body.
        user = send(urllib.request.Request(
            base + user_path,
            headers={"Authorization": f"Bearer {token}", "content-type": "application/json"},
            method="GET",
        ))
        summary["user"] = user
        if user["status"] != 200:
            summary["reason"] = user["body"]
        elif not isinstance(user["body"], dict):
            summary["reason"] = "Authentication service returned an invalid user response."
        else:
            summary["outcome"] = "authenticated"
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
