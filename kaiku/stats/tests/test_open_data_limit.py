"""Open data answers anyone, so one client address gets OPEN_DATA_LIMIT requests a minute,
the API and the CSV together; then 429 with Retry-After, never the table (issue 23: a table
by home municipality groups the use facts of the years asked for)."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

API = "/api/stats/open-data/uses/?by=home"
CSV = "/stats/open/uses.csv?by=home"


def test_one_address_gets_its_limit_a_minute_across_the_api_and_the_csv(settings):
    settings.OPEN_DATA_LIMIT = 3
    client = Client(REMOTE_ADDR="192.0.2.10")
    assert [client.get(url).status_code for url in (API, CSV, API)] == [200, 200, 200]
    refused = client.get(CSV)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "municipality_code" not in refused.content.decode()
    api = client.get(API)
    assert api.status_code == 429 and int(api["Retry-After"]) >= 1
    # Another address has its own minute.
    assert Client(REMOTE_ADDR="192.0.2.11").get(API).status_code == 200


@pytest.mark.parametrize(("language", "text"), [("fi", "Liian monta"), ("sv", "För många"), ("en", "Too many")])
def test_the_csv_refusal_is_in_the_page_language(settings, language, text):
    settings.OPEN_DATA_LIMIT = 1
    client = Client(REMOTE_ADDR="192.0.2.12", HTTP_ACCEPT_LANGUAGE=language)
    client.get(CSV)
    refused = client.get(CSV)
    assert refused.status_code == 429 and text in refused.content.decode()
