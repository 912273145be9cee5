//! The subscription-store suite: every promise of [`SubscriptionStore`] (what a put replaces,
//! what each read finds, the cursor's compare-and-set, what a remove forgets), so a Google
//! channel or a Graph subscription opened by one instance is recognised, renewed and stopped
//! correctly by every instance sharing the store.

use std::future::Future;
use std::sync::Arc;

use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::secrecy::{ExposeSecret, SecretString};
use meetschedify_core::webhooks::{Subscription, SubscriptionStore};
use meetschedify_core::{ProviderId, TenantId};
use tokio::sync::Barrier;

use crate::concurrent::RACERS;
use crate::outcome::{CheckFailure, CheckResult, Outcome, Report};
use crate::support::{ensure, store_err, unique_prefix};

/// The names of the checks [`run_subscription_conformance`] runs, in order.
pub const SUBSCRIPTION_CHECKS: &[&str] = &[
    "subscription_round_trips",
    "put_replaces_the_whole_subscription",
    "for_tenant_is_isolated",
    "expiring_before_is_strict",
    "cursor_advances_only_from_expected",
    "cursor_race_has_one_winner",
    "remove_forgets_everywhere",
    "debug_shows_no_subscription_secret",
    "instances_share_subscriptions",
];

/// A secret with the characters a store could mangle: separators, quotes, escapes, Unicode.
const ODD_SECRET: &str = "s3cr3t:token%3A{tag}'\"\\ ü—✓";

/// A provider id no other check or run uses, so reads by provider see only this check's
/// subscriptions on a shared backend.
fn provider() -> ProviderId {
    ProviderId::new(unique_prefix("subs"))
}

