//! The checks of the provider suite, one function each, sharing one [`Run`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use meetschedify_core::jiff::Timestamp;
use meetschedify_core::{
    async_trait, AuthorizationRequest, CancelOutcome, Capabilities, ConnectionState,
    ConnectionStatus, CreateMeetingRequest, CreatedMeeting, Error, ErrorCode, ErrorKind,
    MeetSchedifyClient, MeetingContext, MeetingProvider, MeetingStatus, MeetingTime, Metadata,
    ProviderId, Result, TenantId, UpdateMeetingRequest, ValidatedCreate, ValidatedUpdate,
};

use super::{FailingCall, ProviderHarness};
use crate::outcome::{CheckFailure, CheckResult, Outcome};
use crate::support::{ensure, unique_prefix};

/// The zone the suite's meetings are in: a half-hour offset catches providers that drop or
/// round offsets.
const ZONE: &str = "Asia/Kolkata";

fn skipped(why: impl Into<String>) -> CheckResult {
    Ok(Outcome::Skipped(why.into()))
}

fn fail(message: impl Into<String>) -> CheckFailure {
    CheckFailure::new(message)
}

/// One run of the suite: the harness, what the provider declares, a run id that makes this
/// run's meetings recognisable, and the text of everything seen (for the secrets check).
pub(super) struct Run<'h> {
    h: &'h ProviderHarness,
    caps: Capabilities,
    run_id: String,
    seen: Mutex<Vec<String>>,
}

impl<'h> Run<'h> {
    pub(super) fn new(h: &'h ProviderHarness) -> Self {
        Self {
            h,
            caps: h.capabilities(),
            run_id: unique_prefix("provider"),
            seen: Mutex::new(Vec::new()),
        }
    }

    fn provider(&self) -> &dyn MeetingProvider {
        self.h.provider.as_ref()
    }

    fn id(&self) -> &ProviderId {
        self.h.provider.id()
    }

    fn ctx(&self) -> MeetingContext {
        MeetingContext::new(self.h.tenant.clone())
    }

    fn note(&self, text: String) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(text);
    }

    fn saw_error(&self, e: &Error) {
        self.note(format!("{e:?}"));
        self.note(format!("{e:#?}"));
        self.note(e.to_string());
    }

    fn saw_meeting(&self, m: &CreatedMeeting) {
        self.note(format!("{m:?}"));
    }

    /// Records the error and turns it into a failure naming the call.
    fn err<'a>(&'a self, call: &'a str) -> impl FnOnce(Error) -> CheckFailure + 'a {
        move |e| {
            self.saw_error(&e);
            fail(format!(
                "{call} failed: {e} (code {}, kind {})",
                e.code(),
                e.kind()
            ))
        }
    }

    /// Records the outcome of a call that may fail, for the secrets check.
    fn seen<T>(&self, result: &Result<T>) {
        if let Err(e) = result {
            self.saw_error(e);
        }
    }

    fn created_time() -> MeetingTime {
        MeetingTime::new("2030-06-15T10:00:00", "2030-06-15T11:00:00").with_timezone(ZONE)
    }

    fn moved_time() -> MeetingTime {
        MeetingTime::new("2030-06-16T11:00:00", "2030-06-16T12:30:00").with_timezone(ZONE)
    }

    fn metadata(&self, check: &str) -> Metadata {
        let mut nested = Metadata::new();
        nested.insert("ok".into(), true.into());
        let mut m = Metadata::new();
        m.insert("conformance_run".into(), self.run_id.as_str().into());
        m.insert("check".into(), check.into());
        m.insert("attempt".into(), 2.into());
        m.insert("tags".into(), vec!["a", "é"].into());
        m.insert("nested".into(), nested.into());
        m
    }

    fn title(check: &str) -> String {
        format!("Conformance check: {check}")
    }

    fn request(&self, check: &str) -> CreateMeetingRequest {
        CreateMeetingRequest::new(
            self.h.tenant.clone(),
            self.id().clone(),
            Self::title(check),
            Self::created_time(),
        )
        .with_description("made by the meetschedify provider conformance suite")
        .with_metadata(self.metadata(check))
    }

    fn validated(&self, request: CreateMeetingRequest) -> Result<ValidatedCreate, CheckFailure> {
        ValidatedCreate::new(request, &self.caps.limits).map_err(|e| {
            fail(format!(
                "the suite's request does not fit the provider's limits: {e}"
            ))
        })
    }

    async fn create_valid(
        &self,
        request: &ValidatedCreate,
        call: &str,
    ) -> Result<CreatedMeeting, CheckFailure> {
        let made = self
            .provider()
            .create_meeting(request)
            .await
            .map_err(self.err(call))?;
        self.saw_meeting(&made);
        Ok(made)
    }

    /// Creates a meeting for `check`, without an idempotency key.
    async fn create(&self, check: &str) -> Result<(ValidatedCreate, CreatedMeeting), CheckFailure> {
        let request = self.validated(self.request(check))?;
        let made = self.create_valid(&request, "create_meeting").await?;
        Ok((request, made))
    }

    async fn get(&self, meeting_id: &str) -> Result<CreatedMeeting> {
        let Some(get) = self.provider().get() else {
            return Err(Error::new(ErrorCode::OperationNotSupported, "no get"));
        };
        let got = get.get_meeting(&self.ctx(), meeting_id).await;
        match &got {
            Ok(m) => self.saw_meeting(m),
            Err(e) => self.saw_error(e),
        }
        got
    }

    async fn cancel(&self, meeting_id: &str) -> Result<CancelOutcome> {
        let Some(cancel) = self.provider().cancel() else {
            return Err(Error::new(ErrorCode::OperationNotSupported, "no cancel"));
        };
        let outcome = cancel.cancel_meeting(&self.ctx(), meeting_id).await;
        self.seen(&outcome);
        outcome
    }
}

