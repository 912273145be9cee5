//! The provider conformance suite is not vacuous: a correct in-test fake passes every check,
//! and each deliberately broken fake fails exactly the check that names its flaw.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use meetschedify_core::idempotency::KeyDigest;
use meetschedify_core::{
    async_trait, CancelMeeting, CancelOutcome, ConnectionStatus, CreatedMeeting, Error, ErrorCode,
    ErrorKind, GetMeeting, Guarantees, MeetingContext, MeetingProvider, MeetingStatus, ProviderId,
    Result, TenantId, UpdateMeeting, UpdatedMeeting, ValidatedCreate, ValidatedUpdate,
};
use meetschedify_testkit::provider::{
    run_provider_conformance, FailingCall, FailureCase, ProviderHarness, CONFORMANCE_CHECKS,
};
use meetschedify_testkit::Report;

const SECRET: &str = "fake-secret-0xC0FFEE";
const MISSING: &str = "m-does-not-exist";
const OFFLINE: &str = "offline";

/// One thing a broken fake gets wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flaw {
    None,
    /// The second cancel fails instead of answering `AlreadyCancelled`.
    CancelTwiceErrors,
    /// A missing meeting is `PROVIDER_ERROR`, not `MEETING_NOT_FOUND`.
    MissingIsProviderError,
    /// Metadata is not kept, although `metadata_round_trip` is declared.
    DropsMetadata,
    /// The idempotency key is ignored, although `idempotent_create` is declared.
    DuplicatesKeyed,
    /// `Debug` prints the secret.
    LeaksSecret,
    /// The armed failure is `PROVIDER_ERROR` instead of `RATE_LIMITED`.
    WrongFailureKind,
    /// No join link.
    NoJoinLink,
    /// Times come back as the caller wrote them (local, no offset).
    LocalTime,
    /// Every tenant reads as connected, the disconnected one too.
    AlwaysConnected,
    /// Update answers the old title.
    UpdateKeepsTitle,
    /// A cancelled meeting still reads as scheduled.
    CancelledStillScheduled,
    /// Any tenant may read, change and cancel any meeting.
    IgnoresTenant,
    /// Another tenant's meeting is refused, but a cancel of it answers `AlreadyCancelled` where
    /// a missing id answers `MEETING_NOT_FOUND`: the difference tells which ids exist.
    RevealsForeignIds,
}

/// A provider held in memory: create, get, update, cancel, both guarantees.
struct Fake {
    id: ProviderId,
    flaw: Flaw,
    secret: String,
    meetings: Mutex<HashMap<String, (CreatedMeeting, bool)>>,
    /// Who made each meeting.
    owners: Mutex<HashMap<String, TenantId>>,
    next: AtomicU64,
    fail_next: Arc<AtomicBool>,
}

impl Fake {
    fn new(flaw: Flaw) -> Arc<Self> {
        Arc::new(Self {
            id: ProviderId::new("fake"),
            flaw,
            secret: SECRET.to_owned(),
            meetings: Mutex::new(HashMap::new()),
            owners: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            fail_next: Arc::new(AtomicBool::new(false)),
        })
    }

    fn not_found(&self, id: &str) -> Error {
        if self.flaw == Flaw::MissingIsProviderError {
            Error::new(ErrorCode::ProviderError, format!("no such thing `{id}`"))
        } else {
            Error::new(
                ErrorCode::MeetingNotFound,
                format!("meeting `{id}` not found"),
            )
        }
    }

    /// Whether `ctx`'s tenant may touch meeting `id` (a missing one is for the caller to find).
    fn foreign(&self, ctx: &MeetingContext, id: &str) -> bool {
        self.flaw != Flaw::IgnoresTenant
            && self
                .owners
                .lock()
                .unwrap()
                .get(id)
                .is_some_and(|owner| *owner != ctx.tenant_id)
    }

    /// The meeting if it is `ctx`'s tenant's and not cancelled.
    fn owned(&self, ctx: &MeetingContext, id: &str) -> Result<CreatedMeeting> {
        if self.foreign(ctx, id) {
            return Err(self.not_found(id));
        }
        self.live(id)
    }

    fn live(&self, id: &str) -> Result<CreatedMeeting> {
        match self.meetings.lock().unwrap().get(id) {
            Some((m, false)) => Ok(m.clone()),
            Some((m, true)) if self.flaw == Flaw::CancelledStillScheduled => Ok(m.clone()),
            _ => Err(self.not_found(id)),
        }
    }
}

