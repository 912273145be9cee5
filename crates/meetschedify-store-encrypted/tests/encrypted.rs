//! The encrypting decorator over every backend: the suite passes, raw rows hold no token, and
//! every way a stored envelope can be wrong is a typed error naming the cause.

use std::sync::Arc;

use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    ErrorCode, MemoryTokenStore, SaveCondition, SaveOutcome, TokenKey, TokenRecord, TokenStore,
};
use meetschedify_store_encrypted::{EncryptedTokenStore, TokenKeys};
use meetschedify_store_postgres::PostgresTokenStore;
use meetschedify_store_redis::RedisTokenStore;
use meetschedify_store_sqlite::SqliteTokenStore;
use meetschedify_testkit as kit;

const ACCESS: &str = "ya29.super-secret-access";
const REFRESH: &str = "1//super-secret-refresh";

fn keys(spec: &[(&str, u8)]) -> TokenKeys {
    spec.iter().fold(TokenKeys::new(), |k, (kid, b)| {
        k.with_key(*kid, &[*b; 32]).unwrap()
    })
}

fn secret_record() -> TokenRecord {
    TokenRecord::new(ACCESS)
        .with_refresh_token(REFRESH)
        .with_scopes(vec!["calendar.events".into()])
}

fn wrap(inner: Arc<dyn TokenStore>) -> Arc<dyn TokenStore> {
    Arc::new(EncryptedTokenStore::new(inner, keys(&[("k1", 1)])).unwrap())
}

