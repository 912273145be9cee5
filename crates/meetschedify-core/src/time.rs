//! Meeting times: parsing, time zones, and the daylight-saving policy.
//!
//! A [`MeetingTime`] holds what the caller wrote: a start and an end, either as local wall-clock
//! times (`2026-06-15T10:00:00`) read in an IANA time zone, or as RFC 3339 instants with an offset
//! (`2026-06-15T10:00:00+05:30`, `...Z`). [`MeetingTime::resolve`] turns it into a
//! [`ResolvedTime`] of two zoned instants, or an `INVALID_REQUEST` error naming the field.
//!
//! # Daylight-saving policy
//!
//! A local time can fall into a *gap* (it never happens: 02:30 on 2026-03-08 in New York) or a
//! *fold* (it happens twice: 01:30 on 2026-11-01 in New York). meetschedify never shifts such a
//! time silently. By default ([`DstResolution::Reject`]) both are rejected with a message that
//! says which it was and how to fix it. A caller who wants a choice made for them sets
//! [`MeetingTime::with_dst_resolution`] to [`DstResolution::Earlier`] or
//! [`DstResolution::Later`], which follow RFC 9557 / Temporal: in a fold, the first or second
//! occurrence; in a gap, the instant the wall clock would show with the offset from before or
//! after the transition (02:30 becomes 01:30 EST-equivalent or 03:30 EDT). An RFC 3339 input
//! with an offset names one instant and is never ambiguous.

use std::fmt;

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ZonedDateTime};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The default time zone when none is given.
pub const DEFAULT_TIMEZONE: &str = "UTC";

fn default_timezone() -> String {
    DEFAULT_TIMEZONE.to_owned()
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// How to treat a local time that falls into a daylight-saving gap or fold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DstResolution {
    /// Reject gaps and folds with an `INVALID_REQUEST` error (the default).
    #[default]
    Reject,
    /// Take the earlier reading (the offset in force before the transition).
    Earlier,
    /// Take the later reading (the offset in force after the transition).
    Later,
}

/// When a meeting happens, as the caller wrote it.
///
/// ```
/// use meetschedify_core::MeetingTime;
///
/// let time = MeetingTime::new("2026-06-15T10:00:00", "2026-06-15T11:00:00")
///     .with_timezone("Asia/Kolkata");
/// let resolved = time.resolve().unwrap();
/// assert_eq!(resolved.duration_minutes(), 60);
/// assert_eq!(resolved.start_utc().to_string(), "2026-06-15T04:30:00Z");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingTime {
    /// `YYYY-MM-DDTHH:MM[:SS]` local to `timezone`, or RFC 3339 with an offset.
    pub start: String,
    /// Same formats as `start`; must be after it.
    pub end: String,
    /// IANA time zone name, e.g. `Asia/Kolkata`. Defaults to `UTC`.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// What to do with a local time in a daylight-saving gap or fold.
    #[serde(default, skip_serializing_if = "is_default")]
    pub dst_resolution: DstResolution,
}

impl MeetingTime {
    /// A time in UTC unless [`with_timezone`](Self::with_timezone) says otherwise.
    pub fn new(start: impl Into<String>, end: impl Into<String>) -> Self {
        Self {
            start: start.into(),
            end: end.into(),
            timezone: default_timezone(),
            dst_resolution: DstResolution::Reject,
        }
    }

    /// A time from two zoned instants; the zone of `start` becomes the meeting's zone.
    pub fn from_zoned(start: &ZonedDateTime, end: &ZonedDateTime) -> Self {
        let timezone = start
            .time_zone()
            .iana_name()
            .unwrap_or(DEFAULT_TIMEZONE)
            .to_owned();
        Self {
            start: start
                .timestamp()
                .display_with_offset(start.offset())
                .to_string(),
            end: end
                .timestamp()
                .display_with_offset(end.offset())
                .to_string(),
            timezone,
            dst_resolution: DstResolution::Reject,
        }
    }

    /// Sets the IANA time zone.
    pub fn with_timezone(mut self, timezone: impl Into<String>) -> Self {
        self.timezone = timezone.into();
        self
    }

    /// Sets the daylight-saving policy for local times.
    pub fn with_dst_resolution(mut self, resolution: DstResolution) -> Self {
        self.dst_resolution = resolution;
        self
    }

    /// Parses both ends in the time zone; errors name `time.start`, `time.end` or
    /// `time.timezone`.
    pub fn resolve(&self) -> Result<ResolvedTime> {
        self.resolve_at("time")
    }