impl fmt::Debug for Fake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret = if self.flaw == Flaw::LeaksSecret {
            self.secret.as_str()
        } else {
            "[redacted]"
        };
        f.debug_struct("Fake")
            .field("id", &self.id)
            .field("secret", &secret)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl MeetingProvider for Fake {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    fn guarantees(&self) -> Guarantees {
        Guarantees::NONE
            .with_idempotent_create(true)
            .with_metadata_round_trip(true)
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        if self.fail_next.swap(false, Ordering::SeqCst) {
            return Err(if self.flaw == Flaw::WrongFailureKind {
                Error::new(ErrorCode::ProviderError, "something broke")
            } else {
                Error::new(ErrorCode::RateLimited, "slow down")
            });
        }
        let req = request.request();
        let id = match req.idempotency_key.as_deref() {
            Some(key) if self.flaw != Flaw::DuplicatesKeyed => {
                let digest = KeyDigest::derive("fake/meeting/v1", &self.id, &req.tenant_id, key);
                format!("k-{}", digest.to_hex(16))
            }
            _ => format!("m-{}", self.next.fetch_add(1, Ordering::SeqCst)),
        };
        let mut meetings = self.meetings.lock().unwrap();
        if let Some((existing, _)) = meetings.get(&id) {
            return Ok(existing.clone().with_metadata(req.metadata.clone()));
        }
        let time = if self.flaw == Flaw::LocalTime {
            req.time.clone()
        } else {
            request.time().to_meeting_time()
        };
        let mut made = CreatedMeeting::new(self.id.clone(), id.clone(), time)
            .with_title(request.title())
            .with_metadata(req.metadata.clone());
        if self.flaw != Flaw::NoJoinLink {
            made = made.with_conference_link(format!("https://fake.example.org/{id}"));
        }
        let stored = if self.flaw == Flaw::DropsMetadata {
            made.clone().with_metadata(Default::default())
        } else {
            made.clone()
        };
        self.owners
            .lock()
            .unwrap()
            .insert(id.clone(), req.tenant_id.clone());
        meetings.insert(id, (stored, false));
        Ok(made)
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        if tenant.as_str() == OFFLINE && self.flaw != Flaw::AlwaysConnected {
            return Ok(ConnectionStatus::disconnected(
                self.id.clone(),
                tenant.clone(),
                "never connected",
            ));
        }
        Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone()))
    }

    fn get(&self) -> Option<&dyn GetMeeting> {
        Some(self)
    }

    fn update(&self) -> Option<&dyn UpdateMeeting> {
        Some(self)
    }

    fn cancel(&self) -> Option<&dyn CancelMeeting> {
        Some(self)
    }
}

#[async_trait]
impl GetMeeting for Fake {
    async fn get_meeting(&self, ctx: &MeetingContext, meeting_id: &str) -> Result<CreatedMeeting> {
        self.owned(ctx, meeting_id)
    }
}

#[async_trait]
impl UpdateMeeting for Fake {
    async fn update_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
        update: &ValidatedUpdate,
    ) -> Result<UpdatedMeeting> {
        let mut meeting = self.owned(ctx, meeting_id)?;
        if let Some(title) = &update.request().title {
            if self.flaw != Flaw::UpdateKeepsTitle {
                meeting.title = Some(title.clone());
            }
        }
        if let Some(time) = update.time() {
            meeting.time = time.to_meeting_time();
        }
        self.meetings
            .lock()
            .unwrap()
            .insert(meeting_id.to_owned(), (meeting.clone(), false));
        Ok(UpdatedMeeting::new(meeting, false))
    }
}

#[async_trait]
impl CancelMeeting for Fake {
    async fn cancel_meeting(
        &self,
        ctx: &MeetingContext,
        meeting_id: &str,
    ) -> Result<CancelOutcome> {
        if self.foreign(ctx, meeting_id) {
            return if self.flaw == Flaw::RevealsForeignIds {
                Ok(CancelOutcome::AlreadyCancelled)
            } else {
                Err(self.not_found(meeting_id))
            };
        }
        let mut meetings = self.meetings.lock().unwrap();
        match meetings.get_mut(meeting_id) {
            None => Err(self.not_found(meeting_id)),
            Some((_, true)) if self.flaw == Flaw::CancelTwiceErrors => {
                Err(Error::new(ErrorCode::MeetingNotFound, "already deleted"))
            }
            Some((_, true)) => Ok(CancelOutcome::AlreadyCancelled),
            Some((m, cancelled)) => {
                *cancelled = true;
                if self.flaw != Flaw::CancelledStillScheduled {
                    m.status = MeetingStatus::Cancelled;
                }
                Ok(CancelOutcome::Cancelled)
            }
        }
    }
}