/// How `got` differs from the requested `want`, or `None`: offset form, same instants, same
/// zone.
fn time_diff(got: &MeetingTime, want: &MeetingTime) -> Option<String> {
    let want = match want.resolve() {
        Ok(w) => w,
        Err(e) => return Some(format!("the suite's own time does not resolve: {e}")),
    };
    let mut out = Vec::new();
    for (name, text, expected) in [
        ("start", &got.start, want.start_utc()),
        ("end", &got.end, want.end_utc()),
    ] {
        match text.parse::<Timestamp>() {
            Ok(at) if at == expected => {}
            Ok(at) => out.push(format!("{name} is {at}, requested {expected}")),
            Err(_) => out.push(format!(
                "{name} `{text}` is not RFC 3339 with an offset (as `to_meeting_time` gives)"
            )),
        }
    }
    if got.timezone != want.timezone() {
        out.push(format!(
            "timezone is `{}`, requested `{}`",
            got.timezone,
            want.timezone()
        ));
    }
    (!out.is_empty()).then(|| out.join("; "))
}

fn not_offered(op: &str) -> String {
    format!("provider offers no {op}")
}

/// Create answers with the provider's id, a meeting id and an `https` join link.
pub(super) async fn create_returns_join_link(run: &Run<'_>) -> CheckResult {
    let (_, m) = run.create("create_returns_join_link").await?;
    ensure!(
        m.provider_id == *run.id(),
        "the meeting names provider `{}`, not `{}`",
        m.provider_id,
        run.id()
    );
    ensure!(
        !m.provider_event_id.trim().is_empty(),
        "the meeting has no provider_event_id"
    );
    let Some(link) = m.conference_link.as_deref() else {
        return Err(fail("the meeting has no conference_link (join link)"));
    };
    let url = url::Url::parse(link)
        .map_err(|e| fail(format!("the join link `{link}` is not a URL: {e}")))?;
    ensure!(
        url.scheme() == "https" && url.host_str().is_some_and(|h| !h.is_empty()),
        "the join link `{link}` is not an https URL with a host"
    );
    ensure!(
        m.status == MeetingStatus::Scheduled,
        "a new meeting has status {:?}",
        m.status
    );
    Ok(Outcome::Passed)
}

