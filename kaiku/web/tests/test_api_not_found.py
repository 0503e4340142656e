"""Any other path under /api/ answers the API's JSON 404, also one with a newline in it
(schemathesis found that `.` stopped at an encoded newline and the site's HTML page answered)."""

from django.urls import reverse


def test_it_answers_json_for_a_path_with_a_newline(client, db):
    for path in ("/api/partners/venues/N%C2%BDH_w%0A5%C3%A5/check/", "/api/x%0Ay/"):
        response = client.post(path)
        assert response.status_code == 404 and response["Content-Type"].startswith("application/json"), path
    assert reverse("api-not-found", kwargs={"rest": "1"}) == "/api/1"