fn harness(fake: &Arc<Fake>) -> ProviderHarness {
    let flag = fake.fail_next.clone();
    ProviderHarness::new(fake.clone(), "org_1")
        .with_secrets([SECRET])
        .with_missing_meeting_id(MISSING)
        .with_failure(FailureCase::armed_by(ErrorKind::RateLimited, move || {
            flag.store(true, Ordering::SeqCst);
        }))
        .with_disconnected_tenant(OFFLINE)
        .with_other_tenant("org_2")
}

fn failed(report: &Report) -> Vec<&'static str> {
    report.failed.iter().map(|f| f.check).collect()
}

#[tokio::test]
async fn a_correct_fake_passes_every_check() {
    let report = run_provider_conformance(&harness(&Fake::new(Flaw::None))).await;
    println!("{report}");
    report.assert_all_passed();
    assert_eq!(report.passed, CONFORMANCE_CHECKS);
}

#[tokio::test]
async fn each_broken_fake_fails_the_check_that_names_its_flaw() {
    let cases: &[(Flaw, &[&str])] = &[
        (Flaw::CancelTwiceErrors, &["cancel_then_already_cancelled"]),
        // A cancelled meeting is missing too, so get after cancel fails the same way.
        (
            Flaw::MissingIsProviderError,
            &[
                "get_after_cancel_is_gone",
                "missing_meeting_is_not_found",
                "other_tenant_sees_nothing",
            ],
        ),
        (Flaw::DropsMetadata, &["metadata_round_trip"]),
        (Flaw::DuplicatesKeyed, &["idempotent_create"]),
        (Flaw::LeaksSecret, &["debug_shows_no_secret"]),
        (Flaw::WrongFailureKind, &["failure_has_neutral_kind"]),
        (Flaw::NoJoinLink, &["create_returns_join_link"]),
        (
            Flaw::LocalTime,
            &["time_round_trips", "get_returns_created"],
        ),
        (
            Flaw::AlwaysConnected,
            &["disconnected_tenant_is_not_connected"],
        ),
        (Flaw::UpdateKeepsTitle, &["update_changes_title_and_time"]),
        (Flaw::CancelledStillScheduled, &["get_after_cancel_is_gone"]),
        (Flaw::IgnoresTenant, &["other_tenant_sees_nothing"]),
        (Flaw::RevealsForeignIds, &["other_tenant_sees_nothing"]),
    ];
    for (flaw, expected) in cases {
        let report = run_provider_conformance(&harness(&Fake::new(*flaw))).await;
        println!("{flaw:?}: {report}");
        assert_eq!(failed(&report), *expected, "{flaw:?}:\n{report}");
        assert!(report.skipped.is_empty(), "{flaw:?}:\n{report}");
    }
}

#[tokio::test]
async fn the_report_never_prints_the_secret_it_found() {
    let report = run_provider_conformance(&harness(&Fake::new(Flaw::LeaksSecret))).await;
    let text = report.to_string();
    assert!(
        text.contains("secret #1 appears in Debug of the provider"),
        "{text}"
    );
    assert!(!text.contains(SECRET), "{text}");
    let harness_debug = format!("{:?}", harness(&Fake::new(Flaw::None)));
    assert!(!harness_debug.contains(SECRET), "{harness_debug}");
}