/// The created meeting carries the request's metadata unchanged.
pub(super) async fn create_returns_metadata(run: &Run<'_>) -> CheckResult {
    let (request, m) = run.create("create_returns_metadata").await?;
    ensure!(
        m.metadata == request.request().metadata,
        "create returned metadata {:?}, the request had {:?}",
        m.metadata,
        request.request().metadata
    );
    Ok(Outcome::Passed)
}

/// The meeting's time is the requested one, in offset form and in the requested zone.
pub(super) async fn time_round_trips(run: &Run<'_>) -> CheckResult {
    let (_, m) = run.create("time_round_trips").await?;
    if let Some(d) = time_diff(&m.time, &Run::created_time()) {
        return Err(fail(format!("create returned another time: {d}")));
    }
    Ok(Outcome::Passed)
}

/// When declared: get returns the metadata given at create.
pub(super) async fn metadata_round_trip(run: &Run<'_>) -> CheckResult {
    if !run.caps.metadata_round_trip {
        return skipped("provider does not declare metadata_round_trip");
    }
    ensure!(
        run.caps.get,
        "provider declares metadata_round_trip but offers no get to read it back"
    );
    let (request, m) = run.create("metadata_round_trip").await?;
    let got = run
        .get(&m.provider_event_id)
        .await
        .map_err(|e| fail(format!("get_meeting failed: {e}")))?;
    ensure!(
        got.metadata == request.request().metadata,
        "get returned metadata {:?}, create was given {:?}",
        got.metadata,
        request.request().metadata
    );
    Ok(Outcome::Passed)
}

/// When declared: one key, two creates by the provider alone, one meeting; another key,
/// another meeting.
pub(super) async fn idempotent_create(run: &Run<'_>) -> CheckResult {
    if !run.caps.idempotent_create {
        return skipped("provider does not declare idempotent_create");
    }
    let key = format!("{}-key-1", run.run_id);
    let keyed = run.validated(run.request("idempotent_create").with_idempotency_key(&key))?;
    let first = run
        .create_valid(&keyed, "first keyed create_meeting")
        .await?;
    // The same request again, as a client that kept no record (a restart, another instance)
    // would send it: straight to the provider.
    let second = run
        .create_valid(&keyed, "repeated keyed create_meeting")
        .await?;
    ensure!(
        first.provider_event_id == second.provider_event_id,
        "two creates with one idempotency key made two meetings: `{}` and `{}`",
        first.provider_event_id,
        second.provider_event_id
    );
    ensure!(
        first.conference_link == second.conference_link,
        "the repeated create gave another join link: {:?} then {:?}",
        first.conference_link,
        second.conference_link
    );
    let other_key = format!("{}-key-2", run.run_id);
    let other = run.validated(
        run.request("idempotent_create")
            .with_idempotency_key(other_key),
    )?;
    let third = run
        .create_valid(&other, "create_meeting with another key")
        .await?;
    ensure!(
        third.provider_event_id != first.provider_event_id,
        "another idempotency key gave the same meeting `{}`",
        first.provider_event_id
    );
    Ok(Outcome::Passed)
}

/// Get returns the meeting create made.
pub(super) async fn get_returns_created(run: &Run<'_>) -> CheckResult {
    if !run.caps.get {
        return skipped(not_offered("get"));
    }
    let (_, made) = run.create("get_returns_created").await?;
    let got = run
        .get(&made.provider_event_id)
        .await
        .map_err(|e| fail(format!("get_meeting of a meeting just made failed: {e}")))?;
    ensure!(
        got.provider_event_id == made.provider_event_id && got.provider_id == made.provider_id,
        "get returned meeting `{}` of `{}`, asked for `{}` of `{}`",
        got.provider_event_id,
        got.provider_id,
        made.provider_event_id,
        made.provider_id
    );
    ensure!(
        got.conference_link == made.conference_link,
        "get returned join link {:?}, create {:?}",
        got.conference_link,
        made.conference_link
    );
    ensure!(
        got.title == made.title,
        "get returned title {:?}, create {:?}",
        got.title,
        made.title
    );
    if let Some(d) = time_diff(&got.time, &Run::created_time()) {
        return Err(fail(format!("get returned another time: {d}")));
    }
    ensure!(
        got.status == MeetingStatus::Scheduled,
        "get of a scheduled meeting has status {:?}",
        got.status
    );
    Ok(Outcome::Passed)
}

