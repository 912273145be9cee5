//! `connect`, `disconnect`: the per-user Google and Microsoft flows from a terminal.
//!
//! `connect` listens on the localhost port of the provider's redirect URI, prints the consent URL
//! (and tries to open it), and completes the callback itself, so the tokens land in the SQLite
//! token store.

use std::time::Duration;

use meetschedify::{
    AuthorizationRequest, DisconnectOutcome, Error, MeetSchedifyClient, OAuthCallback, ProviderId,
    TenantId,
};
use meetschedify_google::ENV_REDIRECT_URI as GOOGLE_REDIRECT_URI;
use meetschedify_teams::ENV_REDIRECT_URI as MICROSOFT_REDIRECT_URI;
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
    let variable = redirect_variable(&provider)?;
    let redirect_uri = std::env::var(variable).unwrap_or_default();
    let (host, port, path) = callback::loopback_target(&redirect_uri, variable)?;
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

/// The variable holding the redirect URI `connect` listens on for `provider`: each provider's
/// app is registered with its own, so the one for the other provider would be refused.
pub fn redirect_variable(provider: &ProviderId) -> Result<&'static str, Error> {
    if *provider == ProviderId::GOOGLE_MEET {
        Ok(GOOGLE_REDIRECT_URI)
    } else if *provider == ProviderId::MICROSOFT_TEAMS {
        Ok(MICROSOFT_REDIRECT_URI)
    } else {
        Err(Error::invalid_config(
            "provider",
            format!(
                "`connect` works with the per-user providers {} and {}, not `{provider}`",
                ProviderId::GOOGLE_MEET,
                ProviderId::MICROSOFT_TEAMS
            ),
        ))
    }
}

/// What a user does to take back the app's access at the provider after a disconnect that only
/// forgot the tokens (`Forgotten`): Microsoft offers no per-grant revocation an app can call.
fn revoke_at_provider(provider: &ProviderId) -> Option<&'static str> {
    (*provider == ProviderId::MICROSOFT_TEAMS).then_some(
        "to remove the app's access at Microsoft, open https://myapps.microsoft.com, choose the \
         app, then Manage your application and Revoke permissions (an administrator can remove \
         it under Enterprise applications in the Microsoft Entra admin center)",
    )
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
                    "the tokens were forgotten (deleted here); the grant stays valid at the \
                     provider until the user or an administrator removes the app"
                }
                DisconnectOutcome::NotConnected => "it was not connected",
                _ => "the tokens were deleted",
            };
            println!(
                "tenant {} is disconnected from {provider}: {how}",
                args.tenant
            );
            if outcome == DisconnectOutcome::Forgotten {
                if let Some(hint) = revoke_at_provider(&provider) {
                    println!("{hint}");
                }
            }
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
