//! `schedule`, `get`, `update`, `cancel` and `status`: thin shells over the client.

use meetschedify::{
    CreateMeetingRequest, Error, MeetSchedifyClient, MeetingContext, MeetingTime, ProviderId,
    TenantId, UpdateMeetingRequest,
};

use crate::args::{CancelArgs, MeetingRef, ScheduleArgs, StatusArgs, UpdateArgs};
use crate::output::{self, Format};
use crate::parse;

/// Builds the create request from the flags (no I/O).
pub fn create_request(args: &ScheduleArgs) -> Result<CreateMeetingRequest, Error> {
    let time = MeetingTime::new(&args.start, &args.end).with_timezone(&args.timezone);
    let mut request = CreateMeetingRequest::new(
        args.tenant.as_str(),
        ProviderId::from(args.provider.clone()),
        &args.title,
        time,
    )
    .with_conference_link(!args.no_conference)
    .with_metadata(parse::metadata(&args.metadata)?);
    if let Some(d) = &args.description {
        request = request.with_description(d);
    }
    let mut participants = args.participants.iter().map(|p| parse::participant(p));
    if let Some(primary) = participants.next() {
        request = request.with_primary_participant(primary);
    }
    for p in participants {
        request = request.with_participant(p);
    }
    if let Some(key) = &args.idempotency_key {
        request = request.with_idempotency_key(key);
    }
    Ok(request)
}

/// `meetschedify schedule`.
pub async fn schedule(
    client: &MeetSchedifyClient,
    args: &ScheduleArgs,
    format: Format,
) -> Result<(), Error> {
    let meeting = client.create_meeting(create_request(args)?).await?;
    output::meeting(format, &meeting);
    Ok(())
}

/// `meetschedify get`.
pub async fn get(
    client: &MeetSchedifyClient,
    args: &MeetingRef,
    format: Format,
) -> Result<(), Error> {
    let ctx = MeetingContext::new(args.tenant.as_str());
    let meeting = client
        .get_meeting(&ProviderId::from(args.provider.clone()), &ctx, &args.id)
        .await?;
    output::meeting(format, &meeting);
    Ok(())
}

/// Builds the update request from the flags (no I/O).
pub fn update_request(args: &UpdateArgs) -> UpdateMeetingRequest {
    let mut update = UpdateMeetingRequest::new();
    if let Some(t) = &args.title {
        update = update.with_title(t);
    }
    if let Some(d) = &args.description {
        update = update.with_description(d);
    }
    if let (Some(start), Some(end)) = (&args.start, &args.end) {
        update = update.with_time(MeetingTime::new(start, end).with_timezone(&args.timezone));
    }
    if !args.participants.is_empty() {
        update = update.with_participants(
            args.participants
                .iter()
                .map(|p| parse::participant(p))
                .collect(),
        );
    }
    if args.allow_host_change {
        update = update.with_allow_host_change(true);
    }
    update
}

/// `meetschedify update`.
pub async fn update(
    client: &MeetSchedifyClient,
    args: &UpdateArgs,
    format: Format,
) -> Result<(), Error> {
    let provider = ProviderId::from(args.meeting.provider.clone());
    let ctx = MeetingContext::new(args.meeting.tenant.as_str());
    let updated = client
        .update_meeting(&provider, &ctx, &args.meeting.id, update_request(args))
        .await?;
    output::updated(format, &updated);
    Ok(())
}

/// `meetschedify cancel`.
pub async fn cancel(
    client: &MeetSchedifyClient,
    args: &CancelArgs,
    format: Format,
) -> Result<(), Error> {
    let provider = ProviderId::from(args.meeting.provider.clone());
    let mut ctx = MeetingContext::new(args.meeting.tenant.as_str());
    if args.no_notify {
        ctx = ctx.with_notify_participants(false);
    }
    let outcome = client
        .cancel_meeting(&provider, &ctx, &args.meeting.id)
        .await?;
    output::cancelled(format, provider.as_str(), &args.meeting.id, outcome);
    Ok(())
}

/// `meetschedify status`.
pub async fn status(
    client: &MeetSchedifyClient,
    args: &StatusArgs,
    format: Format,
) -> Result<(), Error> {
    let tenant = TenantId::new(args.tenant.as_str());
    let providers = match &args.provider {
        Some(p) => vec![ProviderId::from(p.clone())],
        None => client.list_providers(),
    };
    for provider in providers {
        let status = client.connection_status(&provider, &tenant).await?;
        output::status(format, &status);
    }
    Ok(())
}