/// Update changes title and time, returns them, and says truly whether the link changed.
pub(super) async fn update_changes_title_and_time(run: &Run<'_>) -> CheckResult {
    let Some(updater) = run.provider().update() else {
        return skipped(not_offered("update"));
    };
    let (_, before) = run.create("update_changes_title_and_time").await?;
    let title = Run::title("update_changes_title_and_time (moved)");
    let change = ValidatedUpdate::new(
        UpdateMeetingRequest::new()
            .with_title(&title)
            .with_time(Run::moved_time()),
        &run.caps.limits,
    )
    .map_err(|e| fail(format!("the suite's update does not fit the limits: {e}")))?;
    let updated = updater
        .update_meeting(&run.ctx(), &before.provider_event_id, &change)
        .await
        .map_err(run.err("update_meeting"))?;
    run.saw_meeting(&updated.meeting);
    let after = &updated.meeting;
    ensure!(
        after.provider_event_id == before.provider_event_id,
        "update returned meeting `{}` for `{}`",
        after.provider_event_id,
        before.provider_event_id
    );
    ensure!(
        after.title.as_deref() == Some(title.as_str()),
        "update returned title {:?}, set {title:?}",
        after.title
    );
    if let Some(d) = time_diff(&after.time, &Run::moved_time()) {
        return Err(fail(format!("update returned another time: {d}")));
    }
    let link_changed = after.conference_link != before.conference_link;
    ensure!(
        updated.conference_link_changed == link_changed,
        "conference_link_changed is {} but the link went from {:?} to {:?}",
        updated.conference_link_changed,
        before.conference_link,
        after.conference_link
    );
    if run.caps.get {
        let got = run
            .get(&before.provider_event_id)
            .await
            .map_err(|e| fail(format!("get_meeting after the update failed: {e}")))?;
        ensure!(
            got.title.as_deref() == Some(title.as_str()),
            "get after the update returned title {:?}, set {title:?}",
            got.title
        );
        if let Some(d) = time_diff(&got.time, &Run::moved_time()) {
            return Err(fail(format!(
                "get after the update returned another time: {d}"
            )));
        }
    }
    Ok(Outcome::Passed)
}

/// The first cancel cancels; the second says it was already cancelled.
pub(super) async fn cancel_then_already_cancelled(run: &Run<'_>) -> CheckResult {
    if !run.caps.cancel {
        return skipped(not_offered("cancel"));
    }
    let (_, m) = run.create("cancel_then_already_cancelled").await?;
    let first = run
        .cancel(&m.provider_event_id)
        .await
        .map_err(|e| fail(format!("cancel_meeting failed: {e}")))?;
    ensure!(
        first == CancelOutcome::Cancelled,
        "the first cancel gave {first:?}, expected Cancelled"
    );
    let second = run.cancel(&m.provider_event_id).await.map_err(|e| {
        fail(format!(
            "the second cancel failed: {e} (code {}); a repeated cancel must succeed with \
             AlreadyCancelled",
            e.code()
        ))
    })?;
    ensure!(
        second == CancelOutcome::AlreadyCancelled,
        "the second cancel gave {second:?}, expected AlreadyCancelled"
    );
    Ok(Outcome::Passed)
}

