//! `TcpProxy::in_front_of` rewrites only host and port and the proxy cuts and restores;
//! `cut_and_restore` and `corrupt_record_is_an_error` pass on a store that behaves, and fail,
//! naming the fault, on one broken in each way they guard against (so neither passes
//! vacuously).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use meetschedify_core::{
    async_trait, DeleteOutcome, Error, ErrorCode, Lease, MemoryTokenStore, Result, SaveCondition,
    SaveOutcome, TokenKey, TokenLeases, TokenRecord, TokenStore,
};
use meetschedify_testkit::proxy::TcpProxy;
use meetschedify_testkit::{self as kit, CheckResult, CutExpectations, Outcome};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// An echo server on loopback, standing in for a database.
async fn echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut read, mut write) = conn.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    addr
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Flaw {
    None,
    /// Never talks to its server, so a cut goes unnoticed.
    Offline,
    WrongCode,
    NotRetryable,
    /// Writes before it finds the server gone.
    WritesBeforeFailing,
    /// Refuses calls for a moment after a failed ping, like a client reconnecting with back-off.
    SlowToRecover,
}

/// A memory store that pings its server before every call, as a database client sends a query:
/// through a [`TcpProxy`] the test can cut it.
#[derive(Debug)]
struct Networked {
    inner: MemoryTokenStore,
    server: String,
    flaw: Flaw,
    last_failure: Mutex<Option<Instant>>,
}

impl Networked {
    fn new(url: &str, flaw: Flaw) -> Self {
        Self {
            inner: MemoryTokenStore::new(),
            server: url
                .trim_start_matches("tcp://")
                .trim_end_matches('/')
                .to_owned(),
            flaw,
            last_failure: Mutex::default(),
        }
    }

    async fn reach_server(&self, call: &str) -> Result<()> {
        if self.flaw == Flaw::Offline {
            return Ok(());
        }
        let backing_off = self.flaw == Flaw::SlowToRecover
            && self
                .last_failure
                .lock()
                .unwrap()
                .is_some_and(|at| at.elapsed() < Duration::from_millis(300));
        if !backing_off {
            if ping(&self.server).await {
                return Ok(());
            }
            // Only a failed ping starts the back-off, so it ends 300 ms after the restore.
            *self.last_failure.lock().unwrap() = Some(Instant::now());
        }
        let err = Error::new(
            if self.flaw == Flaw::WrongCode {
                ErrorCode::InvalidConfig
            } else {
                ErrorCode::TokenStoreError
            },
            format!("networked {call} failed: the server is gone"),
        );
        Err(err.with_retryable(self.flaw != Flaw::NotRetryable))
    }
}

/// Whether a ping to `server` comes back within a second.
async fn ping(server: impl tokio::net::ToSocketAddrs) -> bool {
    let ping = async {
        let mut conn = TcpStream::connect(server).await?;
        conn.write_all(b"ping").await?;
        let mut back = [0; 4];
        conn.read_exact(&mut back).await?;
        std::io::Result::Ok(back == *b"ping")
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(1), ping).await,
        Ok(Ok(true))
    )
}

#[async_trait]
impl TokenStore for Networked {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        self.reach_server("get").await?;
        self.inner.get(key).await
    }

    async fn save(&self, key: &TokenKey, r: &TokenRecord, c: SaveCondition) -> Result<SaveOutcome> {
        if self.flaw == Flaw::WritesBeforeFailing {
            let outcome = self.inner.save(key, r, c).await?;
            self.reach_server("save").await?;
            return Ok(outcome);
        }
        self.reach_server("save").await?;
        self.inner.save(key, r, c).await
    }

    async fn delete_if(&self, key: &TokenKey, c: SaveCondition) -> Result<DeleteOutcome> {
        self.reach_server("delete").await?;
        self.inner.delete_if(key, c).await
    }

    fn leases(&self) -> Option<&dyn TokenLeases> {
        Some(self)
    }
}

#[async_trait]
impl TokenLeases for Networked {
    async fn try_acquire_lease(&self, key: &TokenKey, ttl: Duration) -> Result<Option<Lease>> {
        self.reach_server("try_acquire_lease").await?;
        self.inner.try_acquire_lease(key, ttl).await
    }

    async fn release_lease(&self, lease: &Lease) -> Result<()> {
        self.reach_server("release_lease").await?;
        self.inner.release_lease(lease).await
    }
}

#[tokio::test]
async fn in_front_of_changes_only_host_and_port_and_the_proxy_cuts_and_restores() {
    let target = echo_server().await;
    let url = format!(
        "postgres://user:pw@127.0.0.1:{}/db?sslmode=disable",
        target.port()
    );
    let (proxy, proxied) = TcpProxy::in_front_of(&url, 1).await.unwrap();
    assert_ne!(proxy.addr().port(), target.port());
    assert_eq!(
        proxied,
        format!(
            "postgres://user:pw@127.0.0.1:{}/db?sslmode=disable",
            proxy.addr().port()
        )
    );
    assert!(ping(proxy.addr()).await);
    proxy.down();
    assert!(!ping(proxy.addr()).await, "the proxy forwarded while down");
    proxy.up();
    assert!(ping(proxy.addr()).await, "the proxy did not come back");
}

