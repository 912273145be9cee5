//! Single-caller checks: what a store keeps and returns.

use std::sync::Arc;

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::secrecy::ExposeSecret;
use meetschedify_core::{
    ProviderId, SaveCondition, SaveOutcome, TokenKey, TokenRecord, TokenStore,
};

use crate::outcome::{CheckResult, Outcome};
use crate::support::{diff, ensure, full_record, key, store_err, unique_prefix};

/// A record saved with every field set comes back equal, with the version the store assigned
/// (the record's own `version` is ignored on save).
pub async fn round_trip(store: &Arc<dyn TokenStore>) -> CheckResult {
    let key = key(&unique_prefix("round-trip"), "t");
    let record = full_record("round-trip").with_version(99);
    let outcome = store
        .save(&key, &record, SaveCondition::Absent)
        .await
        .map_err(store_err("save"))?;
    ensure!(
        outcome == SaveOutcome::Saved { version: 1 },
        "first save should give version 1, got {outcome:?}"
    );
    let got = store.get(&key).await.map_err(store_err("get"))?;
    let Some(got) = got else {
        return Err(crate::CheckFailure::new("saved record not found"));
    };
    if let Some(d) = diff(&record.clone().with_version(1), &got) {
        return Err(crate::CheckFailure::new(format!(
            "record changed on the way: {d}"
        )));
    }
    // A bare record (no refresh token, expiry, scopes or revocation) round-trips too.
    let bare_key = key_with_suffix(&key, "bare");
    let bare = TokenRecord::new("only-access");
    store
        .save(&bare_key, &bare, SaveCondition::Always)
        .await
        .map_err(store_err("save"))?;
    let got = store.get(&bare_key).await.map_err(store_err("get"))?;
    match got {
        Some(got) => {
            if let Some(d) = diff(&bare.with_version(1), &got) {
                return Err(crate::CheckFailure::new(format!(
                    "bare record changed: {d}"
                )));
            }
        }
        None => return Err(crate::CheckFailure::new("bare record not found")),
    }
    Ok(Outcome::Passed)
}

/// `SaveCondition::Always` replaces the whole record (no field of the old one survives) and
/// counts the version up.
pub async fn overwrite(store: &Arc<dyn TokenStore>) -> CheckResult {
    let key = key(&unique_prefix("overwrite"), "t");
    store
        .save(&key, &full_record("first"), SaveCondition::Always)
        .await
        .map_err(store_err("save"))?;
    let second = TokenRecord::new("access-second");
    let outcome = store
        .save(&key, &second, SaveCondition::Always)
        .await
        .map_err(store_err("save"))?;
    ensure!(
        outcome == SaveOutcome::Saved { version: 2 },
        "overwrite should give version 2, got {outcome:?}"
    );
    let got = store
        .get(&key)
        .await
        .map_err(store_err("get"))?
        .ok_or_else(|| crate::CheckFailure::new("overwritten record not found"))?;
    if let Some(d) = diff(&second.with_version(2), &got) {
        return Err(crate::CheckFailure::new(format!(
            "overwrite did not replace the record: {d}"
        )));
    }
    Ok(Outcome::Passed)
}

/// A key never saved reads as `None`, and so does a deleted one.
pub async fn missing_is_none(store: &Arc<dyn TokenStore>) -> CheckResult {
    let run = unique_prefix("missing");
    let got = store
        .get(&key(&run, "never-saved"))
        .await
        .map_err(store_err("get"))?;
    ensure!(got.is_none(), "a key never saved returned a record");
    Ok(Outcome::Passed)
}

/// Deleting a missing key is fine; deleting a saved one removes it and only it.
pub async fn delete_missing_is_fine(store: &Arc<dyn TokenStore>) -> CheckResult {
    let run = unique_prefix("delete");
    store
        .delete(&key(&run, "never-saved"))
        .await
        .map_err(store_err("delete of a missing key"))?;
    let (gone, kept) = (key(&run, "gone"), key(&run, "kept"));
    for k in [&gone, &kept] {
        store
            .save(k, &TokenRecord::new("x"), SaveCondition::Always)
            .await
            .map_err(store_err("save"))?;
    }
    store.delete(&gone).await.map_err(store_err("delete"))?;
    store
        .delete(&gone)
        .await
        .map_err(store_err("second delete"))?;
    ensure!(
        store.get(&gone).await.map_err(store_err("get"))?.is_none(),
        "a deleted record is still there"
    );
    ensure!(
        store.get(&kept).await.map_err(store_err("get"))?.is_some(),
        "deleting one key removed another"
    );
    // A deleted key is absent again (its version continues: see
    // `versions_never_repeat_across_deletes`).
    let outcome = store
        .save(&gone, &TokenRecord::new("again"), SaveCondition::Absent)
        .await
        .map_err(store_err("save after delete"))?;
    ensure!(
        matches!(outcome, SaveOutcome::Saved { .. }),
        "a deleted key should be absent again, got {outcome:?}"
    );
    Ok(Outcome::Passed)
}