/// A cancelled meeting reads as gone: `MEETING_NOT_FOUND`, or status `cancelled`
/// ([`MeetingStatus::Cancelled`] is "cancelled or deleted at the provider").
pub(super) async fn get_after_cancel_is_gone(run: &Run<'_>) -> CheckResult {
    if !run.caps.cancel {
        return skipped(not_offered("cancel"));
    }
    if !run.caps.get {
        return skipped(not_offered("get"));
    }
    let (_, m) = run.create("get_after_cancel_is_gone").await?;
    run.cancel(&m.provider_event_id)
        .await
        .map_err(|e| fail(format!("cancel_meeting failed: {e}")))?;
    match run.get(&m.provider_event_id).await {
        Err(e) if e.code() == ErrorCode::MeetingNotFound => Ok(Outcome::Passed),
        Ok(got) if got.status == MeetingStatus::Cancelled => Ok(Outcome::Passed),
        Ok(got) => Err(fail(format!(
            "get of a cancelled meeting returned it with status {:?}",
            got.status
        ))),
        Err(e) => Err(fail(format!(
            "get of a cancelled meeting failed with {} ({e}), expected MEETING_NOT_FOUND or a \
             cancelled meeting",
            e.code()
        ))),
    }
}

fn expect_not_found<T: std::fmt::Debug>(call: &str, result: Result<T>) -> Result<(), CheckFailure> {
    match result {
        Err(e) if e.kind() == ErrorKind::NotFound && e.code() == ErrorCode::MeetingNotFound => {
            Ok(())
        }
        Err(e) => Err(fail(format!(
            "{call} failed with {} (kind {}), expected MEETING_NOT_FOUND (kind not_found): {e}",
            e.code(),
            e.kind()
        ))),
        Ok(v) => Err(fail(format!("{call} succeeded: {v:?}"))),
    }
}

/// What a cancel answered, reduced to what a caller can tell apart.
fn cancel_answer(result: &Result<CancelOutcome>) -> String {
    match result {
        Ok(outcome) => format!("{outcome:?}"),
        Err(e) => e.code().to_string(),
    }
}

/// Another tenant can neither see, change nor cancel the harness tenant's meeting, and learns
/// nothing from trying: each of its calls answers exactly what it answers for a missing id (a
/// cancel that said `MEETING_NOT_FOUND` for a foreign meeting but `AlreadyCancelled` for a
/// missing one would tell it which ids exist). The meeting is then still there for its owner.
pub(super) async fn other_tenant_sees_nothing(run: &Run<'_>) -> CheckResult {
    let Some(other) = run.h.other_tenant.clone() else {
        return skipped("no other tenant given (ProviderHarness::with_other_tenant)");
    };
    if !(run.caps.get || run.caps.update || run.caps.cancel) {
        return skipped("provider offers no get, update or cancel");
    }
    let (_, m) = run.create("other_tenant_sees_nothing").await?;
    let id = m.provider_event_id.as_str();
    let missing = run.h.missing_meeting_id.as_str();
    let theirs = MeetingContext::new(other.clone());
    if let Some(get) = run.provider().get() {
        let got = get.get_meeting(&theirs, id).await;
        run.seen(&got);
        expect_not_found("get_meeting of another tenant's meeting", got)?;
    }
    if let Some(updater) = run.provider().update() {
        let change = ValidatedUpdate::new(
            UpdateMeetingRequest::new()
                .with_title(Run::title("hijacked"))
                .with_time(Run::moved_time()),
            &run.caps.limits,
        )
        .map_err(|e| fail(format!("the suite's update does not fit the limits: {e}")))?;
        let updated = updater.update_meeting(&theirs, id, &change).await;
        run.seen(&updated);
        expect_not_found("update_meeting of another tenant's meeting", updated)?;
    }
    if let Some(cancel) = run.provider().cancel() {
        let foreign = cancel.cancel_meeting(&theirs, id).await;
        run.seen(&foreign);
        let absent = cancel.cancel_meeting(&theirs, missing).await;
        run.seen(&absent);
        ensure!(
            !matches!(foreign, Ok(CancelOutcome::Cancelled)),
            "another tenant cancelled the meeting"
        );
        let (foreign, absent) = (cancel_answer(&foreign), cancel_answer(&absent));
        ensure!(
            foreign == absent,
            "another tenant's cancel answered {foreign} for the meeting but {absent} for a \
             missing id: the difference tells it which ids exist"
        );
    }
    // Still the owner's, unchanged.
    if run.caps.get {
        let got = run
            .get(id)
            .await
            .map_err(|e| fail(format!("the owner's get after the attempts failed: {e}")))?;
        ensure!(
            got.status != MeetingStatus::Cancelled,
            "the meeting was cancelled by another tenant's attempt"
        );
        ensure!(
            got.title.as_deref() == Some(Run::title("other_tenant_sees_nothing").as_str()),
            "another tenant's update changed the title to {:?}",
            got.title
        );
    }
    if run.caps.cancel {
        let outcome = run
            .cancel(id)
            .await
            .map_err(|e| fail(format!("the owner's cancel after the attempts failed: {e}")))?;
        ensure!(
            outcome == CancelOutcome::Cancelled,
            "the owner's cancel gave {outcome:?}: another tenant's attempt had cancelled it"
        );
    }
    Ok(Outcome::Passed)
}

