//! [`TeamsAppMode`]: what a meeting of the app-only provider is at Microsoft.

use std::fmt;
use std::str::FromStr;

use meetschedify_core::Error;

/// What the app-only provider makes for each meeting (`MICROSOFT_TEAMS_MODE`).
///
/// | mode | `MICROSOFT_TEAMS_MODE` | what Graph holds | permission |
/// |---|---|---|---|
/// | [`CalendarEvents`](Self::CalendarEvents) (default) | `events` | an event with a Teams meeting on the organizer's calendar; attendees get Outlook invitations | `Calendars.ReadWrite` |
/// | [`OnlineMeetings`](Self::OnlineMeetings) | `online-meetings` | a standalone Teams meeting (`onlineMeetings/createOrGet`), on no calendar; nobody is emailed | `OnlineMeetings.ReadWrite.All` and a Teams application access policy for the organizer |
///
/// ```
/// use meetschedify_teams::TeamsAppMode;
///
/// assert_eq!(TeamsAppMode::default(), TeamsAppMode::CalendarEvents);
/// let mode: TeamsAppMode = "online-meetings".parse()?;
/// assert_eq!(mode, TeamsAppMode::OnlineMeetings);
/// assert_eq!(mode.to_string(), "online-meetings");
/// assert!("calendar".parse::<TeamsAppMode>().is_err());
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TeamsAppMode {
    /// Calendar events with a Teams meeting on the organizer's Outlook calendar (`events`).
    #[default]
    CalendarEvents,
    /// Standalone Teams online meetings created with `createOrGet` (`online-meetings`).
    OnlineMeetings,
}

impl TeamsAppMode {
    /// Every mode, in the order the accepted values are listed in errors.
    pub const ALL: [TeamsAppMode; 2] = [Self::CalendarEvents, Self::OnlineMeetings];

    /// The mode's name in `MICROSOFT_TEAMS_MODE`: `events` or `online-meetings`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CalendarEvents => "events",
            Self::OnlineMeetings => "online-meetings",
        }
    }
}

impl fmt::Display for TeamsAppMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TeamsAppMode {
    type Err = Error;

    /// Reads `events` or `online-meetings` (surrounding spaces and letter case ignored); anything
    /// else is `INVALID_CONFIG` on the field `mode`, listing the accepted values.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim();
        Self::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                let accepted: Vec<String> = Self::ALL.iter().map(|m| format!("`{m}`")).collect();
                Error::invalid_config(
                    "mode",
                    format!(
                        "the teams mode must be {}, not `{wanted}`",
                        accepted.join(" or ")
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use meetschedify_core::ErrorCode;

    use super::*;

    #[test]
    fn names_round_trip() {
        for mode in TeamsAppMode::ALL {
            assert_eq!(mode.to_string().parse::<TeamsAppMode>().unwrap(), mode);
        }
        assert_eq!(
            " Online-Meetings ".parse::<TeamsAppMode>().unwrap(),
            TeamsAppMode::OnlineMeetings
        );
    }

    #[test]
    fn unknown_names_list_the_accepted_ones() {
        let err = "online".parse::<TeamsAppMode>().unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig);
        assert_eq!(err.field(), Some("mode"));
        assert_eq!(
            err.message(),
            "the teams mode must be `events` or `online-meetings`, not `online`"
        );
    }
}
