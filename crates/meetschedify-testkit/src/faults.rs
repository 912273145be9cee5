//! Checks that need the test's help to break something: a connection cut through a
//! [`TcpProxy`], a stored record damaged behind the store's back. They cannot run inside
//! [`crate::run_all`], which knows nothing of the backend, so a store's own tests call them.

use std::time::Duration;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    Error, ErrorCode, SaveCondition, SaveOutcome, TokenKey, TokenRecord, TokenStore,
};
use tokio::time::Instant;

use crate::outcome::{CheckFailure, CheckResult, Outcome};
use crate::proxy::TcpProxy;
use crate::support::{ensure, full_record, key, store_err, unique_prefix};

/// What [`cut_and_restore`] expects of a store around the cut.
///
/// ```
/// use std::time::Duration;
///
/// // A client that reconnects in the background, and says which backend and call failed.
/// let expect = meetschedify_testkit::CutExpectations::new()
///     .with_get_error_prefix("redis get failed")
///     .with_recovery(Duration::from_secs(10));
/// assert_eq!(expect.recovery, Duration::from_secs(10));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CutExpectations {
    /// How the message of the `get` that fails during the cut must begin (for example
    /// `"postgres get failed"`), so the error says which backend and which call failed; `None`
    /// checks only the code and that it is retryable.
    pub get_error_prefix: Option<String>,
    /// How long after the restore the store may take to serve a `get` again. Zero (the default)
    /// means the very first call after the restore must work, as it does for a pool that
    /// replaces dead connections when it hands them out; a client that reconnects in the
    /// background needs a moment, and gets this long, with a short pause between tries.
    pub recovery: Duration,
}

impl CutExpectations {
    /// No message prefix; the first call after the restore must work.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `get` failing during the cut must have a message starting with `prefix`.
    pub fn with_get_error_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.get_error_prefix = Some(prefix.into());
        self
    }

    /// The store may take up to `recovery` after the restore to serve a `get` again.
    pub fn with_recovery(mut self, recovery: Duration) -> Self {
        self.recovery = recovery;
        self
    }
}

/// How long [`cut_and_restore`] waits between tries while the store recovers.
const RECOVERY_PAUSE: Duration = Duration::from_millis(50);

/// Cuts the connection between `store` and its server with `proxy`, and restores it.
///
/// Build `store` on the URL [`TcpProxy::in_front_of`] returned, with short timeouts (half a
/// second or so: the calls during the cut must fail, not hang). The check saves a record, then
/// with the proxy down expects `get`, a versioned `save` and (where the store has
/// [`leases`](TokenStore::leases)) `try_acquire_lease` each to fail with a retryable
/// `TOKEN_STORE_ERROR`, since that is what makes the token layer retry instead of giving up. With the proxy up again it expects the
/// record back unchanged (the save during the cut must not have half-happened) within
/// [`CutExpectations::recovery`], and a save on its version to work. The proxy is left up.
///
/// ```no_run
/// use meetschedify_testkit::{cut_and_restore, proxy::TcpProxy, CutExpectations, Outcome};
/// # use meetschedify_core::MemoryTokenStore as MyStore;
/// # async fn connect(_url: &str) -> MyStore { MyStore::new() }
///
/// # async fn example() -> std::io::Result<()> {
/// let (proxy, url) = TcpProxy::in_front_of("postgres://postgres@127.0.0.1/test", 5432).await?;
/// // Your store on `url`, with connect and response timeouts of half a second or so.
/// let store = connect(&url).await;
/// let expect = CutExpectations::new().with_get_error_prefix("mystore get failed");
/// assert_eq!(cut_and_restore(&store, &proxy, &expect).await, Ok(Outcome::Passed));
/// # Ok(()) }
/// ```
pub async fn cut_and_restore(
    store: &dyn TokenStore,
    proxy: &TcpProxy,
    expect: &CutExpectations,
) -> CheckResult {
    let key = key(&unique_prefix("cut"), "t");
    let before = TokenRecord::new("before-the-cut");
    let saved = store
        .save(&key, &before, SaveCondition::Absent)
        .await
        .map_err(store_err("save before the cut"))?;
    ensure!(
        saved == SaveOutcome::Saved { version: 1 },
        "the save before the cut gave {saved:?}"
    );

    proxy.down();
    let during = cut_calls(store, &key, expect).await;
    proxy.up();
    during?;

    let back = recovered(store, &key, expect.recovery).await?;
    ensure!(
        back.version == 1 && back.access_token.expose_secret() == "before-the-cut",
        "after the restore the record is at version {} (a save during the cut must not write)",
        back.version
    );
    let after = store
        .save(
            &key,
            &TokenRecord::new("after-the-cut"),
            SaveCondition::Version(1),
        )
        .await
        .map_err(store_err("save after the restore"))?;
    ensure!(
        after == SaveOutcome::Saved { version: 2 },
        "a save on the current version after the restore gave {after:?}"
    );
    Ok(Outcome::Passed)
}

