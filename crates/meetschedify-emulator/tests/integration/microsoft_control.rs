//! The Microsoft part of the HTTP control API, for tests that run the emulator as a process.

use meetschedify_emulator::Emulator;
use serde_json::{json, Value};

use crate::common::Http;
use crate::graph_events::graph_error;
use crate::microsoft_identity::{assert_aadsts, token_url};

#[tokio::test]
async fn apps_users_policies_and_tokens_over_http() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let base = emu.control_base();
    let post = |path: &str, body: Value| {
        let (http, url) = (http.clone(), format!("{base}{path}"));
        async move {
            http.send(
                "POST",
                &url,
                &[("content-type", "application/json")],
                body.to_string().into_bytes(),
            )
            .await
        }
    };
    // A second tenant with its own app, holding only the calendar permission.
    let tenant = "22222222-3333-4444-5555-666666666666";
    let app = json!({
        "tenant_id": tenant, "client_id": "app-2", "client_secret": "s3cret",
        "redirect_uris": ["http://localhost/cb"], "roles": ["Calendars.ReadWrite"]
    });
    assert_eq!(post("/microsoft/apps", app).await.status, 204);
    let user = post(
        "/microsoft/users",
        json!({"tenant_id": tenant, "user_principal_name": "amy@two.example"}),
    )
    .await;
    assert_eq!(user.status, 201);
    let user_id = user.json()["id"].as_str().unwrap().to_owned();
    let token = post("/microsoft/app-tokens", json!({"client_id": "app-2"}))
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let meetings = format!("{}/users/{user_id}/onlineMeetings", emu.graph_api_base());
    let meeting =
        json!({"startDateTime": "2030-01-01T10:00:00Z", "endDateTime": "2030-01-01T11:00:00Z"});
    assert_eq!(
        graph_error(&http.json("POST", &meetings, &token, &meeting).await, 403),
        "Forbidden"
    );
    let roles = post(
        "/microsoft/apps/app-2/roles",
        json!({"roles": ["OnlineMeetings.ReadWrite.All"]}),
    )
    .await;
    assert_eq!(
        roles.json()["roles"],
        json!(["OnlineMeetings.ReadWrite.All"])
    );
    let token = post("/microsoft/app-tokens", json!({"client_id": "app-2"}))
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        graph_error(&http.json("POST", &meetings, &token, &meeting).await, 403),
        "General"
    );
    assert_eq!(
        post(
            "/microsoft/policies",
            json!({"client_id": "app-2", "user": "amy@two.example"})
        )
        .await
        .status,
        204
    );
    assert_eq!(
        http.json("POST", &meetings, &token, &meeting).await.status,
        201
    );
    let revoke = http
        .send(
            "DELETE",
            &format!("{base}/microsoft/policies"),
            &[("content-type", "application/json")],
            json!({"client_id": "app-2", "user": user_id})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(revoke.status, 204);
    assert_eq!(
        graph_error(&http.json("POST", &meetings, &token, &meeting).await, 403),
        "General"
    );
    // Refresh tokens, revocation and an expired secret for the demo app.
    let refresh = post("/microsoft/refresh-tokens", json!({})).await.json()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(
            &format!(
                "/microsoft/users/{}/revoke-tokens",
                emu.demo().microsoft_organizer_upn
            ),
            json!({})
        )
        .await
        .status,
        204
    );
    let demo = emu.demo();
    let reply = http
        .form(
            &token_url(&emu),
            &[],
            &[
                ("client_id", demo.microsoft_client_id.as_str()),
                ("client_secret", demo.microsoft_client_secret.as_str()),
                ("refresh_token", refresh.as_str()),
                ("grant_type", "refresh_token"),
            ],
        )
        .await;
    assert_aadsts(&reply, 400, "invalid_grant", 50_173);
    assert_eq!(
        post(
            &format!(
                "/microsoft/apps/{}/secret-expired",
                demo.microsoft_client_id
            ),
            json!({"expired": true})
        )
        .await
        .status,
        204
    );
    let user_token = post("/microsoft/user-tokens", json!({})).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = http
        .get(&format!("{}/me/events", emu.graph_api_base()), &user_token)
        .await;
    assert_eq!(me.status, 200, "{}", me.text());
    // Unknown names are 404s.
    assert_eq!(
        post("/microsoft/apps/nope/roles", json!({"roles": []}))
            .await
            .status,
        404
    );
    assert_eq!(
        post("/microsoft/users/nobody/revoke-tokens", json!({}))
            .await
            .status,
        404
    );
    let counters = http
        .send("GET", &format!("{base}/counters"), &[], vec![])
        .await
        .json();
    assert_eq!(counters["microsoft_token_requests"], 1);
}