    /// Like [`resolve`](Self::resolve), with field names under `prefix`.
    pub fn resolve_at(&self, prefix: &str) -> Result<ResolvedTime> {
        // Field names are formatted only for an error that needs one, not on every create.
        let field = |name: &str| format!("{prefix}.{name}");
        let tz = lookup_timezone(&self.timezone, || field("timezone"))?;
        let start = parse_point(&self.start, &tz, self.dst_resolution, || field("start"))?;
        let end = parse_point(&self.end, &tz, self.dst_resolution, || field("end"))?;
        if end.timestamp() <= start.timestamp() {
            return Err(Error::invalid_request(
                format!("{prefix}.end"),
                format!("end ({}) must be after start ({})", self.end, self.start),
            ));
        }
        Ok(ResolvedTime { start, end })
    }
}

/// Looks up an IANA time zone by name; the error names `field`.
pub fn parse_timezone(name: &str, field: &str) -> Result<TimeZone> {
    lookup_timezone(name, || field.to_owned())
}

/// [`parse_timezone`] with the field name made only when there is an error.
fn lookup_timezone(name: &str, field: impl Fn() -> String) -> Result<TimeZone> {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        return Err(Error::invalid_request(
            field(),
            "time zone must not be empty",
        ));
    }
    TimeZone::get(trimmed).map_err(|_| {
        Error::invalid_request(
            field(),
            format!("unknown time zone `{trimmed}`: use an IANA name such as `America/New_York`"),
        )
    })
}

fn parse_point(
    text: &str,
    tz: &TimeZone,
    dst: DstResolution,
    field: impl Fn() -> String,
) -> Result<ZonedDateTime> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::invalid_request(field(), "time must not be empty"));
    }
    // An offset (or `Z`) names one instant: show it in the meeting's zone, never re-read it.
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.to_zoned_datetime(tz.clone()));
    }
    let local: DateTime = text.parse().map_err(|_| {
        Error::invalid_request(
            field(),
            format!(
                "cannot read `{text}` as a time: use `YYYY-MM-DDTHH:MM:SS` (local to the time \
                 zone) or RFC 3339 with an offset such as `2026-06-15T10:00:00+05:30`"
            ),
        )
    })?;
    let ambiguous = tz.to_ambiguous_zoned_datetime(local);
    let zone = tz.iana_name().unwrap_or("the time zone");
    let resolved = match (ambiguous.offset(), dst) {
        (AmbiguousOffset::Unambiguous { .. }, _) => ambiguous.compatible(),
        (AmbiguousOffset::Gap { before, after }, DstResolution::Reject) => {
            return Err(Error::invalid_request(
                field(),
                format!(
                    "{local} does not exist in {zone}: clocks jump from {before} to {after} \
                     (daylight saving); pick another time, give an offset, or choose a \
                     dst_resolution"
                ),
            ))
        }
        (AmbiguousOffset::Fold { before, after }, DstResolution::Reject) => {
            return Err(Error::invalid_request(
                field(),
                format!(
                    "{local} happens twice in {zone} (offsets {before} and {after}, daylight \
                     saving ends): give an offset or choose a dst_resolution of earlier or later"
                ),
            ))
        }
        (_, DstResolution::Earlier) => ambiguous.earlier(),
        (_, DstResolution::Later) => ambiguous.later(),
    };
    resolved.map_err(|e| {
        Error::invalid_request(field(), format!("cannot place {local} in {zone}: {e}"))
    })
}

/// A validated meeting time: two instants in the meeting's zone, end after start.
#[derive(Clone, PartialEq, Eq)]
pub struct ResolvedTime {
    start: ZonedDateTime,
    end: ZonedDateTime,
}

impl ResolvedTime {
    /// The start, in the meeting's zone.
    pub fn start(&self) -> &ZonedDateTime {
        &self.start
    }

    /// The end, in the meeting's zone.
    pub fn end(&self) -> &ZonedDateTime {
        &self.end
    }

    /// The start instant.
    pub fn start_utc(&self) -> Timestamp {
        self.start.timestamp()
    }

    /// The end instant.
    pub fn end_utc(&self) -> Timestamp {
        self.end.timestamp()
    }

    /// The IANA name of the meeting's zone (`UTC` for a fixed zone without a name).
    pub fn timezone(&self) -> &str {
        self.start
            .time_zone()
            .iana_name()
            .unwrap_or(DEFAULT_TIMEZONE)
    }

