//! `allocation`: what choosing a host costs per create (issue 15's figure): a pool of 100 hosts
//! holding 10,000 confirmed meetings over a month, then sequential reserve + confirm cycles on
//! each ledger (memory, SQLite, PostgreSQL, Redis). Prints a table of latencies and round trips.
//!
//! PostgreSQL and Redis are reached through `MEETSCHEDIFY_TEST_POSTGRES_URL` and
//! `MEETSCHEDIFY_TEST_REDIS_URL`; a backend without its URL is skipped, unless
//! `MEETSCHEDIFY_REQUIRE_SERVICES=1`. Each run uses its own tables and keys and removes them.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use meetschedify_core::async_trait;
use meetschedify_core::hosts::{
    Booking, HostLedger, HostPool, LedgerChanges, LedgerQuery, LedgerView, MemoryHostLedger,
    PoolHost, UtcDay,
};
use meetschedify_core::jiff::{SignedDuration, Timestamp};
use meetschedify_core::ErrorCode;
use meetschedify_store_postgres::PostgresTokenStore;
use meetschedify_store_redis::RedisTokenStore;
use meetschedify_store_sqlite::SqliteTokenStore;
use rand::Rng;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, Parser)]
#[command(name = "allocation", about = "host allocation cost per create")]
struct Args {
    /// Hosts in the pool.
    #[arg(long, default_value_t = 100)]
    hosts: usize,
    /// Confirmed meetings booked before measuring, spread over 30 days.
    #[arg(long, default_value_t = 10_000)]
    booked: usize,
    /// Reserve + confirm cycles measured per backend (after 50 warm-up cycles).
    #[arg(long, default_value_t = 2_000)]
    cycles: usize,
}

/// Counts transactions, so round trips per create come from what ran, not from a formula.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn HostLedger>,
    transactions: AtomicU64,
}

#[async_trait]
impl HostLedger for Counting {
    async fn transact(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> meetschedify_core::Result<()> {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        self.inner.transact(query, decide).await
    }
}

/// One backend's figures.
struct Row {
    backend: &'static str,
    round_trips: &'static str,
    transactions_per_create: f64,
    p50_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
    refused: usize,
}

/// Midnight UTC a week from now: the month of bookings starts there.
fn month_start() -> Timestamp {
    let day = Timestamp::now().as_second().div_euclid(86_400) + 7;
    Timestamp::from_second(day * 86_400).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn at(minutes: i64) -> Timestamp {
    month_start()
        .checked_add(SignedDuration::from_mins(minutes))
        .unwrap_or(Timestamp::MAX)
}

/// Seeds `booked` confirmed 30-minute meetings, round robin over the hosts, each host's on a
/// grid of half-hour slots over 30 days (08:00 to 18:00), so none overlap; in batches of 500
/// puts per transaction.
async fn seed(
    ledger: &Arc<dyn HostLedger>,
    pool: &str,
    hosts: usize,
    booked: usize,
) -> Result<(), BoxError> {
    const SLOTS_PER_DAY: usize = 20;
    let mut batch = Vec::new();
    for i in 0..booked {
        let (host, k) = (i % hosts, i / hosts);
        let day = (k * 7) % 30;
        let slot = (k / 30 + host) % SLOTS_PER_DAY;
        let start = i64::try_from(day * 1_440 + 480 + slot * 30)?;
        batch.push(Booking {
            id: format!("seed-{i}"),
            host: format!("host-{host}@clinic.example"),
            start: at(start),
            end: at(start + 30),
            meeting_id: Some(format!("seed-meeting-{i}")),
            pending_until: None,
            booked_at: Timestamp::now(),
        });
        if batch.len() == 500 || i + 1 == booked {
            let changes = LedgerChanges {
                put: std::mem::take(&mut batch),
                ..Default::default()
            };
            let query = LedgerQuery {
                pool: pool.to_owned(),
                hosts: Vec::new(),
                window: None,
                day: UtcDay::of(Timestamp::now()),
                meeting_ids: Vec::new(),
                booking_ids: Vec::new(),
            };
            ledger
                .transact(&query, &mut |_: &LedgerView| changes.clone())
                .await?;
        }
    }
    Ok(())
}

async fn measure(
    backend: &'static str,
    round_trips: &'static str,
    ledger: Arc<dyn HostLedger>,
    args: &Args,
) -> Result<Row, BoxError> {
    let pool_name = format!("bench-{:016x}", rand::thread_rng().gen::<u64>());
    seed(&ledger, &pool_name, args.hosts, args.booked).await?;
    let counting = Arc::new(Counting {
        inner: ledger,
        transactions: AtomicU64::new(0),
    });
    let hosts = (0..args.hosts)
        .map(|h| PoolHost::new(format!("host-{h}@clinic.example")))
        .collect();
    // The Zoom default of 100 a day would refuse creates once warm-up and cycles pass it.
    let pool = HostPool::new(&pool_name, hosts, counting.clone())?
        .with_daily_limit(u32::MAX)
        .with_padding(std::time::Duration::from_secs(300));
    let mut latencies = Vec::with_capacity(args.cycles);
    let mut refused = 0;
    for cycle in 0..args.cycles + 50 {
        if cycle == 50 {
            counting.transactions.store(0, Ordering::Relaxed);
        }
        let start = rand::thread_rng().gen_range(0..30 * 40) * 15 + 480;
        let (start, end) = (at(start), at(start + 30));
        let began = Instant::now();
        match pool.reserve(start, end, &[]).await {
            Ok(reservation) => {
                pool.confirm(&reservation, &format!("bench-meeting-{cycle}"))
                    .await?
            }
            Err(e) if e.code() == ErrorCode::NoHostAvailable => refused += 1,
            Err(e) => return Err(e.into()),
        }
        if cycle >= 50 {
            latencies.push(began.elapsed().as_secs_f64() * 1000.0);
        }
    }
    latencies.sort_by(f64::total_cmp);
    // Nearest rank, in whole percent.
    let pick = |percent: usize| latencies[(latencies.len() - 1) * percent / 100];
    Ok(Row {
        backend,
        round_trips,
        transactions_per_create: counting.transactions.load(Ordering::Relaxed) as f64
            / args.cycles as f64,
        p50_ms: pick(50),
        p99_ms: pick(99),
        mean_ms: latencies.iter().sum::<f64>() / latencies.len() as f64,
        refused,
    })
}

/// The URL in `var`, or `None` after saying the backend is skipped (a failure when
/// `MEETSCHEDIFY_REQUIRE_SERVICES=1`).
fn service(var: &str) -> Result<Option<String>, BoxError> {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => Ok(Some(url)),
        _ if std::env::var("MEETSCHEDIFY_REQUIRE_SERVICES").is_ok_and(|v| v == "1") => {
            Err(format!("{var} is not set but MEETSCHEDIFY_REQUIRE_SERVICES=1").into())
        }
        _ => {
            eprintln!("skipped: {var} is not set");
            Ok(None)
        }
    }
}

// Statements per create on SQL: reserve is begin, lock, read bookings, read counts, put,
// charge, commit (7); confirm is begin, lock, put, commit (4). On Redis each transaction is a
// lock-and-read script and a write-and-release script when the pool is free.
const MEMORY_TRIPS: &str = "0";
const SQL_TRIPS: &str = "11 statements (7 + 4)";
const REDIS_TRIPS: &str = "4 scripts (2 + 2)";

async fn run(args: &Args) -> Result<Vec<Row>, BoxError> {
    let mut rows = Vec::new();
    let memory: Arc<dyn HostLedger> = Arc::new(MemoryHostLedger::new());
    rows.push(measure("memory", MEMORY_TRIPS, memory, args).await?);

    let path = std::env::temp_dir().join(format!("allocation-{}.db", std::process::id()));
    let sqlite = SqliteTokenStore::open(&path).await?;
    rows.push(
        measure(
            "sqlite (file, WAL)",
            SQL_TRIPS,
            Arc::new(sqlite.clone()),
            args,
        )
        .await?,
    );
    sqlite.pool().close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }

    if let Some(url) = service("MEETSCHEDIFY_TEST_POSTGRES_URL")? {
        let prefix = format!("bench_{:08x}_", rand::thread_rng().gen::<u32>());
        let pg = PostgresTokenStore::builder()
            .with_url(&url)
            .with_table_prefix(&prefix)
            .build()
            .await?;
        let measured = measure("postgres", SQL_TRIPS, Arc::new(pg.clone()), args).await;
        for table in [
            "host_bookings",
            "host_days",
            "host_pools",
            "tokens",
            "leases",
        ]
        .into_iter()
        .chain([
            "idempotency",
            "oauth_nonces",
            "subscriptions",
            "schema_version",
        ]) {
            sqlx_drop(&pg, &format!("{prefix}{table}")).await?;
        }
        rows.push(measured?);
    }
    if let Some(url) = service("MEETSCHEDIFY_TEST_REDIS_URL")? {
        let prefix = format!("bench-{:08x}:", rand::thread_rng().gen::<u32>());
        let redis = RedisTokenStore::builder()
            .with_url(&url)
            .with_key_prefix(&prefix)
            .build()
            .await?;
        let measured = measure("redis", REDIS_TRIPS, Arc::new(redis), args).await;
        redis_cleanup(&url, &prefix).await?;
        rows.push(measured?);
    }
    Ok(rows)
}

async fn sqlx_drop(store: &PostgresTokenStore, table: &str) -> Result<(), BoxError> {
    sqlx::query(&format!("DROP TABLE IF EXISTS {table}"))
        .execute(store.pool())
        .await?;
    Ok(())
}

async fn redis_cleanup(url: &str, prefix: &str) -> Result<(), BoxError> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await?;
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(keys).query_async(&mut conn).await?;
    }
    Ok(())
}

fn main() -> Result<(), BoxError> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let rows = runtime.block_on(run(&args))?;
    println!(
        "{} hosts, {} booked meetings over 30 days, {} sequential reserve + confirm cycles",
        args.hosts, args.booked, args.cycles
    );
    println!("| ledger | round trips per create | transactions per create | p50 ms | p99 ms | mean ms | refused |");
    println!("|---|---|---|---|---|---|---|");
    for r in rows {
        println!(
            "| {} | {} | {:.2} | {:.3} | {:.3} | {:.3} | {} |",
            r.backend,
            r.round_trips,
            r.transactions_per_create,
            r.p50_ms,
            r.p99_ms,
            r.mean_ms,
            r.refused
        );
    }
    Ok(())
}