/// Get and update of a missing id are `MEETING_NOT_FOUND`; cancel is that or
/// `AlreadyCancelled` (a provider that cannot tell "never existed" from "deleted", as Zoom's
/// API cannot, answers the latter, which the cancel contract allows).
pub(super) async fn missing_meeting_is_not_found(run: &Run<'_>) -> CheckResult {
    if !(run.caps.get || run.caps.update || run.caps.cancel) {
        return skipped("provider offers no get, update or cancel");
    }
    let missing = run.h.missing_meeting_id.as_str();
    if run.caps.get {
        expect_not_found("get_meeting of a missing meeting", run.get(missing).await)?;
    }
    if let Some(updater) = run.provider().update() {
        let change = ValidatedUpdate::new(
            UpdateMeetingRequest::new().with_title(Run::title("missing")),
            &run.caps.limits,
        )
        .map_err(|e| fail(format!("the suite's update does not fit the limits: {e}")))?;
        let updated = updater.update_meeting(&run.ctx(), missing, &change).await;
        run.seen(&updated);
        expect_not_found("update_meeting of a missing meeting", updated)?;
    }
    if run.caps.cancel {
        match run.cancel(missing).await {
            Ok(CancelOutcome::AlreadyCancelled) => {}
            Ok(other) => {
                return Err(fail(format!(
                    "cancel_meeting of a missing meeting gave {other:?}, expected \
                     MEETING_NOT_FOUND or AlreadyCancelled"
                )))
            }
            Err(e) => expect_not_found::<()>("cancel_meeting of a missing meeting", Err(e))?,
        }
    }
    Ok(Outcome::Passed)
}

/// The armed failure surfaces with the expected neutral kind.
pub(super) async fn failure_has_neutral_kind(run: &Run<'_>) -> CheckResult {
    let Some(failure) = &run.h.failure else {
        return skipped("no failure case given (ProviderHarness::with_failure)");
    };
    let request = match failure.call {
        FailingCall::Create => Some(run.validated(run.request("failure_has_neutral_kind"))?),
        FailingCall::ConnectionStatus => None,
    };
    (failure.arm)().await;
    let result = match &request {
        Some(request) => run.provider().create_meeting(request).await.map(|m| {
            run.saw_meeting(&m);
        }),
        None => run
            .provider()
            .connection_status(&run.h.tenant)
            .await
            .map(|_| ()),
    };
    match result {
        Ok(()) => Err(fail(format!(
            "{:?} succeeded after the failure was armed, expected kind {}",
            failure.call, failure.kind
        ))),
        Err(e) => {
            run.saw_error(&e);
            ensure!(
                e.kind() == failure.kind,
                "the armed failure has kind {} (code {}), expected {}: {e}",
                e.kind(),
                e.code(),
                failure.kind
            );
            ensure!(
                e.code().kind() == e.kind(),
                "the error's kind {} disagrees with its code {}",
                e.kind(),
                e.code()
            );
            Ok(Outcome::Passed)
        }
    }
}

fn status_names(
    status: &ConnectionStatus,
    id: &ProviderId,
    tenant: &TenantId,
) -> Result<(), CheckFailure> {
    ensure!(
        status.provider_id == *id && status.tenant_id == *tenant,
        "the status is about `{}` / `{}`, asked about `{id}` / `{tenant}`",
        status.provider_id,
        status.tenant_id
    );
    ensure!(
        status.connected == status.state.is_connected(),
        "connected is {} but the state is {}",
        status.connected,
        status.state
    );
    Ok(())
}