#[tokio::test]
async fn a_failure_can_be_armed_on_connection_status() {
    /// Connected, until the flag says the provider is down.
    #[derive(Debug)]
    struct Flaky {
        id: ProviderId,
        down: Arc<AtomicBool>,
    }

    #[async_trait]
    impl MeetingProvider for Flaky {
        fn id(&self) -> &ProviderId {
            &self.id
        }
        async fn create_meeting(&self, r: &ValidatedCreate) -> Result<CreatedMeeting> {
            Ok(
                CreatedMeeting::new(self.id.clone(), "room-1", r.time().to_meeting_time())
                    .with_conference_link("https://flaky.example.org/room-1")
                    .with_metadata(r.request().metadata.clone()),
            )
        }
        async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
            if self.down.swap(false, Ordering::SeqCst) {
                return Err(Error::new(ErrorCode::ProviderUnavailable, "down"));
            }
            Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone()))
        }
    }

    let down = Arc::new(AtomicBool::new(false));
    let flag = down.clone();
    let provider = Arc::new(Flaky {
        id: ProviderId::new("flaky"),
        down,
    });
    let h = ProviderHarness::new(provider, "org_1").with_failure(
        FailureCase::armed_by(ErrorKind::Unavailable, move || {
            flag.store(true, Ordering::SeqCst)
        })
        .on(FailingCall::ConnectionStatus),
    );
    let report = run_provider_conformance(&h).await;
    report.assert_ok();
    assert!(
        report.passed.contains(&"failure_has_neutral_kind"),
        "{report}"
    );
}

/// Makes rooms; nothing else, no promises.
#[derive(Debug)]
struct CreateOnly {
    id: ProviderId,
    guarantees: Guarantees,
}

#[async_trait]
impl MeetingProvider for CreateOnly {
    fn id(&self) -> &ProviderId {
        &self.id
    }
    fn guarantees(&self) -> Guarantees {
        self.guarantees
    }
    async fn create_meeting(&self, r: &ValidatedCreate) -> Result<CreatedMeeting> {
        Ok(
            CreatedMeeting::new(self.id.clone(), "room-1", r.time().to_meeting_time())
                .with_conference_link("https://rooms.example.org/room-1")
                .with_metadata(r.request().metadata.clone()),
        )
    }
    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone()))
    }
}

#[tokio::test]
async fn a_create_only_provider_passes_with_each_skip_and_its_reason() {
    let provider = Arc::new(CreateOnly {
        id: ProviderId::new("rooms"),
        guarantees: Guarantees::NONE,
    });
    let report = run_provider_conformance(&ProviderHarness::new(provider, "org_1")).await;
    println!("{report}");
    report.assert_ok();
    let skipped: Vec<(&str, &str)> = report
        .skipped
        .iter()
        .map(|(check, why)| (*check, why.as_str()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                "metadata_round_trip",
                "provider does not declare metadata_round_trip"
            ),
            (
                "idempotent_create",
                "provider does not declare idempotent_create"
            ),
            ("get_returns_created", "provider offers no get"),
            ("update_changes_title_and_time", "provider offers no update"),
            ("cancel_then_already_cancelled", "provider offers no cancel"),
            ("get_after_cancel_is_gone", "provider offers no cancel"),
            (
                "missing_meeting_is_not_found",
                "provider offers no get, update or cancel"
            ),
            (
                "other_tenant_sees_nothing",
                "no other tenant given (ProviderHarness::with_other_tenant)"
            ),
            (
                "failure_has_neutral_kind",
                "no failure case given (ProviderHarness::with_failure)"
            ),
            (
                "disconnected_tenant_is_not_connected",
                "no disconnected tenant given (ProviderHarness::with_disconnected_tenant)"
            ),
            (
                "debug_shows_no_secret",
                "no secrets given (ProviderHarness::with_secrets)"
            ),
        ]
    );
    assert!(report.passed.contains(&"unsupported_operations_refused"));
    assert!(report.passed.contains(&"client_routes_create"));
}

#[tokio::test]
async fn promises_a_provider_cannot_keep_fail() {
    // Metadata round trip declared without a get to read it back; idempotent create declared
    // by a provider that answers one meeting id for every create is caught by the second key.
    let provider = Arc::new(CreateOnly {
        id: ProviderId::new("rooms"),
        guarantees: Guarantees::NONE
            .with_metadata_round_trip(true)
            .with_idempotent_create(true),
    });
    let report = run_provider_conformance(&ProviderHarness::new(provider, "org_1")).await;
    assert_eq!(
        failed(&report),
        ["metadata_round_trip", "idempotent_create"],
        "{report}"
    );
    let text = report.to_string();
    assert!(text.contains("offers no get to read it back"), "{text}");
    assert!(
        text.contains("another idempotency key gave the same meeting"),
        "{text}"
    );
}
