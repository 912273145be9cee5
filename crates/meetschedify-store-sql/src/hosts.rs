//! The `HostLedger` operation on [`SqlTokenStore`]: a host pool's bookings and daily counts,
//! read and written in one database transaction that holds the pool's row lock.
//!
//! Every transaction first upserts the pool's row in `{prefix}host_pools`
//! (`INSERT ... ON CONFLICT (pool) DO UPDATE`). That write is the lock:
//! - on PostgreSQL, `ON CONFLICT DO UPDATE` locks the conflicting row until the transaction ends
//!   (<https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT>), and under READ
//!   COMMITTED each later statement reads a fresh snapshot, so it sees what the previous holder
//!   committed (<https://www.postgresql.org/docs/current/transaction-iso.html#XACT-READ-COMMITTED>);
//! - on SQLite, the first write of a transaction takes the database's write lock (waiting up to
//!   the busy timeout), and because nothing was read before it there is no stale snapshot to
//!   upgrade (<https://www.sqlite.org/lang_transaction.html>): the same effect as
//!   `BEGIN IMMEDIATE`, without a dialect-specific statement.
//!
//! Statements per transaction: `BEGIN`, the lock, the bookings read (skipped when the query names
//! none), the counts read (skipped without hosts), then one statement per change kind present
//! (each put, one delete, each charge, each raise, the pool's longest booking when a put is longer
//! than any before), `COMMIT`. A reserve is 7: begin, lock, two reads, put, charge, commit.

use meetschedify_core::hosts::{Booking, LedgerChanges, LedgerQuery, LedgerView, UtcDay};
use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{Error, Result};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};
use tracing::Instrument;

use crate::dialect::Dialect;
use crate::store::{db_err, SqlTokenStore};

/// One transaction in this many also deletes the pool's bookings that ended over a day ago and
/// its counts of days before yesterday (the pool never asks about them again).
const PURGE_EVERY: u32 = 64;

/// How long an ended booking is kept: what `HostLedger` allows a ledger to forget.
const KEEP_ENDED_MS: i64 = 86_400_000;

/// The columns of a booking, in the order [`booking_from_row`] reads them.
const BOOKING_COLUMNS: &str =
    "id, host, start_ms, end_ms, meeting_id, pending_until_ms, booked_at_ms";

/// A transaction's connection.
type Conn<D> = <<D as Dialect>::Database as Database>::Connection;

/// `$first, $first+1, ...` for `n` parameters.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn ms(at: Timestamp) -> i64 {
    at.as_millisecond()
}

fn timestamp(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millisecond(ms).map_err(|e| {
        Error::token_store(
            format!("a stored booking time ({ms} ms) is out of range"),
            e,
        )
    })
}