/// Keys that differ only in tenant (odd characters, case, trailing space, a 256-byte id and
/// its 255-byte prefix) or only in provider never see each other's records.
pub async fn tenant_isolation(store: &Arc<dyn TokenStore>) -> CheckResult {
    let run = unique_prefix("isolation");
    let long = pad_to(&format!("{run}-long-"), 256);
    let mut tenants = vec![
        format!("{run}-plain"),
        format!("{run}-Plain"),
        format!("{run}-plain "),
        format!("{run}-quote' OR '1'='1' --"),
        format!("{run}-sql\"; DROP TABLE tokens; --"),
        format!("{run}-slash/colon:star*percent%underscore_"),
        format!("{run}-glob?[ab]{{c}}\\back"),
        format!("{run}-ünïcødé 日本語 🚀"),
        format!("{run}-json{{\"a\":1}}"),
        long.clone(),
        long[..255].to_owned(),
    ];
    tenants.sort();
    tenants.dedup();
    ensure!(
        long.len() == 256,
        "test setup: long id is {} bytes",
        long.len()
    );
    let providers = [ProviderId::GOOGLE_MEET, ProviderId::ZOOM];
    for (i, tenant) in tenants.iter().enumerate() {
        for provider in &providers {
            let key = TokenKey::new(tenant.as_str(), provider.clone());
            let record = TokenRecord::new(format!("token-{i}-{provider}"));
            store
                .save(&key, &record, SaveCondition::Absent)
                .await
                .map_err(store_err("save"))?;
        }
    }
    for (i, tenant) in tenants.iter().enumerate() {
        for provider in &providers {
            let key = TokenKey::new(tenant.as_str(), provider.clone());
            let got = store.get(&key).await.map_err(store_err("get"))?;
            let expected = format!("token-{i}-{provider}");
            match got {
                Some(r) if r.access_token.expose_secret() == expected && r.version == 1 => {}
                Some(r) => {
                    return Err(crate::CheckFailure::new(format!(
                        "{key:?} (tenant {} bytes) read another key's record (version {})",
                        tenant.len(),
                        r.version
                    )))
                }
                None => {
                    return Err(crate::CheckFailure::new(format!(
                        "{key:?} (tenant {} bytes) lost its record",
                        tenant.len()
                    )))
                }
            }
        }
    }
    // Deleting one tenant's Zoom record leaves its Google record and everyone else alone.
    let victim = TokenKey::new(tenants[0].as_str(), ProviderId::ZOOM);
    store.delete(&victim).await.map_err(store_err("delete"))?;
    let mut present = 0;
    for tenant in &tenants {
        for provider in &providers {
            let key = TokenKey::new(tenant.as_str(), provider.clone());
            if store.get(&key).await.map_err(store_err("get"))?.is_some() {
                present += 1;
            }
        }
    }
    let expected = tenants.len() * providers.len() - 1;
    ensure!(
        present == expected,
        "after deleting one key {present} records remain, expected {expected}"
    );
    Ok(Outcome::Passed)
}

