//! `google-token`: the one-time helper that obtains a refresh token for `google-meet-static`.
//!
//! It runs the web-server flow with `access_type=offline`, `prompt=consent` (without it Google
//! returns no refresh token to a user who consented before), PKCE S256 and a random state,
//! receives the redirect on the redirect URI's localhost port, exchanges the code, and prints
//! `GOOGLE_REFRESH_TOKEN=...`.

use std::time::Duration;

use meetschedify::secrecy::ExposeSecret;
use meetschedify::{Error, ErrorCode, ProviderId};
use meetschedify_google::{
    GoogleClientCredentials, GoogleEndpoints, GoogleOAuthClient, Pkce, ENV_CLIENT_ID,
    ENV_CLIENT_SECRET, ENV_REDIRECT_URI, SCOPE_CALENDAR_EVENTS,
};

use crate::args::GoogleTokenArgs;
use crate::callback;
use crate::commands::connect::open_browser;

fn required(name: &str) -> Result<String, Error> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| Error::invalid_config(name, format!("{name} is not set")))
}

/// `meetschedify google-token`.
pub async fn run(args: &GoogleTokenArgs) -> Result<(), Error> {
    let client_id = required(ENV_CLIENT_ID)?;
    let client_secret = required(ENV_CLIENT_SECRET)?;
    let redirect_uri = required(ENV_REDIRECT_URI)?;
    let (host, port, path) = callback::loopback_target(&redirect_uri, ENV_REDIRECT_URI)?;
    let credentials =
        GoogleClientCredentials::new(client_id, client_secret).with_redirect_uri(&redirect_uri);
    let oauth = GoogleOAuthClient::new(
        ProviderId::GOOGLE_MEET_STATIC,
        credentials,
        GoogleEndpoints::from_env()?,
    )?;

    let listener = callback::bind(&host, port).await?;
    let pkce = Pkce::new();
    let state = oauth2::CsrfToken::new_random().secret().clone();
    // The least privilege that creates events with Meet links, on any calendar the account can
    // write to; the full calendar scope would also let the app change calendars themselves.
    let scopes = [SCOPE_CALENDAR_EVENTS.to_owned()];
    let url = oauth.authorization_url(state.clone(), &scopes, &pkce, args.login_hint.as_deref());
    eprintln!(
        "Sign in with the Google account that will own every meeting (waiting up to {} s):\n\n  {url}\n",
        args.timeout
    );
    if !args.no_open {
        open_browser(&url);
    }
    let redirect = callback::receive(&listener, &path, Duration::from_secs(args.timeout)).await?;
    if redirect.state != state {
        return Err(Error::new(
            ErrorCode::OAuthStateInvalid,
            "the redirect's state does not match this request",
        )
        .with_field("state"));
    }
    let tokens = oauth.exchange_code(&redirect.code, pkce.verifier()).await?;
    let refresh = tokens.refresh_token.ok_or_else(|| {
        Error::new(
            ErrorCode::GoogleTokenRefreshFailed,
            "google returned no refresh token: revoke the app's access at \
             https://myaccount.google.com/permissions and run this again",
        )
    })?;
    // The one place a secret is printed on purpose: it is what the user asked for.
    println!("GOOGLE_REFRESH_TOKEN={}", refresh.expose_secret());
    eprintln!(
        "\nStore it as a secret (a secrets manager or an env file outside version control): it grants \
         access to this account's calendar. Apps in \"Testing\" status get refresh tokens that \
         expire after 7 days; publish the app for a long-lived one."
    );
    Ok(())
}