/// The harness tenant is connected.
pub(super) async fn connected_tenant_is_connected(run: &Run<'_>) -> CheckResult {
    let status = run
        .provider()
        .connection_status(&run.h.tenant)
        .await
        .map_err(run.err("connection_status"))?;
    status_names(&status, run.id(), &run.h.tenant)?;
    ensure!(
        status.connected && status.state == ConnectionState::Connected,
        "the harness tenant is {} ({:?}), expected connected",
        status.state,
        status.reason
    );
    Ok(Outcome::Passed)
}

/// The disconnected tenant, if given, is not connected, and says so consistently.
pub(super) async fn disconnected_tenant_is_not_connected(run: &Run<'_>) -> CheckResult {
    let Some(tenant) = &run.h.disconnected_tenant else {
        return skipped("no disconnected tenant given (ProviderHarness::with_disconnected_tenant)");
    };
    let status = run
        .provider()
        .connection_status(tenant)
        .await
        .map_err(run.err("connection_status of the disconnected tenant"))?;
    status_names(&status, run.id(), tenant)?;
    ensure!(
        !status.connected && status.state != ConnectionState::Connected,
        "the disconnected tenant reads as {}",
        status.state
    );
    Ok(Outcome::Passed)
}

fn expect_not_supported<T: std::fmt::Debug>(
    run: &Run<'_>,
    call: &str,
    result: Result<T>,
) -> Result<(), CheckFailure> {
    run.seen(&result);
    match result {
        Err(e) if e.code() == ErrorCode::OperationNotSupported => Ok(()),
        Err(e) => Err(fail(format!(
            "{call} through the client failed with {}, expected OPERATION_NOT_SUPPORTED: {e}",
            e.code()
        ))),
        Ok(v) => Err(fail(format!(
            "{call} through the client succeeded ({v:?}) although the provider does not offer it"
        ))),
    }
}

fn client(providers: Vec<Arc<dyn MeetingProvider>>) -> Result<MeetSchedifyClient, CheckFailure> {
    providers
        .into_iter()
        .fold(MeetSchedifyClient::builder(), |b, p| {
            b.with_shared_provider(p)
        })
        .build()
        .map_err(|e| fail(format!("a client around the provider does not build: {e}")))
}

/// Through a client, every operation the provider does not offer is
/// `OPERATION_NOT_SUPPORTED`.
pub(super) async fn unsupported_operations_refused(run: &Run<'_>) -> CheckResult {
    let caps = run.caps;
    if caps.get && caps.update && caps.cancel && caps.oauth_connect {
        return skipped("provider offers every operation");
    }
    let client = client(vec![run.h.provider.clone()])?;
    let id = run.id();
    let reported = client.capabilities(id).map_err(run.err("capabilities"))?;
    ensure!(
        reported == caps,
        "the client reports {reported:?}, the provider {caps:?}"
    );
    let ctx = run.ctx();
    let missing = run.h.missing_meeting_id.as_str();
    if !caps.get {
        expect_not_supported(
            run,
            "get_meeting",
            client.get_meeting(id, &ctx, missing).await,
        )?;
    }
    if !caps.update {
        let change = UpdateMeetingRequest::new().with_title(Run::title("unsupported"));
        let updated = client.update_meeting(id, &ctx, missing, change).await;
        expect_not_supported(run, "update_meeting", updated)?;
    }
    if !caps.cancel {
        let cancelled = client.cancel_meeting(id, &ctx, missing).await;
        expect_not_supported(run, "cancel_meeting", cancelled)?;
    }
    if !caps.oauth_connect {
        let request = AuthorizationRequest::new(run.h.tenant.clone(), id.clone());
        let url = client.authorization_url(&request).await;
        expect_not_supported(run, "authorization_url", url)?;
        let disconnected = client.disconnect_provider(id, &run.h.tenant).await;
        expect_not_supported(run, "disconnect_provider", disconnected)?;
    }
    Ok(Outcome::Passed)
}

