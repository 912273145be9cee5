//! `connect`, `disconnect`: the per-user Google flow from a terminal.
//!
//! `connect` listens on the redirect URI's localhost port, prints the consent URL (and tries to
//! open it), and completes the callback itself, so the tokens land in the SQLite token store.

use std::time::Duration;

use meetschedify::{
    AuthorizationRequest, DisconnectOutcome, Error, MeetSchedifyClient, OAuthCallback, ProviderId,
    TenantId,
};
use meetschedify_google::ENV_REDIRECT_URI;
use serde_json::json;

use crate::args::{ConnectArgs, TenantArgs};
use crate::callback;
use crate::output::Format;

/// `meetschedify connect`.
pub async fn connect(
    client: &MeetSchedifyClient,
    args: &ConnectArgs,
    format: Format,
) -> Result<(), Error> {
    let provider = ProviderId::from(args.provider.clone());
    let redirect_uri = std::env::var(ENV_REDIRECT_URI).unwrap_or_default();
    let (host, port, path) = callback::loopback_target(&redirect_uri, ENV_REDIRECT_URI)?;
    let listener = callback::bind(&host, port).await?;
    let mut request = AuthorizationRequest::new(args.tenant.as_str(), provider.clone());
    if let Some(hint) = &args.login_hint {
        request = request.with_login_hint(hint);
    }
    let url = client.authorization_url(&request).await?;
    eprintln!(
        "Open this URL and approve access (waiting up to {} s):\n\n  {}\n",
        args.timeout, url.url
    );
    if !args.no_open {
        open_browser(&url.url);
    }
    let redirect = callback::receive(&listener, &path, Duration::from_secs(args.timeout)).await?;
    let connected = client
        .handle_oauth_callback(
            &provider,
            // This process started the flow and waits for it: the binding never leaves it.
            &OAuthCallback::new(redirect.code, redirect.state)
                .with_session_binding(url.session_binding.clone()),
        )
        .await?;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&connected).unwrap_or_default()
        ),
        Format::Human => println!(
            "tenant {} is connected to {}",
            connected.tenant_id, connected.provider_id
        ),
    }
    Ok(())
}

/// `meetschedify disconnect`.
pub async fn disconnect(
    client: &MeetSchedifyClient,
    args: &TenantArgs,
    format: Format,
) -> Result<(), Error> {
    let provider = ProviderId::from(args.provider.clone());
    let outcome = client
        .disconnect_provider(&provider, &TenantId::new(args.tenant.as_str()))
        .await?;
    match format {
        Format::Json => println!(
            "{}",
            json!({
                "tenant_id": args.tenant,
                "provider_id": provider,
                "disconnected": true,
                "outcome": outcome,
            })
        ),
        Format::Human => {
            let how = match outcome {
                DisconnectOutcome::Revoked => "the grant was revoked and the tokens deleted",
                DisconnectOutcome::AlreadyInvalid => {
                    "the grant was already invalid; the tokens were deleted"
                }
                DisconnectOutcome::Forgotten => {
                    "the tokens were deleted; the grant stays valid at the provider until the \
                     user or an administrator removes the app"
                }
                DisconnectOutcome::NotConnected => "it was not connected",
                _ => "the tokens were deleted",
            };
            println!(
                "tenant {} is disconnected from {provider}: {how}",
                args.tenant
            );
        }
    }
    Ok(())
}

/// Best effort: a headless machine simply has no browser, and the URL is printed anyway.
pub fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let _ = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
