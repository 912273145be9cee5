//! Version checks across deletes: versions never repeat for a key, and a delete is conditional
//! like a save. Together they close the ABA hole: a writer that read a record before a
//! disconnect and a reconnect cannot write over the new account.

use std::sync::Arc;

use meetschedify_core::{DeleteOutcome, SaveCondition, SaveOutcome, TokenRecord, TokenStore};

use crate::outcome::{CheckResult, Outcome};
use crate::support::{ensure, key, store_err, unique_prefix};

/// Every save and delete moves a key to a version it never had, deletes included: a record
/// saved after a delete gets a higher version than any before it, and a save conditioned on a
/// version read before the delete (the old account's) conflicts and leaves the new record alone.
pub async fn versions_never_repeat_across_deletes(store: &Arc<dyn TokenStore>) -> CheckResult {
    let key = key(&unique_prefix("aba"), "t");
    let saved = |outcome: SaveOutcome| match outcome {
        SaveOutcome::Saved { version } => Ok(version),
        other => Err(crate::CheckFailure::new(format!(
            "an unconditional or first save did not save: {other:?}"
        ))),
    };
    let mut seen = Vec::new();
    let first = store
        .save(
            &key,
            &TokenRecord::new("old-account"),
            SaveCondition::Absent,
        )
        .await
        .map_err(store_err("save"))?;
    seen.push(saved(first)?);
    let read_before_disconnect = seen[0];
    for round in 0..3 {
        store.delete(&key).await.map_err(store_err("delete"))?;
        ensure!(
            store.get(&key).await.map_err(store_err("get"))?.is_none(),
            "a deleted record is still there"
        );
        let condition = if round == 1 {
            SaveCondition::Always
        } else {
            SaveCondition::Absent
        };
        let again = store
            .save(
                &key,
                &TokenRecord::new(format!("new-account-{round}")),
                condition,
            )
            .await
            .map_err(store_err("save after delete"))?;
        let version = saved(again)?;
        ensure!(
            seen.iter().all(|v| *v < version),
            "after a delete the key got version {version} again (versions so far: {seen:?})"
        );
        seen.push(version);
    }
    // The refresh that read the old account's record finishes now: it must not win.
    let stale = store
        .save(
            &key,
            &TokenRecord::new("old-account-refreshed"),
            SaveCondition::Version(read_before_disconnect),
        )
        .await
        .map_err(store_err("stale save"))?;
    ensure!(
        stale == SaveOutcome::Conflict,
        "a save conditioned on the version read before a delete and a new save was {stale:?}"
    );
    let got = store
        .get(&key)
        .await
        .map_err(store_err("get"))?
        .ok_or_else(|| crate::CheckFailure::new("the new record is gone"))?;
    ensure!(
        got.version == *seen.last().unwrap_or(&0),
        "the new record's version moved to {} (expected {:?})",
        got.version,
        seen.last()
    );
    Ok(Outcome::Passed)
}

/// `delete_if` with a version deletes only that version: a stale one is refused and the record
/// kept; the current one deletes; a missing record is a conflict for a version and fine for
/// `Always`; `Absent` deletes nothing and holds only when nothing is stored.
pub async fn conditional_delete_refuses_a_stale_version(
    store: &Arc<dyn TokenStore>,
) -> CheckResult {
    let run = unique_prefix("delete-if");
    let key = key(&run, "t");
    let mut version = 0;
    for tag in ["first", "second"] {
        if let SaveOutcome::Saved { version: v } = store
            .save(&key, &TokenRecord::new(tag), SaveCondition::Always)
            .await
            .map_err(store_err("save"))?
        {
            version = v;
        }
    }
    let stale = version.saturating_sub(1);
    let refused = store
        .delete_if(&key, SaveCondition::Version(stale))
        .await
        .map_err(store_err("delete_if stale"))?;
    ensure!(
        refused == DeleteOutcome::Conflict,
        "delete_if with a stale version was {refused:?}"
    );
    let kept = store.get(&key).await.map_err(store_err("get"))?;
    ensure!(
        kept.as_ref().map(|r| r.version) == Some(version),
        "a refused delete changed the record (now {:?})",
        kept.map(|r| r.version)
    );
    let absent = store
        .delete_if(&key, SaveCondition::Absent)
        .await
        .map_err(store_err("delete_if absent"))?;
    ensure!(
        absent == DeleteOutcome::Conflict,
        "delete_if(Absent) over a stored record was {absent:?}"
    );
    ensure!(
        store.get(&key).await.map_err(store_err("get"))?.is_some(),
        "delete_if(Absent) deleted a stored record"
    );
    let current = store
        .delete_if(&key, SaveCondition::Version(version))
        .await
        .map_err(store_err("delete_if current"))?;
    ensure!(
        current == DeleteOutcome::Deleted,
        "delete_if with the current version was {current:?}"
    );
    ensure!(
        store.get(&key).await.map_err(store_err("get"))?.is_none(),
        "delete_if with the current version left the record"
    );
    let again = store
        .delete_if(&key, SaveCondition::Version(version))
        .await
        .map_err(store_err("delete_if again"))?;
    ensure!(
        again == DeleteOutcome::Conflict,
        "delete_if with a version on a deleted record was {again:?}"
    );
    for condition in [SaveCondition::Always, SaveCondition::Absent] {
        let missing = store
            .delete_if(&key, condition)
            .await
            .map_err(store_err("delete_if missing"))?;
        ensure!(
            missing == DeleteOutcome::Deleted,
            "delete_if({condition:?}) on a missing record was {missing:?}"
        );
    }
    Ok(Outcome::Passed)
}