    /// The real elapsed length in minutes, rounded up to a whole minute.
    ///
    /// Elapsed time, not wall-clock difference: 01:00 to 04:00 on 2026-03-08 in New York is
    /// 120 minutes, because the clocks skip an hour. This is what Zoom's `duration` means.
    pub fn duration_minutes(&self) -> i64 {
        let seconds = self.end.timestamp().as_second() - self.start.timestamp().as_second();
        let extra_nanos =
            self.end.timestamp().subsec_nanosecond() - self.start.timestamp().subsec_nanosecond();
        let total_nanos = i128::from(seconds) * 1_000_000_000 + i128::from(extra_nanos);
        let minutes = (total_nanos + 59_999_999_999) / 60_000_000_000;
        i64::try_from(minutes).unwrap_or(i64::MAX)
    }

    /// The start as local wall-clock text without offset (`2026-06-15T10:00:00`), as Google's
    /// `dateTime` with a `timeZone` and Zoom's local forms expect.
    pub fn start_local(&self) -> String {
        self.start
            .datetime()
            .strftime("%Y-%m-%dT%H:%M:%S")
            .to_string()
    }

    /// The end as local wall-clock text without offset.
    pub fn end_local(&self) -> String {
        self.end
            .datetime()
            .strftime("%Y-%m-%dT%H:%M:%S")
            .to_string()
    }

    /// The start as RFC 3339 with the zone's offset (`2026-06-15T10:00:00+05:30`).
    pub fn start_rfc3339(&self) -> String {
        rfc3339(&self.start)
    }

    /// The end as RFC 3339 with the zone's offset.
    pub fn end_rfc3339(&self) -> String {
        rfc3339(&self.end)
    }

    /// Back to the caller-facing form, with offsets, so it round-trips unambiguously.
    pub fn to_meeting_time(&self) -> MeetingTime {
        MeetingTime {
            start: self.start_rfc3339(),
            end: self.end_rfc3339(),
            timezone: self.timezone().to_owned(),
            dst_resolution: DstResolution::Reject,
        }
    }
}

fn rfc3339(z: &ZonedDateTime) -> String {
    z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

impl fmt::Debug for ResolvedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedTime")
            .field("start", &self.start_rfc3339())
            .field("end", &self.end_rfc3339())
            .field("timezone", &self.timezone())
            .finish()
    }
}