/// The calls made while the proxy is down; each must fail typed and retryable.
async fn cut_calls(
    store: &dyn TokenStore,
    key: &TokenKey,
    expect: &CutExpectations,
) -> CheckResult {
    let err = cut_error("get", store.get(key).await)?;
    if let Some(prefix) = &expect.get_error_prefix {
        ensure!(
            err.message().starts_with(prefix.as_str()),
            "the get during the cut failed with `{err}`, which does not start with `{prefix}`"
        );
    }
    let during = TokenRecord::new("during-the-cut");
    cut_error(
        "save",
        store.save(key, &during, SaveCondition::Version(1)).await,
    )?;
    if let Some(leases) = store.leases() {
        cut_error(
            "try_acquire_lease",
            leases.try_acquire_lease(key, Duration::from_secs(1)).await,
        )?;
    }
    Ok(Outcome::Passed)
}

/// The error a call during the cut returned, if it is a retryable `TOKEN_STORE_ERROR`.
fn cut_error<T: std::fmt::Debug>(
    call: &str,
    result: meetschedify_core::Result<T>,
) -> Result<Error, CheckFailure> {
    let err = match result {
        Ok(value) => {
            return Err(CheckFailure::new(format!(
                "the {call} during the cut succeeded ({value:?}): is the store connected through the proxy?"
            )))
        }
        Err(err) => err,
    };
    ensure!(
        err.code() == ErrorCode::TokenStoreError,
        "the {call} during the cut failed with {:?}, not TOKEN_STORE_ERROR: {err}",
        err.code()
    );
    ensure!(
        err.is_retryable(),
        "the {call} during the cut failed with a non-retryable error: {err}"
    );
    Ok(err)
}

/// The record under `key` once the store serves again, trying for up to `within`.
async fn recovered(
    store: &dyn TokenStore,
    key: &TokenKey,
    within: Duration,
) -> Result<TokenRecord, CheckFailure> {
    let deadline = Instant::now() + within;
    loop {
        let last = match store.get(key).await {
            Ok(Some(record)) => return Ok(record),
            Ok(None) => "the record saved before the cut is gone".to_owned(),
            Err(e) => format!("the store did not recover: {e}"),
        };
        if Instant::now() >= deadline {
            return Err(CheckFailure::new(format!(
                "{last} ({within:?} after the restore)"
            )));
        }
        tokio::time::sleep(RECOVERY_PAUSE).await;
    }
}

/// Saves a record with every field set, lets `corrupt` damage what the backend holds for its key
/// (write bytes that are not a record, remove a field, ...), and checks that reading the key
/// back fails with a `TOKEN_STORE_ERROR` whose message contains `cause` and shows none of the
/// saved tokens. A store must never answer such a read with `None` (the caller would ask the
/// user to connect again) or with a made-up record.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use meetschedify_core::MemoryTokenStore;
/// use meetschedify_testkit::corrupt_record_is_an_error;
///
/// // The memory store holds no bytes to damage: the record still reads back, and the check
/// // says so. A SQL store's test would overwrite the row's data column here instead.
/// let store = MemoryTokenStore::new();
/// let result = corrupt_record_is_an_error(&store, "not valid", async |_key| {}).await;
/// assert!(result.unwrap_err().message.contains("read back as a record"));
/// # });
/// ```
pub async fn corrupt_record_is_an_error<F>(
    store: &dyn TokenStore,
    cause: &str,
    corrupt: F,
) -> CheckResult
where
    F: AsyncFnOnce(&TokenKey),
{
    let key = key(&unique_prefix("corrupt"), "t");
    // Tokens unlike the key, so an error that names the key is not taken for one showing them.
    let record = full_record(&unique_prefix("secret"));
    store
        .save(&key, &record, SaveCondition::Always)
        .await
        .map_err(store_err("save"))?;
    corrupt(&key).await;
    let err = match store.get(&key).await {
        Ok(Some(_)) => {
            return Err(CheckFailure::new(
                "a corrupt record read back as a record: did the corruption reach the backend?",
            ))
        }
        Ok(None) => return Err(CheckFailure::new("a corrupt record read back as missing")),
        Err(err) => err,
    };
    ensure!(
        err.code() == ErrorCode::TokenStoreError,
        "reading a corrupt record failed with {:?}, not TOKEN_STORE_ERROR: {err}",
        err.code()
    );
    ensure!(
        err.message().contains(cause),
        "reading a corrupt record failed with `{err}`, which does not say `{cause}`"
    );
    let shown = format!("{err} {err:?}");
    let mut tokens = vec![record.access_token.expose_secret()];
    tokens.extend(record.refresh_token.as_ref().map(|t| t.expose_secret()));
    ensure!(
        tokens.iter().all(|t| !shown.contains(t)),
        "the error about a corrupt record shows a saved token"
    );
    Ok(Outcome::Passed)
}
