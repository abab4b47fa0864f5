import re


def test_openapi_schema_documents_endpoints_and_error_object(client):
    response = client.get("/schema", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    schema = response.json()
    assert {"/transaction", "/transaction/{transaction_id}", "/transactions"} <= set(schema["paths"])
    create = schema["paths"]["/transaction"]["post"]
    assert {"202", "400", "401", "409", "422", "429"} <= set(create["responses"])
    assert "Error" in schema["components"]["schemas"]
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    examples = create["requestBody"]["content"]["application/json"]["examples"]
    assert any(example["value"]["currency"] == "USD" for example in examples.values())


def test_swagger_ui_is_served_with_local_assets(client):
    response = client.get("/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(url.startswith("/") and not url.startswith("//") for url in assets), assets


def test_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    text = (tmp_path / "schema.yml").read_text()
    assert "/alerts/alertmanager:" in text and "AlertmanagerStatusEnum" in text