/// Whole seconds plus 123 ms, about a day ahead: stores keep expiries to the millisecond.
fn base() -> Timestamp {
    let second = Timestamp::now().as_second() + 86_400;
    Timestamp::from_millisecond(second * 1_000 + 123).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// `at + ms` milliseconds.
fn plus(at: Timestamp, ms: i64) -> Timestamp {
    at.checked_add(SignedDuration::from_millis(ms))
        .unwrap_or(Timestamp::MAX)
}

/// A subscription of `provider` with every field set; the secret and cursor carry `tag`.
fn full(provider: &ProviderId, id: &str, tenant: &str, expires_at: Timestamp) -> Subscription {
    Subscription::new(
        provider.clone(),
        TenantId::new(tenant),
        id,
        format!("calendars/{tenant}@example.com"),
        SecretString::from(ODD_SECRET.replace("{tag}", id)),
        expires_at,
    )
    .with_vendor_resource_id(format!("resource-{id}"))
    .with_cursor(Some(format!("cursor-{id}")))
}

/// Field by field, how `got` differs from `expected` (the secret compared, never printed).
fn differs(expected: &Subscription, got: &Subscription) -> Option<String> {
    let mut out = Vec::new();
    if expected.provider != got.provider {
        out.push(format!(
            "provider {} != {}",
            expected.provider, got.provider
        ));
    }
    if expected.tenant != got.tenant {
        out.push(format!("tenant {} != {}", expected.tenant, got.tenant));
    }
    if expected.id != got.id {
        out.push(format!("id {} != {}", expected.id, got.id));
    }
    if expected.resource != got.resource {
        out.push(format!(
            "resource {} != {}",
            expected.resource, got.resource
        ));
    }
    if expected.secret.expose_secret() != got.secret.expose_secret() {
        out.push(format!(
            "secret differs (len {} vs {})",
            expected.secret.expose_secret().len(),
            got.secret.expose_secret().len()
        ));
    }
    if expected.vendor_resource_id != got.vendor_resource_id {
        out.push(format!(
            "vendor_resource_id {:?} != {:?}",
            expected.vendor_resource_id, got.vendor_resource_id
        ));
    }
    if expected.expires_at != got.expires_at {
        out.push(format!(
            "expires_at {} != {}",
            expected.expires_at, got.expires_at
        ));
    }
    if expected.cursor != got.cursor {
        out.push(format!("cursor {:?} != {:?}", expected.cursor, got.cursor));
    }
    (!out.is_empty()).then(|| out.join("; "))
}

/// The sorted ids of `subs`.
fn ids(subs: &[Subscription]) -> Vec<String> {
    let mut ids: Vec<String> = subs.iter().map(|s| s.id.clone()).collect();
    ids.sort_unstable();
    ids
}

async fn put(store: &Arc<dyn SubscriptionStore>, sub: &Subscription) -> Result<(), CheckFailure> {
    store.put(sub).await.map_err(store_err("put"))
}

async fn get(
    store: &Arc<dyn SubscriptionStore>,
    provider: &ProviderId,
    id: &str,
) -> Result<Option<Subscription>, CheckFailure> {
    store.get(provider, id).await.map_err(store_err("get"))
}

async fn tenant_ids(
    store: &Arc<dyn SubscriptionStore>,
    provider: &ProviderId,
    tenant: &str,
) -> Result<Vec<String>, CheckFailure> {
    let held = store
        .for_tenant(provider, &TenantId::new(tenant))
        .await
        .map_err(store_err("for_tenant"))?;
    if let Some(stray) = held.iter().find(|s| s.tenant.as_str() != tenant) {
        return Err(CheckFailure::new(format!(
            "for_tenant({tenant}) returned {} of tenant {}",
            stray.id, stray.tenant
        )));
    }
    Ok(ids(&held))
}

async fn expiring_ids(
    store: &Arc<dyn SubscriptionStore>,
    provider: &ProviderId,
    at: Timestamp,
) -> Result<Vec<String>, CheckFailure> {
    let due = store
        .expiring_before(provider, at)
        .await
        .map_err(store_err("expiring_before"))?;
    Ok(ids(&due))
}

/// Every field comes back exactly (the secret with odd characters, the expiry to the
/// millisecond, optional fields set and unset); an unknown id, and a known id under another
/// provider, read as `None`.
pub async fn subscription_round_trips(store: &Arc<dyn SubscriptionStore>) -> CheckResult {
    let (p, other) = (provider(), provider());
    let sub = full(&p, "channel:1/ü", "tenant-a", base());
    put(store, &sub).await?;
    let got = get(store, &p, &sub.id).await?;
    let Some(got) = got else {
        return Err(CheckFailure::new("a subscription put was not found"));
    };
    if let Some(diff) = differs(&sub, &got) {
        return Err(CheckFailure::new(format!("read back differently: {diff}")));
    }
    let bare = Subscription::new(
        p.clone(),
        TenantId::new("tenant-a"),
        "bare",
        "primary",
        SecretString::from("bare-secret".to_owned()),
        plus(base(), 1),
    );
    put(store, &bare).await?;
    match get(store, &p, "bare").await? {
        Some(got) => {
            if let Some(diff) = differs(&bare, &got) {
                return Err(CheckFailure::new(format!(
                    "a subscription without optional fields read back differently: {diff}"
                )));
            }
        }
        None => return Err(CheckFailure::new("a bare subscription was not found")),
    }
    ensure!(
        get(store, &p, "never-put").await?.is_none(),
        "an unknown id was found"
    );
    ensure!(
        get(store, &other, &sub.id).await?.is_none(),
        "a subscription was found under another provider"
    );
    Ok(Outcome::Passed)
}

/// A put with a known provider and id replaces the whole subscription: its new tenant,
/// resource, secret and expiry are read back, and the old tenant and old expiry no longer find
/// it (no stale index entry).
pub async fn put_replaces_the_whole_subscription(
    store: &Arc<dyn SubscriptionStore>,
) -> CheckResult {
    let p = provider();
    let soon = base();
    let old = full(&p, "moved", "tenant-old", soon);
    put(store, &old).await?;
    let later = plus(soon, 3_600_000);
    let new = Subscription::new(
        p.clone(),
        TenantId::new("tenant-new"),
        "moved",
        "another-calendar",
        SecretString::from("a-new-secret".to_owned()),
        later,
    );
    put(store, &new).await?;
    match get(store, &p, "moved").await? {
        Some(got) => {
            if let Some(diff) = differs(&new, &got) {
                return Err(CheckFailure::new(format!(
                    "a replaced subscription read back differently: {diff}"
                )));
            }
        }
        None => return Err(CheckFailure::new("a replaced subscription was lost")),
    }
    let old_tenant = tenant_ids(store, &p, "tenant-old").await?;
    ensure!(
        old_tenant.is_empty(),
        "the old tenant still finds a subscription moved away: {old_tenant:?}"
    );
    let new_tenant = tenant_ids(store, &p, "tenant-new").await?;
    ensure!(
        new_tenant == ["moved"],
        "the new tenant finds {new_tenant:?}, not the moved subscription"
    );
    let due = expiring_ids(store, &p, plus(soon, 1)).await?;
    ensure!(
        due.is_empty(),
        "a subscription renewed to a later expiry is still due at the old one: {due:?}"
    );
    let due = expiring_ids(store, &p, plus(later, 1)).await?;
    ensure!(
        due == ["moved"],
        "a renewed subscription is not due after its new expiry: {due:?}"
    );
    Ok(Outcome::Passed)
}

/// `for_tenant` returns exactly the tenant's subscriptions of that provider: not another
/// tenant's (whose name differs by case, a separator, or is a prefix), not another provider's.
pub async fn for_tenant_is_isolated(store: &Arc<dyn SubscriptionStore>) -> CheckResult {
    let (p, q) = (provider(), provider());
    let at = base();
    let tenants = ["org:1", "Org:1", "org", "org:1 ", "org%3A1"];
    for (i, tenant) in tenants.iter().enumerate() {
        put(store, &full(&p, &format!("p-{i}-a"), tenant, at)).await?;
        put(store, &full(&p, &format!("p-{i}-b"), tenant, at)).await?;
    }
    put(store, &full(&q, "q-0", "org:1", at)).await?;
    for (i, tenant) in tenants.iter().enumerate() {
        let found = tenant_ids(store, &p, tenant).await?;
        let expected = [format!("p-{i}-a"), format!("p-{i}-b")];
        ensure!(
            found == expected,
            "tenant {tenant:?} of one provider finds {found:?}, expected {expected:?}"
        );
    }
    let found = tenant_ids(store, &q, "org:1").await?;
    ensure!(
        found == ["q-0"],
        "the other provider's tenant finds {found:?}"
    );
    let none = tenant_ids(store, &p, "nobody").await?;
    ensure!(none.is_empty(), "an unknown tenant finds {none:?}");
    Ok(Outcome::Passed)
}

/// `expiring_before(at)` is strict (a subscription expiring exactly at `at` is not due, one
/// millisecond later it is), covers every tenant of the provider, and no other provider.
pub async fn expiring_before_is_strict(store: &Arc<dyn SubscriptionStore>) -> CheckResult {
    let (p, q) = (provider(), provider());
    let at = base();
    put(store, &full(&p, "first", "t1", at)).await?;
    put(store, &full(&p, "second", "t2", plus(at, 1_000))).await?;
    put(store, &full(&p, "third", "t1", plus(at, 2_000))).await?;
    put(store, &full(&q, "elsewhere", "t1", plus(at, -60_000))).await?;
    let cases: [(i64, &[&str]); 5] = [
        (-1, &[]),
        (0, &[]),
        (1, &["first"]),
        (1_000, &["first"]),
        (2_001, &["first", "second", "third"]),
    ];
    for (offset, expected) in cases {
        let found = expiring_ids(store, &p, plus(at, offset)).await?;
        ensure!(
            found == expected,
            "expiring_before(expiry {offset:+} ms) found {found:?}, expected {expected:?}"
        );
    }
    let found = expiring_ids(store, &q, plus(at, 10_000)).await?;
    ensure!(
        found == ["elsewhere"],
        "another provider's due subscriptions are {found:?}"
    );
    Ok(Outcome::Passed)
}

/// The cursor moves from `None` and from a value only when the caller names the stored one
/// (a wrong expectation writes nothing), can be cleared back to `None`, leaves every other
/// field alone, and an unknown subscription is never advanced.
pub async fn cursor_advances_only_from_expected(store: &Arc<dyn SubscriptionStore>) -> CheckResult {
    let p = provider();
    let sub = full(&p, "cursor", "t1", base()).with_cursor(None);
    put(store, &sub).await?;
    let advance = |expected: Option<&'static str>, next: Option<&'static str>| {
        let (store, p) = (Arc::clone(store), p.clone());
        async move {
            store
                .advance_cursor(&p, "cursor", expected, next)
                .await
                .map_err(store_err("advance_cursor"))
        }
    };
    let stored = |store: Arc<dyn SubscriptionStore>, p: ProviderId| async move {
        get(&store, &p, "cursor")
            .await?
            .ok_or_else(|| CheckFailure::new("the subscription vanished while its cursor moved"))
    };
    ensure!(
        !advance(Some("s0"), Some("s1")).await?,
        "a cursor that is None moved from a value"
    );
    ensure!(
        advance(None, Some("s1")).await?,
        "a cursor that is None did not move from None"
    );
    ensure!(
        !advance(None, Some("s2")).await?,
        "a set cursor moved from None"
    );
    ensure!(
        !advance(Some("s0"), Some("s2")).await?,
        "a cursor moved from a value it did not hold"
    );
    let now = stored(Arc::clone(store), p.clone()).await?;
    ensure!(
        now.cursor.as_deref() == Some("s1"),
        "a refused advance wrote: the cursor is {:?}",
        now.cursor
    );
    ensure!(
        advance(Some("s1"), Some("s2")).await?,
        "a cursor did not move from the value it held"
    );
    ensure!(
        advance(Some("s2"), None).await?,
        "a cursor could not be cleared"
    );
    let now = stored(Arc::clone(store), p.clone()).await?;
    if let Some(diff) = differs(&sub, &now) {
        return Err(CheckFailure::new(format!(
            "moving the cursor and back changed the subscription: {diff}"
        )));
    }
    let unknown = store
        .advance_cursor(&p, "never-put", None, Some("s1"))
        .await
        .map_err(store_err("advance_cursor"))?;
    ensure!(!unknown, "an unknown subscription's cursor moved");
    ensure!(
        get(store, &p, "never-put").await?.is_none(),
        "advancing an unknown subscription created it"
    );
    Ok(Outcome::Passed)
}

/// [`RACERS`] tasks spread over `stores` advance one cursor from the same value, each to its
/// own: exactly one wins, and its value is stored. Then the same from `None`.
pub async fn cursor_race_has_one_winner(stores: &[Arc<dyn SubscriptionStore>]) -> CheckResult {
    let p = provider();
    for start in [Some("start"), None] {
        let id = format!("raced-{}", start.is_some());
        put(
            &stores[0],
            &full(&p, &id, "t1", base()).with_cursor(start.map(str::to_owned)),
        )
        .await?;
        let barrier = Arc::new(Barrier::new(RACERS));
        let mut tasks = Vec::with_capacity(RACERS);
        for i in 0..RACERS {
            let (store, p, id, barrier) = (
                Arc::clone(&stores[i % stores.len()]),
                p.clone(),
                id.clone(),
                Arc::clone(&barrier),
            );
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let next = format!("next-{i}");
                store
                    .advance_cursor(&p, &id, start, Some(&next))
                    .await
                    .map(|won| won.then_some(next))
            }));
        }
        let mut winners = Vec::new();
        for task in tasks {
            let won = task
                .await
                .map_err(|e| CheckFailure::new(format!("racer panicked: {e}")))?
                .map_err(store_err("racing advance_cursor"))?;
            winners.extend(won);
        }
        ensure!(
            winners.len() == 1,
            "{} of {RACERS} racers advanced one cursor from {start:?}",
            winners.len()
        );
        let now = get(&stores[0], &p, &id).await?.map(|s| s.cursor);
        ensure!(
            now == Some(Some(winners[0].clone())),
            "the winner wrote {:?} but the cursor is {now:?}",
            winners[0]
        );
    }
    Ok(Outcome::Passed)
}

