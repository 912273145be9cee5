//! Test helpers: a raw HTTP client (hyper, plain HTTP to loopback) and shortcuts for tokens.

#![allow(unreachable_pub)]

pub mod schema;

use axum::body::Bytes;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use http_body_util::{BodyExt, Full};
use hyper::header::HeaderValue;
use hyper::{HeaderMap, Method, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use meetschedify_emulator::EmulatorHandle;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A plain HTTP/1.1 client, as a real client library would use (one fresh connection per request,
/// so a connection reset only hits the request that caused it).
#[derive(Clone)]
pub struct Http {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for Http {
    fn default() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(0)
                .build_http(),
        }
    }
}

impl Http {
    pub async fn try_send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Reply, String> {
        let mut request = Request::builder()
            .method(Method::from_bytes(method.as_bytes()).unwrap())
            .uri(url);
        for (name, value) in headers {
            request = request.header(*name, HeaderValue::from_str(value).unwrap());
        }
        let request = request.body(Full::new(Bytes::from(body))).unwrap();
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("{e:?}"))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("{e:?}"))?
            .to_bytes();
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Reply {
        self.try_send(method, url, headers, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {url} failed: {e}"))
    }

    pub async fn get(&self, url: &str, bearer: &str) -> Reply {
        let auth = format!("Bearer {bearer}");
        self.send("GET", url, &[("authorization", &auth)], vec![])
            .await
    }

    pub async fn delete(&self, url: &str, bearer: &str) -> Reply {
        let auth = format!("Bearer {bearer}");
        self.send("DELETE", url, &[("authorization", &auth)], vec![])
            .await
    }

    pub async fn json(&self, method: &str, url: &str, bearer: &str, body: &Value) -> Reply {
        let auth = format!("Bearer {bearer}");
        self.send(
            method,
            url,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body.to_string().into_bytes(),
        )
        .await
    }

    pub async fn form(&self, url: &str, headers: &[(&str, &str)], form: &[(&str, &str)]) -> Reply {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
        all.extend_from_slice(headers);
        self.send("POST", url, &all, body.into_bytes()).await
    }
}

pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")))
}

/// A Zoom access token for the demo app, obtained the way the library does.
pub async fn zoom_token(http: &Http, emu: &EmulatorHandle) -> String {
    let demo = emu.demo();
    let auth = basic(&demo.zoom_client_id, &demo.zoom_client_secret);
    let reply = http
        .form(
            &format!("{}/oauth/token", emu.zoom_oauth_base()),
            &[("authorization", &auth)],
            &[
                ("grant_type", "account_credentials"),
                ("account_id", &demo.zoom_account_id),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

/// A Google access token for the demo user, from the demo refresh token.
pub async fn google_token(http: &Http, emu: &EmulatorHandle) -> String {
    let demo = emu.demo();
    let reply = http
        .form(
            &format!("{}/token", emu.google_oauth_base()),
            &[],
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &demo.google_refresh_token),
                ("client_id", &demo.google_client_id),
                ("client_secret", &demo.google_client_secret),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["access_token"].as_str().unwrap().to_owned()
}

/// PKCE S256 challenge of a verifier.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// URL of the events collection of a calendar.
pub fn events_url(emu: &EmulatorHandle, calendar: &str) -> String {
    let calendar: String = url::form_urlencoded::byte_serialize(calendar.as_bytes()).collect();
    format!(
        "{}/calendar/v3/calendars/{calendar}/events",
        emu.google_api_base()
    )
}

/// A timed event body.
pub fn event_body(summary: &str) -> Value {
    serde_json::json!({
        "summary": summary,
        "start": { "dateTime": "2030-01-15T10:00:00-05:00", "timeZone": "America/New_York" },
        "end": { "dateTime": "2030-01-15T10:30:00-05:00", "timeZone": "America/New_York" },
    })
}

/// A Meet create request.
pub fn with_meet(mut body: Value, request_id: &str) -> Value {
    body["conferenceData"] = serde_json::json!({
        "createRequest": { "requestId": request_id, "conferenceSolutionKey": { "type": "hangoutsMeet" } }
    });
    body
}
