//! Keyed creates through the client: one meeting per key, repeats answered from the record,
//! a reused key refused, concurrent repeats waiting for the first, crashed holders taken over.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use meetschedify_core::{
    ConnectionStatus, CreateMeetingRequest, CreatedMeeting, ErrorCode, GetMeeting,
    IdempotencyConfig, IdempotencyKey, IdempotencyStore, MeetSchedifyClient, MeetingContext,
    MeetingTime, MemoryIdempotencyStore, ProviderId, Result, TenantId, ValidatedCreate,
};

/// A provider that counts creates and reads, takes `delay` per create, and fails the first
/// `fail_first` creates.
#[derive(Debug)]
struct Counting {
    id: ProviderId,
    can_get: bool,
    delay: Duration,
    fail_first: usize,
    creates: AtomicUsize,
    reads: AtomicUsize,
}

impl Counting {
    fn new() -> Self {
        Self {
            id: ProviderId::new("counting"),
            can_get: true,
            delay: Duration::ZERO,
            fail_first: 0,
            creates: AtomicUsize::new(0),
            reads: AtomicUsize::new(0),
        }
    }

    fn creates(&self) -> usize {
        self.creates.load(Ordering::SeqCst)
    }

    fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl meetschedify_core::MeetingProvider for Counting {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    fn get(&self) -> Option<&dyn GetMeeting> {
        self.can_get.then_some(self as &dyn GetMeeting)
    }

    async fn create_meeting(&self, request: &ValidatedCreate) -> Result<CreatedMeeting> {
        let n = self.creates.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(self.delay).await;
        if n <= self.fail_first {
            return Err(meetschedify_core::Error::new(
                ErrorCode::NetworkError,
                "connection reset",
            ));
        }
        Ok(CreatedMeeting::new(
            self.id.clone(),
            format!("m-{n}"),
            request.time().to_meeting_time(),
        )
        .with_title(request.title())
        .with_conference_link(format!("https://example.com/j/{n}")))
    }

    async fn connection_status(&self, tenant: &TenantId) -> Result<ConnectionStatus> {
        Ok(ConnectionStatus::connected(self.id.clone(), tenant.clone()))
    }
}

#[async_trait]
impl GetMeeting for Counting {
    async fn get_meeting(&self, _ctx: &MeetingContext, id: &str) -> Result<CreatedMeeting> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        Ok(
            CreatedMeeting::new(self.id.clone(), id, MeetingTime::new("a", "b"))
                .with_title("read back"),
        )
    }
}

fn request(start: &str, end: &str) -> CreateMeetingRequest {
    CreateMeetingRequest::new(
        "org_1",
        ProviderId::new("counting"),
        "Check-up",
        MeetingTime::new(start, end).with_timezone("Europe/Paris"),
    )
    .with_idempotency_key("booking-42")
}

fn ten() -> CreateMeetingRequest {
    request("2027-03-01T10:00:00", "2027-03-01T10:30:00")
}

fn client(provider: &Arc<Counting>, store: Arc<dyn IdempotencyStore>) -> MeetSchedifyClient {
    MeetSchedifyClient::builder()
        .with_shared_provider(provider.clone())
        .with_idempotency_store(store)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_repeat_returns_the_same_meeting_with_one_read() {
    let provider = Arc::new(Counting::new());
    let client = client(&provider, Arc::new(MemoryIdempotencyStore::new()));
    let first = client.create_meeting(ten()).await.unwrap();
    let again = client.create_meeting(ten()).await.unwrap();
    assert_eq!(again.provider_event_id, first.provider_event_id);
    assert_eq!((provider.creates(), provider.reads()), (1, 1));
    // Another tenant's same key is another meeting.
    let mut other = ten();
    other.tenant_id = "org_2".into();
    let theirs = client.create_meeting(other).await.unwrap();
    assert_ne!(theirs.provider_event_id, first.provider_event_id);
    // No key, no record: every call creates.
    let mut unkeyed = ten();
    unkeyed.idempotency_key = None;
    client.create_meeting(unkeyed.clone()).await.unwrap();
    client.create_meeting(unkeyed).await.unwrap();
    assert_eq!(provider.creates(), 4);
}

#[tokio::test]
async fn a_key_reused_for_another_request_is_refused_and_nothing_is_sent() {
    let provider = Arc::new(Counting::new());
    let client = client(&provider, Arc::new(MemoryIdempotencyStore::new()));
    let first = client.create_meeting(ten()).await.unwrap();
    let three = request("2027-03-01T15:00:00", "2027-03-01T15:30:00");
    let err = client.create_meeting(three).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyKeyReused);
    assert!(!err.is_retryable());
    assert_eq!(err.field(), Some("idempotency_key"));
    assert!(err.message().contains("booking-42"), "{err}");
    let retitled = ten().with_description("changed");
    assert_eq!(
        client.create_meeting(retitled).await.unwrap_err().code(),
        ErrorCode::IdempotencyKeyReused
    );
    assert_eq!((provider.creates(), provider.reads()), (1, 0));
    // The original request still gets its meeting.
    let again = client.create_meeting(ten()).await.unwrap();
    assert_eq!(again.provider_event_id, first.provider_event_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_repeats_make_one_meeting_and_all_return_it() {
    let provider = Arc::new(Counting {
        delay: Duration::from_millis(200),
        ..Counting::new()
    });
    let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryIdempotencyStore::new());
    // Four clients sharing one store: as four instances would share a database.
    let clients: Vec<_> = (0..4).map(|_| client(&provider, store.clone())).collect();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let client = clients[i % 4].clone();
        tasks.push(tokio::spawn(
            async move { client.create_meeting(ten()).await },
        ));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().unwrap().provider_event_id);
    }
    assert_eq!(provider.creates(), 1);
    assert!(ids.iter().all(|id| id == "m-1"), "{ids:?}");
}