/// A removed subscription is gone from every read (`get`, `for_tenant`, `expiring_before`) and
/// its cursor cannot move; removing it again, or an unknown id, is `false`; the tenant's other
/// subscriptions stay.
pub async fn remove_forgets_everywhere(store: &Arc<dyn SubscriptionStore>) -> CheckResult {
    let p = provider();
    let at = base();
    put(store, &full(&p, "gone", "t1", at)).await?;
    put(store, &full(&p, "kept", "t1", at)).await?;
    let removed = store
        .remove(&p, "gone")
        .await
        .map_err(store_err("remove"))?;
    ensure!(removed, "removing a held subscription reported false");
    ensure!(
        get(store, &p, "gone").await?.is_none(),
        "a removed subscription is still found"
    );
    let held = tenant_ids(store, &p, "t1").await?;
    ensure!(held == ["kept"], "after a remove the tenant finds {held:?}");
    let due = expiring_ids(store, &p, plus(at, 1)).await?;
    ensure!(due == ["kept"], "after a remove the due ones are {due:?}");
    let moved = store
        .advance_cursor(&p, "gone", Some("cursor-gone"), Some("later"))
        .await
        .map_err(store_err("advance_cursor"))?;
    ensure!(!moved, "a removed subscription's cursor moved");
    ensure!(
        get(store, &p, "gone").await?.is_none(),
        "advancing a removed subscription brought it back"
    );
    for id in ["gone", "never-put"] {
        let again = store.remove(&p, id).await.map_err(store_err("remove"))?;
        ensure!(!again, "removing {id:?}, not held, reported true");
    }
    Ok(Outcome::Passed)
}