#[tokio::test]
async fn in_front_of_applies_the_default_port_and_refuses_a_url_without_a_host() {
    let target = echo_server().await;
    let (proxy, proxied) = TcpProxy::in_front_of("redis://127.0.0.1/", target.port())
        .await
        .unwrap();
    assert_eq!(
        proxied,
        format!("redis://127.0.0.1:{}/", proxy.addr().port())
    );
    assert!(ping(proxy.addr()).await);
    for bad in [
        "not a url",
        "unix:/var/run/hunter2.sock",
        "postgres://u:hunter2@/db",
    ] {
        let err = TcpProxy::in_front_of(bad, 5432).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{bad}: {err}");
        // The URL may hold a password; the error, which lands in logs, must not.
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}

async fn cut(flaw: Flaw, expect: &CutExpectations) -> CheckResult {
    let server = echo_server().await;
    let (proxy, url) = TcpProxy::in_front_of(&format!("tcp://{server}/"), 1)
        .await
        .unwrap();
    let store = Networked::new(&url, flaw);
    kit::cut_and_restore(&store, &proxy, expect).await
}

#[track_caller]
fn assert_fails(result: CheckResult, says: &str) {
    match result {
        Err(failure) => assert!(
            failure.message.contains(says),
            "expected `{says}` in: {failure}"
        ),
        Ok(outcome) => panic!("expected a failure saying `{says}`, got {outcome:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_and_restore_passes_a_store_that_fails_typed_and_recovers() {
    let expect = CutExpectations::new().with_get_error_prefix("networked get failed");
    assert_eq!(cut(Flaw::None, &expect).await, Ok(Outcome::Passed));
    let patient = expect.clone().with_recovery(Duration::from_secs(5));
    assert_eq!(
        cut(Flaw::SlowToRecover, &patient).await,
        Ok(Outcome::Passed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_and_restore_catches_each_fault() {
    let strict = CutExpectations::new();
    assert_fails(
        cut(Flaw::Offline, &strict).await,
        "during the cut succeeded",
    );
    assert_fails(cut(Flaw::WrongCode, &strict).await, "not TOKEN_STORE_ERROR");
    assert_fails(cut(Flaw::NotRetryable, &strict).await, "non-retryable");
    assert_fails(
        cut(Flaw::WritesBeforeFailing, &strict).await,
        "must not write",
    );
    assert_fails(cut(Flaw::SlowToRecover, &strict).await, "did not recover");
    let other_prefix = CutExpectations::new().with_get_error_prefix("postgres get failed");
    assert_fails(
        cut(Flaw::None, &other_prefix).await,
        "does not start with `postgres get failed`",
    );
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Reading {
    /// A `TOKEN_STORE_ERROR` naming the key, as `TokenRecord::from_stored_json` gives.
    Strict,
    /// Unreadable data reads as no record.
    Lenient,
    WrongCode,
    /// The error quotes the stored data.
    EchoesData,
}

/// Records kept as the JSON a real backend would hold, so a test can damage the bytes.
#[derive(Debug)]
struct Stored {
    rows: Mutex<HashMap<TokenKey, String>>,
    reading: Reading,
}

impl Stored {
    fn new(reading: Reading) -> Self {
        Self {
            rows: Mutex::default(),
            reading,
        }
    }

    fn damage(&self, key: &TokenKey, f: impl FnOnce(&str) -> String) {
        let mut rows = self.rows.lock().unwrap();
        let row = rows.get_mut(key).unwrap();
        *row = f(row);
    }
}

#[async_trait]
impl TokenStore for Stored {
    async fn get(&self, key: &TokenKey) -> Result<Option<TokenRecord>> {
        let Some(data) = self.rows.lock().unwrap().get(key).cloned() else {
            return Ok(None);
        };
        match TokenRecord::from_stored_json(key, data.as_bytes(), 1) {
            Ok(record) => Ok(Some(record)),
            Err(_) if self.reading == Reading::Lenient => Ok(None),
            Err(e) if self.reading == Reading::WrongCode => {
                Err(Error::invalid_request("record", e.message().to_owned()))
            }
            Err(e) if self.reading == Reading::EchoesData => Err(Error::new(
                ErrorCode::TokenStoreError,
                format!("{}: {data}", e.message()),
            )),
            Err(e) => Err(e),
        }
    }

    async fn save(&self, key: &TokenKey, r: &TokenRecord, _: SaveCondition) -> Result<SaveOutcome> {
        let data = r.to_stored_json()?;
        self.rows.lock().unwrap().insert(key.clone(), data);
        Ok(SaveOutcome::Saved { version: 1 })
    }

    async fn delete_if(&self, key: &TokenKey, _: SaveCondition) -> Result<DeleteOutcome> {
        self.rows.lock().unwrap().remove(key);
        Ok(DeleteOutcome::Deleted)
    }
}

/// Cuts the last bytes off the JSON: unreadable, with the access token still in it.
fn truncate(data: &str) -> String {
    data[..data.len() - 10].to_owned()
}

#[tokio::test]
async fn corrupt_record_is_an_error_passes_a_typed_error_naming_the_cause() {
    let store = Stored::new(Reading::Strict);
    let checked = kit::corrupt_record_is_an_error(&store, "not valid", async |key| {
        store.damage(key, truncate);
    })
    .await;
    assert_eq!(checked, Ok(Outcome::Passed));
}

#[tokio::test]
async fn corrupt_record_is_an_error_catches_each_fault() {
    let check = async |reading: Reading, cause: &str, damage: fn(&str) -> String| {
        let store = Stored::new(reading);
        kit::corrupt_record_is_an_error(&store, cause, async |key| store.damage(key, damage)).await
    };
    assert_fails(
        check(Reading::Strict, "not valid", str::to_owned).await,
        "read back as a record",
    );
    assert_fails(
        check(Reading::Lenient, "not valid", truncate).await,
        "read back as missing",
    );
    assert_fails(
        check(Reading::WrongCode, "not valid", truncate).await,
        "not TOKEN_STORE_ERROR",
    );
    assert_fails(
        check(Reading::Strict, "incomplete", truncate).await,
        "does not say `incomplete`",
    );
    assert_fails(
        check(Reading::EchoesData, "not valid", truncate).await,
        "shows a saved token",
    );
}