fn assert_no_secret(raw: &str, backend: &str) {
    assert!(
        !raw.contains("super-secret") && !raw.contains("calendar.events"),
        "{backend} holds a token in clear: {raw}"
    );
    assert!(
        raw.contains("mse1:k1:"),
        "{backend} row is not an envelope: {raw}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_passes_over_memory_and_sqlite() {
    let memory: Arc<dyn TokenStore> = wrap(Arc::new(MemoryTokenStore::new()));
    kit::run_all(|| std::future::ready(Arc::clone(&memory)))
        .await
        .assert_all_passed();

    let sqlite: Arc<dyn TokenStore> = wrap(Arc::new(SqliteTokenStore::in_memory().await.unwrap()));
    kit::run_all(|| std::future::ready(Arc::clone(&sqlite)))
        .await
        .assert_all_passed();
}

#[tokio::test]
async fn sqlite_rows_hold_no_token() {
    let sqlite = Arc::new(SqliteTokenStore::in_memory().await.unwrap());
    let store = wrap(sqlite.clone());
    let key = TokenKey::new("tenant", "google_meet");
    store
        .save(&key, &secret_record(), SaveCondition::Absent)
        .await
        .unwrap();
    let rows: Vec<String> = sqlx::query_scalar("SELECT data FROM meetschedify_tokens")
        .fetch_all(sqlite.pool())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_no_secret(&rows[0], "sqlite");
    assert_eq!(
        store.get(&key).await.unwrap(),
        Some(secret_record().with_version(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_passes_the_suite_and_its_rows_hold_no_token() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_POSTGRES_URL") else {
        return;
    };
    let prefix = kit::unique_table_prefix("enc");
    let connect = || async {
        PostgresTokenStore::builder()
            .with_url(url.clone())
            .with_table_prefix(prefix.clone())
            .with_max_connections(5)
            .build()
            .await
            .unwrap()
    };
    let report = kit::run_all(|| async { wrap(Arc::new(connect().await)) }).await;
    let pg = connect().await;
    let store = wrap(Arc::new(pg.clone()));
    let key = TokenKey::new("tenant", "google_meet");
    store
        .save(&key, &secret_record(), SaveCondition::Always)
        .await
        .unwrap();
    // Tombstones (deleted records, kept for their version) hold no data at all.
    let rows: Vec<String> = sqlx::query_scalar(&format!(
        "SELECT data FROM {} WHERE deleted_at_ms IS NULL",
        pg.tokens_table()
    ))
    .fetch_all(pg.pool())
    .await
    .unwrap();
    let pool = pg.pool();
    kit::drop_sql_tables(&prefix, |sql| async move {
        sqlx::query(&sql).execute(pool).await
    })
    .await
    .unwrap();
    report.assert_ok();
    assert!(!rows.is_empty());
    for row in &rows {
        assert_no_secret(row, "postgres");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_passes_the_suite_and_its_values_hold_no_token() {
    let Some(url) = kit::env::service_url("MEETSCHEDIFY_TEST_REDIS_URL") else {
        return;
    };
    let prefix = format!("{}:", kit::unique_prefix("enc"));
    let connect = || async {
        RedisTokenStore::builder()
            .with_url(url.clone())
            .with_key_prefix(prefix.clone())
            .build()
            .await
            .unwrap()
    };
    let report = kit::run_all(|| async { wrap(Arc::new(connect().await)) }).await;
    let redis_store = connect().await;
    let store = wrap(Arc::new(redis_store.clone()));
    let key = TokenKey::new("tenant", "google_meet");
    store
        .save(&key, &secret_record(), SaveCondition::Always)
        .await
        .unwrap();
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let names: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut values = Vec::new();
    for name in &names {
        let kind: String = redis::cmd("TYPE")
            .arg(name)
            .query_async(&mut conn)
            .await
            .unwrap();
        if kind == "hash" {
            // A tombstone (a deleted record, kept for its version) has no `d` at all.
            let d: Option<String> = redis::cmd("HGET")
                .arg(name)
                .arg("d")
                .query_async(&mut conn)
                .await
                .unwrap();
            values.extend(d);
        }
    }
    let _: i64 = redis::cmd("DEL")
        .arg(&names)
        .query_async(&mut conn)
        .await
        .unwrap();
    report.assert_ok();
    assert!(values.iter().any(|v| v.contains("mse1:")));
    for v in values.iter().filter(|v| v.contains("mse1:")) {
        assert_no_secret(v, "redis");
    }
    assert!(redis_store.record_key(&key).starts_with(&prefix));
}

type Tamper = dyn Fn(&str) -> String;

/// Saves through a decorator, then rewrites the inner record's envelope with `tamper`.
async fn tampered(tamper: impl Fn(&str) -> String) -> meetschedify_core::Error {
    let inner = Arc::new(MemoryTokenStore::new());
    let store = wrap(inner.clone());
    let key = TokenKey::new("tenant", "zoom");
    store
        .save(&key, &secret_record(), SaveCondition::Always)
        .await
        .unwrap();
    let raw = inner.get(&key).await.unwrap().unwrap();
    let changed = TokenRecord::new(tamper(raw.access_token.expose_secret()));
    inner
        .save(&key, &changed, SaveCondition::Always)
        .await
        .unwrap();
    store.get(&key).await.unwrap_err()
}

#[tokio::test]
async fn bad_envelopes_are_typed_errors_naming_the_cause() {
    let flip = |s: &str| {
        // Change one character of the ciphertext (the last part).
        let mut chars: Vec<char> = s.chars().collect();
        let i = chars.len() - 3;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    };
    let cases: Vec<(Box<Tamper>, &str)> = vec![
        (Box::new(flip), "corrupted ciphertext"),
        (
            Box::new(|s: &str| s.replacen("mse1:k1:", "mse1:k9:", 1)),
            "unknown key id `k9`",
        ),
        (Box::new(|_: &str| ACCESS.to_owned()), "not encrypted"),
        (
            Box::new(|s: &str| s.rsplit_once(':').unwrap().0.to_owned()),
            "malformed",
        ),
        (Box::new(|s: &str| format!("{s}:extra")), "malformed"),
        (Box::new(|s: &str| s.replace(':', "::")), "malformed"),
        (
            Box::new(|s: &str| {
                let mut p: Vec<&str> = s.split(':').collect();
                p[2] = "AAAA";
                p.join(":")
            }),
            "malformed nonce",
        ),
        (
            Box::new(|s: &str| {
                let mut p: Vec<&str> = s.split(':').collect();
                p[3] = "!!";
                p.join(":")
            }),
            "malformed ciphertext",
        ),
        (
            Box::new(|s: &str| {
                let mut p: Vec<&str> = s.split(':').collect();
                p[3] = "";
                p.join(":")
            }),
            "corrupted ciphertext",
        ),
        (Box::new(|_: &str| String::new()), "not encrypted"),
    ];
    for (tamper, cause) in cases {
        let err = tampered(tamper).await;
        assert_eq!(err.code(), ErrorCode::TokenStoreError);
        assert!(
            err.message().contains(cause),
            "expected `{cause}` in: {err}"
        );
        assert!(!err.to_string().contains("super-secret"));
    }
}

#[tokio::test]
async fn a_wrong_key_and_a_row_copied_to_another_tenant_fail_to_decrypt() {
    let inner: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let store = wrap(Arc::clone(&inner));
    let (a, b) = (
        TokenKey::new("tenant-a", "google_meet"),
        TokenKey::new("tenant-b", "google_meet"),
    );
    store
        .save(&a, &secret_record(), SaveCondition::Always)
        .await
        .unwrap();
    // Same key id, different key material.
    let impostor = EncryptedTokenStore::new(Arc::clone(&inner), keys(&[("k1", 9)])).unwrap();
    let err = impostor.get(&a).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::TokenStoreError);
    assert!(err.message().contains("wrong key"), "{err}");

    // An attacker with database access copies tenant a's row to tenant b, and to another provider.
    let raw = inner.get(&a).await.unwrap().unwrap();
    inner.save(&b, &raw, SaveCondition::Always).await.unwrap();
    let err = store.get(&b).await.unwrap_err();
    assert!(err.message().contains("another tenant"), "{err}");
    let zoom = TokenKey::new("tenant-a", "zoom");
    inner
        .save(&zoom, &raw, SaveCondition::Always)
        .await
        .unwrap();
    assert!(store.get(&zoom).await.is_err());
    // Tenant a still reads its own.
    assert_eq!(
        store
            .get(&a)
            .await
            .unwrap()
            .unwrap()
            .access_token
            .expose_secret(),
        ACCESS
    );
}

#[tokio::test]
async fn rotation_decrypts_with_old_keys_and_reseals_with_the_current_one() {
    let inner: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let kid_of = |r: TokenRecord| {
        r.access_token
            .expose_secret()
            .split(':')
            .nth(1)
            .unwrap()
            .to_owned()
    };
    let key = TokenKey::new("tenant", "google_meet");
    let old = EncryptedTokenStore::new(Arc::clone(&inner), keys(&[("old", 1)])).unwrap();
    old.save(&key, &secret_record(), SaveCondition::Absent)
        .await
        .unwrap();

    let rotated =
        EncryptedTokenStore::new(Arc::clone(&inner), keys(&[("new", 2), ("old", 1)])).unwrap();
    let read = rotated.get(&key).await.unwrap().unwrap();
    assert_eq!(read, secret_record().with_version(1));
    // Reading does not rewrite (it would bump the version under a concurrent refresh).
    assert_eq!(kid_of(inner.get(&key).await.unwrap().unwrap()), "old");
    // The next save (a refresh) reseals with the current key.
    let saved = rotated
        .save(&key, &read, SaveCondition::Version(1))
        .await
        .unwrap();
    assert_eq!(saved, SaveOutcome::Saved { version: 2 });
    assert_eq!(kid_of(inner.get(&key).await.unwrap().unwrap()), "new");
    // Now the old key can go.
    let only_new = EncryptedTokenStore::new(Arc::clone(&inner), keys(&[("new", 2)])).unwrap();
    assert_eq!(only_new.get(&key).await.unwrap().unwrap().version, 2);
    // ... and the old store, which lacks the new key, names it.
    let err = old.get(&key).await.unwrap_err();
    assert!(err.message().contains("unknown key id `new`"), "{err}");

    // reencrypt() forces the move for one key and is a no-op when already current.
    let other = TokenKey::new("tenant-2", "google_meet");
    old.save(&other, &secret_record(), SaveCondition::Absent)
        .await
        .unwrap();
    assert!(rotated.reencrypt(&other).await.unwrap());
    assert!(!rotated.reencrypt(&other).await.unwrap());
    assert_eq!(kid_of(inner.get(&other).await.unwrap().unwrap()), "new");
    assert!(!rotated
        .reencrypt(&TokenKey::new("nobody", "zoom"))
        .await
        .unwrap());
}

#[tokio::test]
async fn without_a_key_it_refuses_to_start_and_debug_shows_no_key() {
    let inner: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::new());
    let err = EncryptedTokenStore::new(Arc::clone(&inner), TokenKeys::new()).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert!(err.message().contains("refusing"), "{err}");
    let store = EncryptedTokenStore::new(inner, keys(&[("k1", 0xAB)])).unwrap();
    let debug = format!("{store:?}");
    assert!(debug.contains("k1"));
    assert!(!debug.contains("171") && !debug.to_lowercase().contains("abab"));
}
