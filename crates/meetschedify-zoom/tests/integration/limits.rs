//! Answers meant to exhaust memory, each shown to fail (docs/security.md, threat model).

use meetschedify_core::{ErrorCode, GetMeeting, MeetingContext};
use meetschedify_emulator::FaultRule;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::{builder, client, emulator, request, sent, status_with};

/// 20 MiB: far over both limits, small enough that the emulator can hold it.
const HUGE: usize = 20 * 1024 * 1024;

#[tokio::test]
async fn a_20_mib_api_answer_is_a_provider_error() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once(
        "GET",
        "/v2/meetings/*",
        status_with(
            200,
            "x".repeat(HUGE),
            &[("content-type", "application/json")],
        ),
    ));
    let zoom = builder(&emu).build().unwrap();
    let err = zoom
        .get_meeting(&MeetingContext::new("t"), "12345678901")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError, "{err}");
    assert!(!err.is_retryable());
    assert!(err.message().contains("1048576-byte limit"), "{err}");
    assert_eq!(sent(&emu, "GET", "/meetings/").len(), 1, "not retried");
}

#[tokio::test]
async fn a_20_mib_token_answer_is_a_provider_error() {
    let emu = emulator().await;
    emu.inject_fault(FaultRule::once(
        "POST",
        "/oauth/token",
        status_with(
            200,
            "x".repeat(HUGE),
            &[("content-type", "application/json")],
        ),
    ));
    let err = client(builder(&emu).build().unwrap())
        .create_meeting(request("x"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError, "{err}");
    assert!(!err.is_retryable());
    assert!(err.message().contains("65536-byte limit"), "{err}");
    assert_eq!(emu.zoom_token_requests(), 1, "not retried");
}

/// Without a `Content-Length` the answer is cut off as it arrives: the server below streams
/// 20 MiB in chunks, and the client stops reading (and holds at most the limit) long before.
#[tokio::test]
async fn a_streamed_answer_without_length_is_cut_off_at_the_limit() {
    let emu = emulator().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await.unwrap();
        socket
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent_bytes = 0;
        while sent_bytes < HUGE {
            let head = format!("{:x}\r\n", chunk.len());
            let ok = socket.write_all(head.as_bytes()).await.is_ok()
                && socket.write_all(&chunk).await.is_ok()
                && socket.write_all(b"\r\n").await.is_ok();
            if !ok {
                break; // the client hung up: what we want
            }
            sent_bytes += chunk.len();
        }
        sent_bytes
    });
    let zoom = builder(&emu)
        .with_api_base(format!("http://{addr}/v2"))
        .with_max_response_bytes(256 * 1024)
        .build()
        .unwrap();
    let err = zoom
        .get_meeting(&MeetingContext::new("t"), "12345678901")
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::ProviderError, "{err}");
    assert!(err.message().contains("262144-byte limit"), "{err}");
    let sent_bytes = server.await.unwrap();
    assert!(sent_bytes < HUGE, "the client read all {sent_bytes} bytes");
}