/// A save against a version that is no longer current is refused, and so are `Absent` on an
/// existing key and `Version` on a missing one; a refused save changes nothing.
pub async fn stale_version_refused(store: &Arc<dyn TokenStore>) -> CheckResult {
    let run = unique_prefix("stale");
    let key = key(&run, "t");
    store
        .save(&key, &TokenRecord::new("v1"), SaveCondition::Absent)
        .await
        .map_err(store_err("save"))?;
    let second = store
        .save(&key, &TokenRecord::new("v2"), SaveCondition::Version(1))
        .await
        .map_err(store_err("save"))?;
    ensure!(
        second == SaveOutcome::Saved { version: 2 },
        "a save at the current version should succeed, got {second:?}"
    );
    for (what, condition) in [
        ("a stale version", SaveCondition::Version(1)),
        ("a future version", SaveCondition::Version(3)),
        ("Absent on an existing key", SaveCondition::Absent),
    ] {
        let outcome = store
            .save(&key, &TokenRecord::new("loser"), condition)
            .await
            .map_err(store_err("save"))?;
        ensure!(
            outcome == SaveOutcome::Conflict,
            "a save with {what} should conflict, got {outcome:?}"
        );
    }
    let got = store
        .get(&key)
        .await
        .map_err(store_err("get"))?
        .ok_or_else(|| crate::CheckFailure::new("record vanished"))?;
    ensure!(
        got.version == 2 && got.access_token.expose_secret() == "v2",
        "a refused save changed the record (version {})",
        got.version
    );
    let missing = store
        .save(
            &key_with_suffix(&key, "missing"),
            &TokenRecord::new("x"),
            SaveCondition::Version(1),
        )
        .await
        .map_err(store_err("save"))?;
    ensure!(
        missing == SaveOutcome::Conflict,
        "a versioned save on a missing key should conflict, got {missing:?}"
    );
    ensure!(
        store
            .get(&key_with_suffix(&key, "missing"))
            .await
            .map_err(store_err("get"))?
            .is_none(),
        "a refused save on a missing key created a record"
    );
    Ok(Outcome::Passed)
}

/// Expiry instants come back exactly, to the nanosecond, whatever offset they were written
/// from; this crate's contract is that every store keeps full nanosecond precision.
pub async fn expiry_round_trips_in_utc(store: &Arc<dyn TokenStore>) -> CheckResult {
    let run = unique_prefix("expiry");
    let instants: Vec<Timestamp> = [
        "2026-03-29T01:59:59.999999999Z",
        "2026-03-29T03:30:00.000000001+02:00",
        "2026-10-25T02:30:00.5+01:00",
        "1969-12-31T23:59:59.123456789Z",
        "2038-01-19T03:14:08.000001Z",
        "2200-01-01T00:00:00.999999999Z",
    ]
    .iter()
    .map(|s| s.parse::<Timestamp>())
    .collect::<Result<_, _>>()
    .map_err(|e| crate::CheckFailure::new(format!("test setup: {e}")))?;
    for (i, at) in instants.iter().enumerate() {
        let key = key(&run, &format!("t{i}"));
        store
            .save(
                &key,
                &TokenRecord::new("x").with_expires_at(*at),
                SaveCondition::Always,
            )
            .await
            .map_err(store_err("save"))?;
        let got = store
            .get(&key)
            .await
            .map_err(store_err("get"))?
            .and_then(|r| r.expires_at);
        ensure!(
            got == Some(*at),
            "expiry {at} came back as {got:?} (all stores must keep nanoseconds)"
        );
    }
    Ok(Outcome::Passed)
}

/// A store's `Debug` output, plain and `{:#?}`, shows no saved access or refresh token, after
/// a save and after reading the record back (a store that caches what it read would show it
/// there). Stores end up in logs and panic messages, and tokens must not.
pub async fn debug_shows_no_token(store: &Arc<dyn TokenStore>) -> CheckResult {
    let key = key(&unique_prefix("debug"), "t");
    // Random tokens unlike the key, so a store that prints its keys is not taken for a leak.
    let record = full_record(&unique_prefix("secret"));
    let mut tokens = vec![record.access_token.expose_secret().to_owned()];
    tokens.extend(
        record
            .refresh_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned()),
    );
    store
        .save(&key, &record, SaveCondition::Always)
        .await
        .map_err(store_err("save"))?;
    let after_save = [format!("{store:?}"), format!("{store:#?}")];
    store.get(&key).await.map_err(store_err("get"))?;
    let after_get = [format!("{store:?}"), format!("{store:#?}")];
    for (when, shown) in [("save", after_save), ("get", after_get)] {
        ensure!(
            shown
                .iter()
                .all(|s| tokens.iter().all(|t| !s.contains(t.as_str()))),
            "after a {when} the store's Debug output shows a saved token"
        );
    }
    Ok(Outcome::Passed)
}

fn key_with_suffix(key: &TokenKey, suffix: &str) -> TokenKey {
    TokenKey::new(
        format!("{}-{suffix}", key.tenant_id),
        key.provider_id.clone(),
    )
}

fn pad_to(prefix: &str, bytes: usize) -> String {
    let mut s = prefix.to_owned();
    while s.len() < bytes {
        s.push('x');
    }
    s.truncate(bytes);
    s
}