/// Neither a subscription read back nor the store's own `Debug` (`{:?}` and `{:#?}`) shows the
/// secret or the cursor.
pub async fn debug_shows_no_subscription_secret(store: &Arc<dyn SubscriptionStore>) -> CheckResult {
    let p = provider();
    let sub = full(&p, "debugged", "t1", base());
    put(store, &sub).await?;
    let got = get(store, &p, "debugged").await?;
    let secret = sub.secret.expose_secret();
    let cursor = sub.cursor.clone().unwrap_or_default();
    for text in [
        format!("{got:?}"),
        format!("{got:#?}"),
        format!("{store:?}"),
        format!("{store:#?}"),
    ] {
        ensure!(
            !text.contains(secret) && !text.contains("s3cr3t"),
            "Debug shows the secret: {text}"
        );
        ensure!(!text.contains(&cursor), "Debug shows the cursor: {text}");
    }
    Ok(Outcome::Passed)
}

/// Separate instances on one backend see each other's puts, replaces, cursor moves and
/// removes: what lets the instance that receives a notification check a subscription another
/// opened.
pub async fn instances_share_subscriptions(
    a: &Arc<dyn SubscriptionStore>,
    b: &Arc<dyn SubscriptionStore>,
) -> CheckResult {
    let p = provider();
    let sub = full(&p, "shared", "t1", base());
    put(a, &sub).await?;
    match get(b, &p, "shared").await? {
        Some(got) => {
            if let Some(diff) = differs(&sub, &got) {
                return Err(CheckFailure::new(format!(
                    "the other instance reads it differently: {diff}"
                )));
            }
        }
        None => return Err(CheckFailure::new("the other instance does not find it")),
    }
    let moved = b
        .advance_cursor(&p, "shared", Some("cursor-shared"), Some("by-b"))
        .await
        .map_err(store_err("advance_cursor"))?;
    ensure!(moved, "the other instance could not advance the cursor");
    let stale = a
        .advance_cursor(&p, "shared", Some("cursor-shared"), Some("by-a"))
        .await
        .map_err(store_err("advance_cursor"))?;
    ensure!(
        !stale,
        "an instance advanced from a cursor another had moved"
    );
    put(b, &full(&p, "shared", "t2", base())).await?;
    let t1 = tenant_ids(a, &p, "t1").await?;
    ensure!(
        t1.is_empty(),
        "a replace on one instance left {t1:?} on the other"
    );
    ensure!(
        b.remove(&p, "shared").await.map_err(store_err("remove"))?,
        "the other instance could not remove it"
    );
    ensure!(
        get(a, &p, "shared").await?.is_none(),
        "a remove on one instance is not seen on the other"
    );
    Ok(Outcome::Passed)
}

