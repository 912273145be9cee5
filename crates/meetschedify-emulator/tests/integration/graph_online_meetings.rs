//! Graph onlineMeetings (reference §2, §5.4).

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use meetschedify_emulator::{Emulator, EmulatorHandle};
use serde_json::{json, Value};

use crate::common::Http;
use crate::graph_events::graph_error;
use crate::microsoft_identity::app_token;

fn meetings_url(emu: &EmulatorHandle, user: &str) -> String {
    format!("{}/users/{user}/onlineMeetings", emu.graph_api_base())
}

fn meeting_url(emu: &EmulatorHandle, user: &str, id: &str) -> String {
    let id: String = url::form_urlencoded::byte_serialize(id.as_bytes()).collect();
    format!("{}/{id}", meetings_url(emu, user))
}

fn body() -> Value {
    json!({
        "startDateTime": "2030-01-15T10:00:00-08:00",
        "endDateTime": "2030-01-15T10:30:00-08:00",
        "subject": "User Token Meeting",
    })
}

#[tokio::test]
async fn create_get_and_delete_a_meeting() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let oid = emu.demo().microsoft_organizer_id.clone();
    let reply = http
        .json("POST", &meetings_url(&emu, &oid), &token, &body())
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let meeting = reply.json();
    let id = meeting["id"].as_str().unwrap();
    let decoded = String::from_utf8(STANDARD_NO_PAD.decode(id).unwrap()).unwrap();
    assert!(
        decoded.starts_with(&format!("1*{oid}*0**19:meeting_")),
        "{decoded}"
    );
    assert!(decoded.ends_with("@thread.v2"));
    assert_eq!(
        meeting["chatInfo"]["threadId"],
        decoded.split("**").nth(1).unwrap()
    );
    assert!(meeting["joinWebUrl"]
        .as_str()
        .unwrap()
        .starts_with("https://teams.microsoft.com/l/meetup-join/19%3ameeting_"));
    assert!(meeting.get("joinUrl").is_none());
    let join_id = meeting["joinMeetingIdSettings"]["joinMeetingId"]
        .as_str()
        .unwrap();
    assert!(join_id.len() == 10 && join_id.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(meeting["startDateTime"], "2030-01-15T18:00:00.0000000Z");
    assert_eq!(
        meeting["participants"]["organizer"]["identity"]["user"]["id"],
        oid.as_str()
    );
    let got = http.get(&meeting_url(&emu, &oid, id), &token).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["joinWebUrl"], meeting["joinWebUrl"]);
    // Found by its join URL.
    let filter: String = url::form_urlencoded::byte_serialize(
        format!(
            "JoinWebUrl eq '{}'",
            meeting["joinWebUrl"].as_str().unwrap()
        )
        .as_bytes(),
    )
    .collect();
    let found = http
        .get(
            &format!("{}?$filter={filter}", meetings_url(&emu, &oid)),
            &token,
        )
        .await
        .json();
    assert_eq!(found["value"].as_array().unwrap().len(), 1);
    assert_eq!(emu.state().microsoft.online_meetings_by_user[&oid].len(), 1);
    // Delete, then it is gone.
    assert_eq!(
        http.delete(&meeting_url(&emu, &oid, id), &token)
            .await
            .status,
        204
    );
    assert_eq!(
        graph_error(&http.get(&meeting_url(&emu, &oid, id), &token).await, 404),
        "itemNotFound"
    );
    // Start and end are required on create; a UPN is not a userId here.
    assert_eq!(
        graph_error(
            &http
                .json(
                    "POST",
                    &meetings_url(&emu, &oid),
                    &token,
                    &json!({"subject": "x"})
                )
                .await,
            400
        ),
        "BadRequest"
    );
    let upn = emu.demo().microsoft_organizer_upn.clone();
    assert_eq!(
        graph_error(
            &http
                .json("POST", &meetings_url(&emu, &upn), &token, &body())
                .await,
            404
        ),
        "ResourceNotFound"
    );
}