/// Elapsed minutes between two RFC 3339 or local times in `timezone`, DST-correct.
///
/// ```
/// // Clocks spring forward at 02:00 on 2026-03-08 in New York: three wall-clock hours are two.
/// let minutes = meetschedify_core::time::duration_minutes(
///     "2026-03-08T01:00:00", "2026-03-08T04:00:00", "America/New_York").unwrap();
/// assert_eq!(minutes, 120);
/// ```
pub fn duration_minutes(start: &str, end: &str, timezone: &str) -> Result<i64> {
    Ok(MeetingTime::new(start, end)
        .with_timezone(timezone)
        .resolve()?
        .duration_minutes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    const NY: &str = "America/New_York";

    fn resolve(start: &str, end: &str, tz: &str) -> Result<ResolvedTime> {
        MeetingTime::new(start, end).with_timezone(tz).resolve()
    }

    #[test]
    fn local_times_are_read_in_the_zone() {
        let r = resolve("2026-06-15T10:00:00", "2026-06-15T11:00:00", "Asia/Kolkata").unwrap();
        assert_eq!(r.start_utc().to_string(), "2026-06-15T04:30:00Z");
        assert_eq!(r.start_rfc3339(), "2026-06-15T10:00:00+05:30");
        assert_eq!(r.start_local(), "2026-06-15T10:00:00");
        assert_eq!(r.timezone(), "Asia/Kolkata");
        assert_eq!(r.duration_minutes(), 60);
    }

    #[test]
    fn seconds_are_optional_and_utc_is_the_default() {
        let r = MeetingTime::new("2026-06-15T10:00", "2026-06-15T10:30")
            .resolve()
            .unwrap();
        assert_eq!(r.timezone(), "UTC");
        assert_eq!(r.duration_minutes(), 30);
    }

    #[test]
    fn rfc3339_offsets_name_an_instant() {
        let r = resolve("2026-06-15T10:00:00Z", "2026-06-15T12:00:00+01:00", NY).unwrap();
        assert_eq!(r.start_rfc3339(), "2026-06-15T06:00:00-04:00");
        assert_eq!(r.duration_minutes(), 60);
    }

    #[test]
    fn end_must_be_after_start() {
        for (s, e) in [
            ("2026-06-15T10:00:00", "2026-06-15T10:00:00"),
            ("2026-06-15T10:00:00", "2026-06-15T09:00:00"),
        ] {
            let err = resolve(s, e, NY).unwrap_err();
            assert_eq!(err.code(), ErrorCode::InvalidRequest);
            assert_eq!(err.field(), Some("time.end"));
        }
    }

    #[test]
    fn unknown_time_zone_is_rejected() {
        let err =
            resolve("2026-06-15T10:00:00", "2026-06-15T11:00:00", "Mars/Olympus").unwrap_err();
        assert_eq!(err.field(), Some("time.timezone"));
        assert!(err.message().contains("Mars/Olympus"));
        let err = resolve("2026-06-15T10:00:00", "2026-06-15T11:00:00", " ").unwrap_err();
        assert_eq!(err.field(), Some("time.timezone"));
    }

    #[test]
    fn garbage_times_are_rejected_with_the_field() {
        let err = resolve("tomorrow", "2026-06-15T11:00:00", NY).unwrap_err();
        assert_eq!(err.field(), Some("time.start"));
        let err = resolve("2026-06-15T10:00:00", "2026-13-15T11:00:00", NY).unwrap_err();
        assert_eq!(err.field(), Some("time.end"));
        let err = resolve("", "2026-06-15T11:00:00", NY).unwrap_err();
        assert_eq!(err.field(), Some("time.start"));
    }

    #[test]
    fn spring_forward_gap_is_rejected_by_default() {
        let err = resolve("2026-03-08T02:30:00", "2026-03-08T03:30:00", NY).unwrap_err();
        assert_eq!(err.field(), Some("time.start"));
        assert!(
            err.message().contains("does not exist"),
            "{}",
            err.message()
        );
    }

    #[test]
    fn spring_forward_gap_resolves_explicitly() {
        let t = MeetingTime::new("2026-03-08T02:30:00", "2026-03-08T04:00:00").with_timezone(NY);
        let later = t
            .clone()
            .with_dst_resolution(DstResolution::Later)
            .resolve()
            .unwrap();
        assert_eq!(later.start_rfc3339(), "2026-03-08T03:30:00-04:00");
        let earlier = t
            .with_dst_resolution(DstResolution::Earlier)
            .resolve()
            .unwrap();
        assert_eq!(earlier.start_rfc3339(), "2026-03-08T01:30:00-05:00");
    }

    #[test]
    fn fall_back_fold_is_rejected_by_default() {
        let err = resolve("2026-11-01T01:30:00", "2026-11-01T03:00:00", NY).unwrap_err();
        assert_eq!(err.field(), Some("time.start"));
        assert!(err.message().contains("happens twice"), "{}", err.message());
    }

    #[test]
    fn fall_back_fold_resolves_explicitly_or_by_offset() {
        let t = MeetingTime::new("2026-11-01T01:30:00", "2026-11-01T03:00:00").with_timezone(NY);
        let earlier = t
            .clone()
            .with_dst_resolution(DstResolution::Earlier)
            .resolve()
            .unwrap();
        assert_eq!(earlier.start_rfc3339(), "2026-11-01T01:30:00-04:00");
        assert_eq!(earlier.duration_minutes(), 150);
        let later = t
            .with_dst_resolution(DstResolution::Later)
            .resolve()
            .unwrap();
        assert_eq!(later.start_rfc3339(), "2026-11-01T01:30:00-05:00");
        assert_eq!(later.duration_minutes(), 90);
        let by_offset = resolve("2026-11-01T01:30:00-05:00", "2026-11-01T03:00:00", NY).unwrap();
        assert_eq!(by_offset.duration_minutes(), 90);
    }

    #[test]
    fn duration_is_elapsed_time_across_dst() {
        assert_eq!(
            duration_minutes("2026-03-08T01:00:00", "2026-03-08T04:00:00", NY).unwrap(),
            120
        );
        assert_eq!(
            duration_minutes("2026-11-01T00:00:00", "2026-11-01T03:00:00", NY).unwrap(),
            240
        );
        assert_eq!(
            duration_minutes("2026-06-01T10:00:00", "2026-06-01T10:00:30", NY).unwrap(),
            1
        );
    }

    #[test]
    fn round_trips_through_meeting_time() {
        let r = resolve("2026-11-01T01:30:00-05:00", "2026-11-01T03:00:00", NY).unwrap();
        let again = r.to_meeting_time().resolve().unwrap();
        assert_eq!(r, again);
        assert_eq!(
            serde_json::to_value(r.to_meeting_time()).unwrap()["timezone"],
            NY
        );
    }

    #[test]
    fn from_zoned_keeps_zone() {
        let start: ZonedDateTime = "2026-06-15T10:00:00[Europe/Paris]".parse().unwrap();
        let end: ZonedDateTime = "2026-06-15T11:00:00[Europe/Paris]".parse().unwrap();
        let t = MeetingTime::from_zoned(&start, &end);
        assert_eq!(t.timezone, "Europe/Paris");
        assert_eq!(
            t.resolve().unwrap().start_rfc3339(),
            "2026-06-15T10:00:00+02:00"
        );
    }
}
