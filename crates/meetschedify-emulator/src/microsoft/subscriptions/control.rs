//! Control operations on Graph subscriptions, shared by [`crate::EmulatorHandle`] and the HTTP
//! control API: lifecycle notifications on demand, delivery faults, the delivery log.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::state::{GraphWebhookDelivery, GraphWebhookFault};
use crate::error::EmulatorError;
use crate::state::Shared;

impl Shared {
    /// Sends lifecycle notification `event` (`reauthorizationRequired`, `subscriptionRemoved`,
    /// `missed`) for subscription `id` to its lifecycle URL; `subscriptionRemoved` also deletes
    /// the subscription, as Graph has (reference §3.5).
    pub(crate) fn trigger_graph_lifecycle(
        &self,
        id: &str,
        event: &str,
    ) -> Result<(), EmulatorError> {
        let mut guard = self.lock();
        let inner = &mut *guard;
        let rec = inner
            .microsoft
            .subscriptions
            .subscriptions
            .get(id)
            .cloned()
            .ok_or_else(|| EmulatorError::UnknownGraphSubscription(id.to_owned()))?;
        let url = rec
            .lifecycle_url
            .clone()
            .ok_or_else(|| EmulatorError::NoLifecycleUrl(id.to_owned()))?;
        self.notify_graph_lifecycle(inner, &rec, &url, event);
        if event == "subscriptionRemoved" {
            inner.microsoft.subscriptions.subscriptions.remove(id);
        }
        Ok(())
    }

    /// Queues a fault for the next notification request without one.
    pub(crate) fn inject_graph_webhook_fault(&self, fault: GraphWebhookFault) {
        self.lock().microsoft.subscriptions.faults.push_back(fault);
    }

    /// Every notification request sent so far.
    pub(crate) fn graph_webhook_deliveries(&self) -> Vec<GraphWebhookDelivery> {
        self.graph_outbox.deliveries()
    }

    /// The ids of the live subscriptions.
    pub(crate) fn graph_subscription_ids(&self) -> Vec<String> {
        let now = self.clock.now();
        self.lock()
            .microsoft
            .subscriptions
            .subscriptions
            .values()
            .filter(|s| s.expires_at > now)
            .map(|s| s.id.clone())
            .collect()
    }
}

type SharedState = State<Arc<Shared>>;

/// Routes under `/_emulator/microsoft` for subscriptions and their notifications.
pub(crate) fn control_router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_emulator/microsoft/subscriptions", get(list))
        .route(
            "/_emulator/microsoft/subscriptions/{id}/lifecycle",
            post(lifecycle),
        )
        .route("/_emulator/microsoft/webhooks", get(deliveries))
        .route("/_emulator/microsoft/webhooks/faults", post(fault))
}

/// `GET /_emulator/microsoft/subscriptions`: the live subscriptions' ids.
async fn list(State(shared): SharedState) -> Response {
    Json(json!({ "ids": shared.graph_subscription_ids() })).into_response()
}

#[derive(Deserialize)]
struct LifecycleRequest {
    event: String,
}

/// `POST /_emulator/microsoft/subscriptions/{id}/lifecycle {"event": "..."}`: 202; 404 for an
/// unknown subscription, 409 when it has no lifecycle URL.
async fn lifecycle(
    State(shared): SharedState,
    Path(id): Path<String>,
    Json(request): Json<LifecycleRequest>,
) -> Response {
    match shared.trigger_graph_lifecycle(&id, &request.event) {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => {
            let status = match e {
                EmulatorError::NoLifecycleUrl(_) => StatusCode::CONFLICT,
                _ => StatusCode::NOT_FOUND,
            };
            (status, Json(json!({ "error": e.to_string() }))).into_response()
        }
    }
}

/// `GET /_emulator/microsoft/webhooks`: every notification request so far.
async fn deliveries(State(shared): SharedState) -> Response {
    Json(shared.graph_webhook_deliveries()).into_response()
}

/// `POST /_emulator/microsoft/webhooks/faults {"kind": "duplicate" | "out_of_order" | "delay"
/// (+ "ms") | "wrong_client_state"}`.
async fn fault(State(shared): SharedState, Json(fault): Json<GraphWebhookFault>) -> StatusCode {
    shared.inject_graph_webhook_fault(fault);
    StatusCode::CREATED
}