#[tokio::test]
async fn create_or_get_is_keyed_by_user_and_external_id() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let demo = emu.demo();
    let url = format!(
        "{}/createOrGet",
        meetings_url(&emu, &demo.microsoft_organizer_id)
    );
    let mut request = body();
    request["externalId"] = json!("booking-42");
    let first = http.json("POST", &url, &token, &request).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.json()["externalId"], "booking-42");
    request["subject"] = json!("Changed");
    let second = http.json("POST", &url, &token, &request).await;
    assert_eq!(second.status, 200);
    assert_eq!(second.json()["id"], first.json()["id"]);
    assert_eq!(second.json()["subject"], "User Token Meeting");
    // Another organizer with the same externalId gets another meeting.
    let other =
        emu.add_microsoft_user(&demo.microsoft_tenant_id, "second@emulator.onmicrosoft.com");
    emu.grant_microsoft_access_policy(&demo.microsoft_client_id, &other.id)
        .unwrap();
    let theirs = http
        .json(
            "POST",
            &format!("{}/createOrGet", meetings_url(&emu, &other.id)),
            &token,
            &request,
        )
        .await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    // Defaults: no times gives one hour from now; end without start is refused; externalId is required.
    let defaulted = http
        .json("POST", &url, &token, &json!({"externalId": "no-times"}))
        .await
        .json();
    let start: jiff::Timestamp = defaulted["startDateTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let end: jiff::Timestamp = defaulted["endDateTime"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        end.duration_since(start),
        jiff::SignedDuration::from_hours(1)
    );
    let end_only = http
        .json(
            "POST",
            &url,
            &token,
            &json!({"externalId": "e", "endDateTime": "2030-01-01T10:00:00Z"}),
        )
        .await;
    assert_eq!(graph_error(&end_only, 400), "BadRequest");
    assert_eq!(
        graph_error(
            &http
                .json("POST", &url, &token, &json!({"subject": "s"}))
                .await,
            400
        ),
        "BadRequest"
    );
    assert_eq!(
        graph_error(
            &http
                .json(
                    "POST",
                    &url,
                    &token,
                    &json!({"externalId": "k", "extra": 1})
                )
                .await,
            400
        ),
        "RequestBodyRead"
    );
}

#[tokio::test]
async fn app_only_calls_need_the_application_access_policy() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo();
    let token = app_token(&http, &emu).await;
    let newcomer = emu.add_microsoft_user(
        &demo.microsoft_tenant_id,
        "newcomer@emulator.onmicrosoft.com",
    );
    let refused = http
        .json("POST", &meetings_url(&emu, &newcomer.id), &token, &body())
        .await;
    assert_eq!(graph_error(&refused, 403), "General");
    assert_eq!(
        refused.json()["error"]["message"],
        "No application access policy found for this app."
    );
    emu.grant_microsoft_access_policy_globally(&demo.microsoft_client_id)
        .unwrap();
    assert_eq!(
        http.json("POST", &meetings_url(&emu, &newcomer.id), &token, &body())
            .await
            .status,
        201
    );
    emu.revoke_microsoft_access_policy(&demo.microsoft_client_id, &demo.microsoft_organizer_id)
        .unwrap();
    // The global grant still covers the organizer.
    assert_eq!(
        http.json(
            "POST",
            &meetings_url(&emu, &demo.microsoft_organizer_id),
            &token,
            &body()
        )
        .await
        .status,
        201
    );
    // Delegated calls need no policy, but the scope.
    let user = emu
        .issue_microsoft_user_token(
            &demo.microsoft_client_id,
            &newcomer.id,
            &["OnlineMeetings.ReadWrite"],
        )
        .unwrap();
    let me = format!("{}/me/onlineMeetings", emu.graph_api_base());
    assert_eq!(http.json("POST", &me, &user, &body()).await.status, 201);
    let calendar_only = emu
        .issue_microsoft_user_token(
            &demo.microsoft_client_id,
            &newcomer.id,
            &["Calendars.ReadWrite"],
        )
        .unwrap();
    assert_eq!(
        graph_error(&http.json("POST", &me, &calendar_only, &body()).await, 403),
        "Forbidden"
    );
    // An app without the application permission.
    emu.set_microsoft_app_roles(&demo.microsoft_client_id, &["Calendars.ReadWrite"])
        .unwrap();
    let weak = app_token(&http, &emu).await;
    assert_eq!(
        graph_error(
            &http
                .json("POST", &meetings_url(&emu, &newcomer.id), &weak, &body())
                .await,
            403
        ),
        "Forbidden"
    );
}

