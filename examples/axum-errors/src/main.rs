//! `POST /meetings` with every error code mapped to an HTTP answer (see `answer.rs`).

mod answer;

use std::sync::Arc;

use answer::ApiError;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use meetschedify::emulator::{Emulator, EmulatorHandle};
use meetschedify::google::{GoogleEndpoints, GoogleMeetProvider};
use meetschedify::zoom::ZoomProvider;
use meetschedify::MemoryTokenStore;
use meetschedify::{CreateMeetingRequest, MeetSchedifyClient, OAuthStateKey, RetryConfig};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let use_emulator =
        std::env::args().any(|a| a == "--emulator") || std::env::var_os("ZOOM_CLIENT_ID").is_none();
    let mut emulator = None;
    let client = if use_emulator {
        let emu = Emulator::start().await?;
        println!("using the emulator at {}", emu.base_url());
        let client = emulator_client(&emu, RetryConfig::default())?;
        emulator = Some(emu);
        client
    } else {
        MeetSchedifyClient::builder()
            .with_provider(ZoomProvider::from_env()?)
            .build()?
    };
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("POST http://{}/meetings", listener.local_addr()?);
    axum::serve(listener, app(client)).await?;
    drop(emulator);
    Ok(())
}

/// The router.
fn app(client: MeetSchedifyClient) -> Router {
    Router::new()
        .route("/meetings", post(create_meeting))
        .with_state(Arc::new(client))
}

/// Creates a meeting from the JSON request (the library's own request type is `Deserialize`).
async fn create_meeting(
    State(client): State<Arc<MeetSchedifyClient>>,
    Json(request): Json<CreateMeetingRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let meeting = client.create_meeting(request).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "provider_id": meeting.provider_id.as_str(),
            "provider_event_id": meeting.provider_event_id,
            "conference_link": meeting.conference_link,
        })),
    ))
}

/// Zoom and per-user Google against the emulator (no Google tenant connected yet).
fn emulator_client(
    emu: &EmulatorHandle,
    retry: RetryConfig,
) -> meetschedify::Result<MeetSchedifyClient> {
    let demo = emu.demo();
    let zoom = ZoomProvider::builder()
        .with_credentials(
            &demo.zoom_account_id,
            &demo.zoom_client_id,
            &demo.zoom_client_secret,
        )
        .with_api_base(emu.zoom_api_base())
        .with_oauth_base(emu.zoom_oauth_base())
        .with_retry(retry)
        .build()?;
    let google = GoogleMeetProvider::builder()
        .with_client_id(&demo.google_client_id)
        .with_client_secret(&demo.google_client_secret)
        .with_redirect_uri(&demo.google_redirect_uri)
        .with_endpoints(GoogleEndpoints::all_at(emu.base_url())?)
        .with_state_key(OAuthStateKey::generate())
        .with_token_store(Arc::new(MemoryTokenStore::new()))
        .build()?;
    MeetSchedifyClient::builder()
        .with_provider(zoom)
        .with_provider(google)
        .build()
}

#[cfg(test)]
mod tests {
    use axum::body::{to_bytes, Body};
    use axum::http::{header, Request};
    use axum::response::IntoResponse;
    use meetschedify::emulator::{FaultAction, FaultRule};
    use meetschedify::{Error, ErrorCode, ProviderId};
    use tower::ServiceExt;

    use super::*;

    async fn body_json(response: axum::response::Response) -> Value {
        serde_json::from_slice(&to_bytes(response.into_body(), 1 << 20).await.unwrap()).unwrap()
    }

    /// The statuses of the Node.js original's error-handling example, code by code.
    const ORIGINAL: &[(ErrorCode, u16)] = &[
        (ErrorCode::GoogleNotConnected, 401),
        (ErrorCode::GoogleAuthRevoked, 401),
        (ErrorCode::GoogleRateLimit, 429),
        (ErrorCode::ZoomInvalidClient, 503),
        (ErrorCode::ZoomRateLimit, 429),
        (ErrorCode::ZoomNetworkError, 502),
        (ErrorCode::ProviderNotFound, 400),
    ];