/// Registered before the provider under test, so a client that routed by position, not id,
/// would reach it.
#[derive(Debug)]
struct Decoy {
    id: ProviderId,
    calls: AtomicUsize,
}

#[async_trait]
impl MeetingProvider for Decoy {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    async fn create_meeting(&self, _: &ValidatedCreate) -> Result<CreatedMeeting> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(Error::new(
            ErrorCode::ProviderError,
            "the conformance decoy was asked to create a meeting",
        ))
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone()))
    }
}

/// A client holding the provider beside another routes creates to it by id, and refuses an
/// invalid request before the provider sees it.
pub(super) async fn client_routes_create(run: &Run<'_>) -> CheckResult {
    let id = run.id();
    let decoy_id = if id.as_str() == "conformance-decoy" {
        ProviderId::new("conformance-decoy-2")
    } else {
        ProviderId::new("conformance-decoy")
    };
    let decoy = Arc::new(Decoy {
        id: decoy_id.clone(),
        calls: AtomicUsize::new(0),
    });
    let client = client(vec![decoy.clone(), run.h.provider.clone()])?;
    ensure!(
        client.list_providers() == [decoy_id, id.clone()],
        "the client lists {:?}",
        client.list_providers()
    );
    let reported = client.capabilities(id).map_err(run.err("capabilities"))?;
    ensure!(
        reported == run.caps,
        "the client reports {reported:?}, the provider {:?}",
        run.caps
    );
    let made = client
        .create_meeting(run.request("client_routes_create"))
        .await
        .map_err(run.err("create_meeting through the client"))?;
    run.saw_meeting(&made);
    ensure!(
        made.provider_id == *id,
        "the client's create came back from `{}`, not `{id}`",
        made.provider_id
    );
    let backwards =
        MeetingTime::new("2030-06-15T11:00:00", "2030-06-15T10:00:00").with_timezone(ZONE);
    let mut invalid = run.request("client_routes_create (invalid)");
    invalid.time = backwards;
    let refused = client.create_meeting(invalid).await;
    run.seen(&refused);
    match refused {
        Err(e) if e.code() == ErrorCode::InvalidRequest => ensure!(
            e.field().is_some_and(|f| f.starts_with("time")),
            "an end before the start is refused naming field {:?}, expected a time field",
            e.field()
        ),
        Err(e) => {
            return Err(fail(format!(
                "an end before the start failed with {}, expected INVALID_REQUEST: {e}",
                e.code()
            )))
        }
        Ok(m) => {
            return Err(fail(format!(
                "a create ending before it starts succeeded: `{}`",
                m.provider_event_id
            )))
        }
    }
    let decoy_calls = decoy.calls.load(Ordering::SeqCst);
    ensure!(
        decoy_calls == 0,
        "the client called the other provider {decoy_calls} times"
    );
    Ok(Outcome::Passed)
}

/// No secret in `Debug` of the provider, nor in `Debug` or `Display` of anything the run saw.
pub(super) fn debug_shows_no_secret(run: &Run<'_>) -> CheckResult {
    if run.h.secrets.is_empty() {
        return skipped("no secrets given (ProviderHarness::with_secrets)");
    }
    let provider = run.provider();
    let mut texts = vec![
        ("Debug of the provider".to_owned(), format!("{provider:?}")),
        ("{:#?} of the provider".to_owned(), format!("{provider:#?}")),
    ];
    let seen = run.seen.lock().unwrap_or_else(PoisonError::into_inner);
    texts.extend(seen.iter().enumerate().map(|(i, text)| {
        (
            format!("error or meeting #{i} seen during the run"),
            text.clone(),
        )
    }));
    let mut leaks = Vec::new();
    for (n, secret) in run.h.secrets.iter().enumerate() {
        for (place, text) in &texts {
            if text.contains(secret.as_str()) {
                // Name the secret by position: the report must not print it either.
                leaks.push(format!("secret #{} appears in {place}", n + 1));
            }
        }
    }
    ensure!(leaks.is_empty(), "{}", leaks.join("; "));
    Ok(Outcome::Passed)
}