#[tokio::test]
async fn patch_moves_times_together_and_refuses_the_rest() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let token = app_token(&http, &emu).await;
    let oid = emu.demo().microsoft_organizer_id.clone();
    let created = http
        .json("POST", &meetings_url(&emu, &oid), &token, &body())
        .await
        .json();
    let url = meeting_url(&emu, &oid, created["id"].as_str().unwrap());
    let moved = http
        .json("PATCH", &url, &token, &json!({"startDateTime": "2030-02-01T09:00:00Z", "endDateTime": "2030-02-01T10:00:00Z", "subject": "Moved"}))
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text());
    let moved = moved.json();
    assert_eq!(moved["startDateTime"], "2030-02-01T09:00:00.0000000Z");
    assert_eq!(moved["subject"], "Moved");
    assert_eq!(moved["joinWebUrl"], created["joinWebUrl"]);
    for refused in [
        json!({"startDateTime": "2030-02-01T09:00:00Z"}),
        json!({"joinMeetingIdSettings": {"isPasscodeRequired": true}}),
        json!({"startDateTime": "2030-02-01T09:00:00Z", "endDateTime": "2030-02-01T08:00:00Z"}),
    ] {
        assert_eq!(
            graph_error(&http.json("PATCH", &url, &token, &refused).await, 400),
            "BadRequest",
            "{refused}"
        );
    }
    assert_eq!(
        graph_error(
            &http
                .json("PATCH", &url, &token, &json!({"subjekt": "x"}))
                .await,
            400
        ),
        "RequestBodyRead"
    );
}

/// §2.3: createOrGet's key is (tenantId, userId, externalId), and a meeting belongs to its
/// tenant's organizer. A user with the demo organizer's object id in another tenant (possible
/// through the control API) shares neither the key nor the meetings.
#[tokio::test]
async fn create_or_get_and_reads_are_scoped_to_the_tenant() {
    let emu = Emulator::start().await.unwrap();
    let http = Http::default();
    let demo = emu.demo().clone();
    let oid = demo.microsoft_organizer_id.clone();
    let tenant = "22222222-3333-4444-5555-666666666666";
    emu.register_microsoft_app(meetschedify_emulator::MicrosoftApp {
        tenant_id: tenant.into(),
        client_id: "app-2".into(),
        client_secret: "s3cret".into(),
        redirect_uris: vec![],
        roles: vec!["OnlineMeetings.ReadWrite.All".into()],
        secret_expired: false,
    });
    let added = http
        .send(
            "POST",
            &format!("{}/microsoft/users", emu.control_base()),
            &[("content-type", "application/json")],
            json!({"tenant_id": tenant, "user_principal_name": "twin@two.example", "id": oid})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.text());
    emu.grant_microsoft_access_policy_globally("app-2").unwrap();
    let ours = app_token(&http, &emu).await;
    let theirs = emu.issue_microsoft_app_token("app-2").unwrap();
    let url = format!("{}/createOrGet", meetings_url(&emu, &oid));
    let mut request = body();
    request["externalId"] = json!("booking-42");
    let first = http.json("POST", &url, &ours, &request).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first_id = first.json()["id"].as_str().unwrap().to_owned();
    // The other tenant's organizer, same object id and externalId: a meeting of its own.
    let twin = http.json("POST", &url, &theirs, &request).await;
    assert_eq!(twin.status, 201, "{}", twin.text());
    assert_ne!(twin.json()["id"], first_id.as_str());
    // Neither tenant reads, changes or deletes the other's meeting.
    let foreign = meeting_url(&emu, &oid, &first_id);
    assert_eq!(
        graph_error(&http.get(&foreign, &theirs).await, 404),
        "itemNotFound"
    );
    let patch = json!({"subject": "Taken"});
    assert_eq!(
        graph_error(&http.json("PATCH", &foreign, &theirs, &patch).await, 404),
        "itemNotFound"
    );
    assert_eq!(
        graph_error(&http.delete(&foreign, &theirs).await, 404),
        "itemNotFound"
    );
    let mine = http.get(&foreign, &ours).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.json()["subject"], "User Token Meeting");
    // And the repeat in the first tenant still finds its own meeting.
    let again = http.json("POST", &url, &ours, &request).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["id"], first_id.as_str());
}