#[tokio::test]
async fn a_failed_create_frees_its_key_for_the_next_attempt() {
    let provider = Arc::new(Counting {
        fail_first: 1,
        ..Counting::new()
    });
    let client = client(&provider, Arc::new(MemoryIdempotencyStore::new()));
    let err = client.create_meeting(ten()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NetworkError);
    let made = client.create_meeting(ten()).await.unwrap();
    assert_eq!(made.provider_event_id, "m-2");
    assert_eq!(provider.creates(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_repeat_gives_up_waiting_with_a_retryable_error() {
    let provider = Arc::new(Counting {
        delay: Duration::from_secs(3600),
        ..Counting::new()
    });
    let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryIdempotencyStore::new());
    let slow = client(&provider, store.clone());
    let first = tokio::spawn(async move { slow.create_meeting(ten()).await });
    tokio::time::sleep(Duration::from_millis(10)).await;
    let waiting = MeetSchedifyClient::builder()
        .with_shared_provider(provider.clone())
        .with_idempotency_store(store)
        .with_idempotency_config(IdempotencyConfig::default().with_wait(Duration::from_secs(5)))
        .build()
        .unwrap();
    let err = waiting.create_meeting(ten()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::IdempotencyKeyInUse);
    assert!(err.is_retryable());
    // The first create renewed its 30-second lease all along: nobody took over.
    assert_eq!(provider.creates(), 1);
    first.abort();
}

#[tokio::test(start_paused = true)]
async fn a_crashed_holder_is_taken_over_after_its_lease() {
    let provider = Arc::new(Counting::new());
    let store: Arc<dyn IdempotencyStore> = Arc::new(MemoryIdempotencyStore::new());
    // A process claimed the key and died before recording anything.
    let fp = ValidatedCreate::new(ten(), &meetschedify_core::RequestLimits::DEFAULT)
        .unwrap()
        .fingerprint();
    let key = IdempotencyKey::new("org_1", "counting", "booking-42");
    let day = Duration::from_secs(86_400);
    store
        .claim(&key, &fp, "dead", Duration::from_secs(30), day)
        .await
        .unwrap();
    let client = client(&provider, store);
    let started = tokio::time::Instant::now();
    let made = client.create_meeting(ten()).await.unwrap();
    assert_eq!(
        (made.provider_event_id.as_str(), provider.creates()),
        ("m-1", 1)
    );
    // It waited for the dead holder's lease to lapse, and not much longer.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(30) && waited < Duration::from_secs(32),
        "{waited:?}"
    );
}

#[tokio::test]
async fn a_provider_that_cannot_read_gets_the_recorded_meeting_without_raw() {
    let provider = Arc::new(Counting {
        can_get: false,
        ..Counting::new()
    });
    let client = client(&provider, Arc::new(MemoryIdempotencyStore::new()));
    let first = client.create_meeting(ten()).await.unwrap();
    let again = client.create_meeting(ten()).await.unwrap();
    assert_eq!(again.provider_event_id, first.provider_event_id);
    assert_eq!(again.conference_link, first.conference_link);
    assert_eq!(again.title.as_deref(), Some("Check-up"));
    assert_eq!(again.raw, serde_json::Value::Null);
    assert_eq!((provider.creates(), provider.reads()), (1, 0));
}

#[test]
fn idempotency_config_is_checked_at_build() {
    let build = |config: IdempotencyConfig| {
        MeetSchedifyClient::builder()
            .with_idempotency_config(config)
            .build()
            .map(|_| ())
            .unwrap_err()
    };
    let err = build(IdempotencyConfig::default().with_lease(Duration::from_millis(10)));
    assert_eq!(
        (err.code(), err.field()),
        (ErrorCode::InvalidConfig, Some("idempotency.lease"))
    );
    let err = build(IdempotencyConfig::default().with_record_ttl(Duration::from_secs(5)));
    assert_eq!(err.field(), Some("idempotency.record_ttl"));
}