impl<D: Dialect> SqlTokenStore<D>
where
    for<'c> &'c mut <D::Database as Database>::Connection: Executor<'c, Database = D::Database>,
    for<'q> <D::Database as Database>::Arguments<'q>: IntoArguments<'q, D::Database>,
    for<'q> &'q str: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> String: Encode<'q, D::Database> + Type<D::Database>,
    for<'q> i64: Encode<'q, D::Database> + Decode<'q, D::Database> + Type<D::Database>,
    for<'q> Option<i64>: Encode<'q, D::Database>,
    for<'q> Option<String>: Encode<'q, D::Database>,
    for<'r> String: Decode<'r, D::Database>,
    for<'r> Option<String>: Decode<'r, D::Database>,
    for<'r> Option<i64>: Decode<'r, D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    /// `HostLedger::transact`: locks the pool's row, reads what `query` names, calls `decide`
    /// once and applies its changes, all in one transaction (see the module documentation).
    pub async fn transact_host_ledger(
        &self,
        query: &LedgerQuery,
        decide: &mut (dyn for<'v> FnMut(&'v LedgerView) -> LedgerChanges + Send),
    ) -> Result<()> {
        async {
            let mut tx = self
                .pool()
                .begin()
                .await
                .map_err(db_err::<D>("host ledger begin"))?;
            let max_len = self.lock_host_pool(&mut tx, &query.pool).await?;
            let view = self.read_host_view(&mut tx, query, max_len).await?;
            let changes = decide(&view);
            self.apply_host_changes(&mut tx, query, max_len, &changes)
                .await?;
            if rand::random::<u32>() % PURGE_EVERY == 0 {
                // Inside the transaction: a failure then leaves nothing applied, as promised.
                self.purge_host_pool(&mut tx, &query.pool).await?;
            }
            tx.commit().await.map_err(db_err::<D>("host ledger commit"))
        }
        .instrument(tracing::debug_span!(
            "host_ledger",
            backend = D::NAME,
            pool = %query.pool,
        ))
        .await
    }

    /// Upserts the pool's row (the lock) and returns the pool's longest booking in ms.
    async fn lock_host_pool(&self, conn: &mut Conn<D>, pool: &str) -> Result<i64> {
        let p = self.tables().host_pools();
        let row = sqlx::query(&format!(
            "INSERT INTO {p} (pool, max_len_ms) VALUES ($1, 0)
             ON CONFLICT (pool) DO UPDATE SET max_len_ms = {p}.max_len_ms
             RETURNING max_len_ms"
        ))
        .bind(pool)
        .fetch_one(&mut *conn)
        .await
        .map_err(db_err::<D>("host ledger lock"))?;
        row.try_get("max_len_ms")
            .map_err(db_err::<D>("host ledger lock"))
    }

    /// What `query` names, read under the lock.
    async fn read_host_view(
        &self,
        conn: &mut Conn<D>,
        query: &LedgerQuery,
        max_len: i64,
    ) -> Result<LedgerView> {
        let mut view = LedgerView::default();
        // One statement for the three ways a booking is named, so each comes back once.
        let mut clauses = Vec::new();
        let mut next = 2;
        let window = query.window.filter(|_| !query.hosts.is_empty());
        if window.is_some() {
            let hosts = placeholders(next + 3, query.hosts.len());
            clauses.push(format!(
                "(start_ms < ${} AND start_ms >= ${} AND end_ms > ${} AND host IN ({hosts}))",
                next,
                next + 1,
                next + 2
            ));
            next += 3 + query.hosts.len();
        }
        if !query.meeting_ids.is_empty() {
            let ids = placeholders(next, query.meeting_ids.len());
            clauses.push(format!("meeting_id IN ({ids})"));
            next += query.meeting_ids.len();
        }
        if !query.booking_ids.is_empty() {
            let ids = placeholders(next, query.booking_ids.len());
            clauses.push(format!("id IN ({ids})"));
        }
        if !clauses.is_empty() {
            let sql = format!(
                "SELECT {BOOKING_COLUMNS} FROM {} WHERE pool = $1 AND ({})",
                self.tables().host_bookings(),
                clauses.join(" OR ")
            );
            let mut select = sqlx::query(&sql).bind(query.pool.as_str());
            if let Some((from, to)) = window {
                select = select
                    .bind(ms(to))
                    .bind(ms(from).saturating_sub(max_len))
                    .bind(ms(from));
                for host in &query.hosts {
                    select = select.bind(host.as_str());
                }
            }
            for id in query.meeting_ids.iter().chain(&query.booking_ids) {
                select = select.bind(id.as_str());
            }
            let rows = select
                .fetch_all(&mut *conn)
                .await
                .map_err(db_err::<D>("host ledger read"))?;
            for row in rows {
                view.bookings.push(booking_from_row::<D>(&row)?);
            }
        }
        if !query.hosts.is_empty() {
            let sql = format!(
                "SELECT host, used FROM {} WHERE pool = $1 AND day = $2 AND host IN ({})",
                self.tables().host_days(),
                placeholders(3, query.hosts.len())
            );
            let mut select = sqlx::query(&sql)
                .bind(query.pool.as_str())
                .bind(query.day.number());
            for host in &query.hosts {
                select = select.bind(host.as_str());
            }
            let rows = select
                .fetch_all(&mut *conn)
                .await
                .map_err(db_err::<D>("host ledger read"))?;
            for row in rows {
                let host: String = row
                    .try_get("host")
                    .map_err(db_err::<D>("host ledger read"))?;
                let used: i64 = row
                    .try_get("used")
                    .map_err(db_err::<D>("host ledger read"))?;
                view.used
                    .insert(host, u32::try_from(used.max(0)).unwrap_or(u32::MAX));
            }
        }
        Ok(view)
    }

    /// Writes `changes` in the order the memory ledger applies them: removes, puts, charges,
    /// raises (so a booking both removed and put is kept).
    async fn apply_host_changes(
        &self,
        conn: &mut Conn<D>,
        query: &LedgerQuery,
        max_len: i64,
        changes: &LedgerChanges,
    ) -> Result<()> {
        let pool = query.pool.as_str();
        let (b, d) = (self.tables().host_bookings(), self.tables().host_days());
        if !changes.remove.is_empty() {
            let sql = format!(
                "DELETE FROM {b} WHERE pool = $1 AND id IN ({})",
                placeholders(2, changes.remove.len())
            );
            let mut delete = sqlx::query(&sql).bind(pool);
            for id in &changes.remove {
                delete = delete.bind(id.as_str());
            }
            delete
                .execute(&mut *conn)
                .await
                .map_err(db_err::<D>("host ledger remove"))?;
        }
        let put = format!(
            "INSERT INTO {b} (pool, {BOOKING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (pool, id) DO UPDATE SET
               host = excluded.host, start_ms = excluded.start_ms, end_ms = excluded.end_ms,
               meeting_id = excluded.meeting_id, pending_until_ms = excluded.pending_until_ms,
               booked_at_ms = excluded.booked_at_ms"
        );
        let mut longest = max_len;
        for booking in &changes.put {
            longest = longest.max(ms(booking.end).saturating_sub(ms(booking.start)));
            sqlx::query(&put)
                .bind(pool)
                .bind(booking.id.as_str())
                .bind(booking.host.as_str())
                .bind(ms(booking.start))
                .bind(ms(booking.end))
                .bind(booking.meeting_id.clone())
                .bind(booking.pending_until.map(ms))
                .bind(ms(booking.booked_at))
                .execute(&mut *conn)
                .await
                .map_err(db_err::<D>("host ledger put"))?;
        }
        if longest > max_len {
            sqlx::query(&format!(
                "UPDATE {} SET max_len_ms = $2 WHERE pool = $1 AND max_len_ms < $2",
                self.tables().host_pools()
            ))
            .bind(pool)
            .bind(longest)
            .execute(&mut *conn)
            .await
            .map_err(db_err::<D>("host ledger put"))?;
        }
        let charge = format!(
            "INSERT INTO {d} (pool, host, day, used) VALUES ($1, $2, $3, $4)
             ON CONFLICT (pool, host, day) DO UPDATE SET used = {d}.used + excluded.used"
        );
        let raise = format!(
            "INSERT INTO {d} (pool, host, day, used) VALUES ($1, $2, $3, $4)
             ON CONFLICT (pool, host, day) DO UPDATE SET used = excluded.used
             WHERE {d}.used < excluded.used"
        );
        let counts = changes
            .charge
            .iter()
            .map(|c| (&charge, c, "host ledger charge"))
            .chain(
                changes
                    .raise_used
                    .iter()
                    .map(|r| (&raise, r, "host ledger raise")),
            );
        for (sql, (host, n), operation) in counts {
            sqlx::query(sql)
                .bind(pool)
                .bind(host.as_str())
                .bind(query.day.number())
                .bind(i64::from(*n))
                .execute(&mut *conn)
                .await
                .map_err(db_err::<D>(operation))?;
        }
        Ok(())
    }

    /// Deletes the pool's bookings that ended over a day ago and its counts of days before
    /// yesterday, by the application's clock (the pool's times are the application's too).
    async fn purge_host_pool(&self, conn: &mut Conn<D>, pool: &str) -> Result<()> {
        let now = Timestamp::now();
        sqlx::query(&format!(
            "DELETE FROM {} WHERE pool = $1 AND end_ms < $2",
            self.tables().host_bookings()
        ))
        .bind(pool)
        .bind(ms(now).saturating_sub(KEEP_ENDED_MS))
        .execute(&mut *conn)
        .await
        .map_err(db_err::<D>("host ledger purge"))?;
        sqlx::query(&format!(
            "DELETE FROM {} WHERE pool = $1 AND day < $2",
            self.tables().host_days()
        ))
        .bind(pool)
        .bind(UtcDay::of(now).number() - 1)
        .execute(&mut *conn)
        .await
        .map_err(db_err::<D>("host ledger purge"))?;
        Ok(())
    }
}

fn booking_from_row<D: Dialect>(row: &<D::Database as Database>::Row) -> Result<Booking>
where
    for<'r> String: Decode<'r, D::Database> + Type<D::Database>,
    for<'r> Option<String>: Decode<'r, D::Database>,
    for<'r> i64: Decode<'r, D::Database> + Type<D::Database>,
    for<'r> Option<i64>: Decode<'r, D::Database>,
    for<'a> &'a str: ColumnIndex<<D::Database as Database>::Row>,
{
    let err = db_err::<D>;
    let pending: Option<i64> = row
        .try_get("pending_until_ms")
        .map_err(err("host ledger read"))?;
    Ok(Booking {
        id: row.try_get("id").map_err(err("host ledger read"))?,
        host: row.try_get("host").map_err(err("host ledger read"))?,
        start: timestamp(row.try_get("start_ms").map_err(err("host ledger read"))?)?,
        end: timestamp(row.try_get("end_ms").map_err(err("host ledger read"))?)?,
        meeting_id: row.try_get("meeting_id").map_err(err("host ledger read"))?,
        pending_until: pending.map(timestamp).transpose()?,
        booked_at: timestamp(
            row.try_get("booked_at_ms")
                .map_err(err("host ledger read"))?,
        )?,
    })
}