    #[tokio::test]
    async fn the_original_examples_codes_get_its_statuses_and_reconnect_action() {
        for &(code, status) in ORIGINAL {
            let response = ApiError(Error::new(code, "the message")).into_response();
            assert_eq!(response.status().as_u16(), status, "{code}");
            let body = body_json(response).await;
            assert_eq!(body["error"]["code"], code.as_str());
            let reconnect = matches!(
                code,
                ErrorCode::GoogleNotConnected | ErrorCode::GoogleAuthRevoked
            );
            assert_eq!(
                body["action"]["redirect"].as_str(),
                reconnect.then_some(answer::GOOGLE_CONNECT_URL),
                "{code}"
            );
        }
    }

    #[tokio::test]
    async fn every_other_code_is_answered_by_its_kind_with_a_stable_body() {
        for &code in ErrorCode::ALL {
            let err = Error::new(code, "the message");
            let response = ApiError(err).into_response();
            let status = response.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code}: {status}"
            );
            if !ORIGINAL.iter().any(|&(c, _)| c == code) {
                assert_eq!(status, answer::status_for_kind(code.kind()), "{code}");
            }
            let body = body_json(response).await;
            assert_eq!(body["error"]["code"], code.as_str());
            assert_eq!(body["error"]["retryable"], code.retryable_by_default());
            // 5xx bodies never echo the internal message.
            let shown = body["error"]["message"].as_str().unwrap();
            assert_eq!(shown == "the message", status.is_client_error(), "{code}");
            assert_eq!(
                body["action"]["redirect"].is_string(),
                code.needs_reconnect(),
                "{code}"
            );
        }
    }

    #[test]
    fn kinds_map_to_statuses() {
        use meetschedify::ErrorKind as K;
        for (kind, status) in [
            (K::InvalidRequest, 400),
            (K::ReconnectRequired, 401),
            (K::PermissionDenied, 403),
            (K::NotFound, 404),
            (K::Conflict, 409),
            (K::RateLimited, 429),
            (K::InvalidConfig, 500),
            (K::NotSupported, 501),
            (K::Unavailable, 502),
            (K::Provider, 502),
            (K::BadCredentials, 503),
            (K::Pending, 503),
            (K::Storage, 503),
        ] {
            assert_eq!(answer::status_for_kind(kind).as_u16(), status, "{kind:?}");
        }
    }

    fn code(text: &str) -> ErrorCode {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn a_third_party_providers_neutral_codes_are_answered_by_kind() {
        let teams = ProviderId::new("teams");

        // Reconnect: 401 with the action, on that provider's own connect route.
        let err = Error::new(code("NOT_CONNECTED"), "no grant").with_provider(teams.clone());
        let response = ApiError(err).into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            body_json(response).await["action"]["redirect"],
            "/auth/teams/connect"
        );

        // Rate limited: 429 with the provider's wait, or the original's 30 seconds without one.
        let err = Error::new(code("RATE_LIMITED"), "slow down")
            .with_provider(teams.clone())
            .with_retry_after(Some(std::time::Duration::from_secs(5)));
        let response = ApiError(err).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let err = Error::new(code("RATE_LIMITED"), "slow down").with_provider(teams.clone());
        let response = ApiError(err).into_response();
        assert_eq!(
            response.headers()[header::RETRY_AFTER],
            answer::DEFAULT_RETRY_AFTER_SECS.to_string().as_str()
        );
        // A daily limit retrying cannot outlast: no invented wait.
        let err = Error::new(ErrorCode::GoogleRateLimit, "daily quota").with_retryable(false);
        let response = ApiError(err).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().get(header::RETRY_AFTER).is_none());

        // Unreachable: 502 like ZOOM_NETWORK_ERROR; refused credentials: 503 like
        // ZOOM_INVALID_CLIENT; both hide the provider's message.
        for (text, status) in [
            ("PROVIDER_UNAVAILABLE", StatusCode::BAD_GATEWAY),
            ("NETWORK_ERROR", StatusCode::BAD_GATEWAY),
            ("BAD_CREDENTIALS", StatusCode::SERVICE_UNAVAILABLE),
        ] {
            let err = Error::new(code(text), "secret detail").with_provider(teams.clone());
            let response = ApiError(err).into_response();
            assert_eq!(response.status(), status, "{text}");
            assert_ne!(
                body_json(response).await["error"]["message"],
                "secret detail"
            );
        }
    }

    async fn post(app: &Router, body: Value) -> axum::response::Response {
        app.clone()
            .oneshot(
                Request::post("/meetings")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap(),
            )
            .await
            .unwrap()
    }

    fn meeting(provider: &str, end: &str) -> Value {
        json!({
            "tenant_id": "t1",
            "provider_id": provider,
            "title": "Standup",
            "time": {"start": "2030-06-15T10:00:00", "end": end, "timezone": "Europe/Paris"}
        })
    }

    /// A Zoom provider against the emulator with the given client secret, without retries.
    fn zoom_app(emu: &EmulatorHandle, client_secret: &str) -> Router {
        let demo = emu.demo();
        let zoom = ZoomProvider::builder()
            .with_credentials(&demo.zoom_account_id, &demo.zoom_client_id, client_secret)
            .with_api_base(emu.zoom_api_base())
            .with_oauth_base(emu.zoom_oauth_base())
            .with_retry(RetryConfig::none())
            .build()
            .unwrap();
        app(MeetSchedifyClient::builder()
            .with_provider(zoom)
            .build()
            .unwrap())
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn zoom_refusing_our_credentials_is_503_and_unreachable_zoom_is_502() {
        let emu = Emulator::start().await.unwrap();

        let refused = post(
            &zoom_app(&emu, "not-the-secret"),
            meeting("zoom", "2030-06-15T10:30:00"),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
        let refused = body_json(refused).await;
        assert_eq!(refused["error"]["code"], "ZOOM_INVALID_CLIENT");
        // A 5xx shows the code's description, never the provider's own text.
        assert_eq!(
            refused["error"]["message"],
            ErrorCode::ZoomInvalidClient.description()
        );

        let secret = emu.demo().zoom_client_secret.clone();
        emu.inject_fault(FaultRule::once(
            "POST",
            "/v2/users/*/meetings",
            FaultAction::ResetBefore,
        ));
        let unreachable = post(
            &zoom_app(&emu, &secret),
            meeting("zoom", "2030-06-15T10:30:00"),
        )
        .await;
        assert_eq!(unreachable.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(
            body_json(unreachable).await["error"]["code"],
            "ZOOM_NETWORK_ERROR"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_handler_answers_real_failures_against_the_emulator() {
        let emu = Emulator::start().await.unwrap();
        let app = app(emulator_client(&emu, RetryConfig::none()).unwrap());

        let ok = post(&app, meeting("zoom", "2030-06-15T10:30:00")).await;
        assert_eq!(ok.status(), StatusCode::CREATED);
        let ok = body_json(ok).await;
        assert!(ok["conference_link"]
            .as_str()
            .unwrap()
            .starts_with("https://zoom.us/j/"));

        let bad = post(&app, meeting("zoom", "2030-06-15T09:00:00")).await;
        assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
        let bad = body_json(bad).await;
        assert_eq!(bad["error"]["code"], "INVALID_REQUEST");
        assert_eq!(bad["error"]["field"], "time.end");

        let unknown = body_json(post(&app, meeting("webex", "2030-06-15T10:30:00")).await).await;
        assert_eq!(unknown["error"]["code"], "PROVIDER_NOT_FOUND");

        let google = post(&app, meeting("google-meet", "2030-06-15T10:30:00")).await;
        assert_eq!(google.status(), StatusCode::UNAUTHORIZED);
        let google = body_json(google).await;
        assert_eq!(google["error"]["code"], "GOOGLE_NOT_CONNECTED");
        assert_eq!(google["action"]["redirect"], answer::GOOGLE_CONNECT_URL);

        emu.inject_fault(FaultRule::once(
            "POST",
            "/v2/users/*/meetings",
            FaultAction::too_many_requests(7),
        ));
        let limited = post(&app, meeting("zoom", "2030-06-15T10:30:00")).await;
        assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(limited.headers()[header::RETRY_AFTER], "7");
        let limited = body_json(limited).await;
        assert_eq!(limited["error"]["code"], "ZOOM_RATE_LIMIT");
        assert_eq!(limited["error"]["retry_after_seconds"], 7);
    }
}