/// Runs every check in [`SUBSCRIPTION_CHECKS`] against stores made by `new_store`.
///
/// `new_store` is called once for the single-instance checks and twice more for the race and
/// [`instances_share_subscriptions`]: for a shared backend each call should return a
/// *separate* instance (its own pool or connection) on the *same* backend. Every check uses
/// its own random provider id, so runs against a shared database never collide; they leave
/// their subscriptions behind (drop the tables or keys the run used).
pub async fn run_subscription_conformance<F, Fut>(new_store: F) -> Report
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn SubscriptionStore>>,
{
    let store = new_store().await;
    let mut report = Report {
        suite: SUBSCRIPTION_CHECKS,
        ..Report::default()
    };
    report.record(
        "subscription_round_trips",
        subscription_round_trips(&store).await,
    );
    report.record(
        "put_replaces_the_whole_subscription",
        put_replaces_the_whole_subscription(&store).await,
    );
    report.record(
        "for_tenant_is_isolated",
        for_tenant_is_isolated(&store).await,
    );
    report.record(
        "expiring_before_is_strict",
        expiring_before_is_strict(&store).await,
    );
    report.record(
        "cursor_advances_only_from_expected",
        cursor_advances_only_from_expected(&store).await,
    );
    let (a, b) = (new_store().await, new_store().await);
    let all = [Arc::clone(&store), Arc::clone(&a), Arc::clone(&b)];
    report.record(
        "cursor_race_has_one_winner",
        cursor_race_has_one_winner(&all).await,
    );
    report.record(
        "remove_forgets_everywhere",
        remove_forgets_everywhere(&store).await,
    );
    report.record(
        "debug_shows_no_subscription_secret",
        debug_shows_no_subscription_secret(&store).await,
    );
    report.record(
        "instances_share_subscriptions",
        instances_share_subscriptions(&a, &b).await,
    );
    report
}
