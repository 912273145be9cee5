//! Meeting settings applied to every meeting a provider creates, and named presets.
//!
//! Field meanings follow Zoom's `meetingCreate` request schema
//! (<https://developers.zoom.us/docs/api/meetings/#tag/meetings/POST/users/{userId}/meetings>).
//! A field left `None` is not sent, so the Zoom account's own default applies.

use std::fmt;
use std::str::FromStr;

use meetschedify_core::{Error, Result};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// How participants join the audio (`settings.audio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AudioType {
    /// Telephone and computer audio (`both`, Zoom's default).
    #[serde(rename = "both")]
    Both,
    /// Telephone only (`telephony`).
    #[serde(rename = "telephony")]
    Telephony,
    /// Computer audio only (`voip`).
    #[serde(rename = "voip")]
    Voip,
    /// A third-party audio conference (`thirdParty`).
    #[serde(rename = "thirdParty")]
    ThirdParty,
}

/// Automatic recording (`settings.auto_recording`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AutoRecording {
    /// Record on the host's computer.
    Local,
    /// Record to the Zoom cloud.
    Cloud,
    /// Do not record (Zoom's default).
    None,
}

/// Meeting encryption (`settings.encryption_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EncryptionType {
    /// Keys held in Zoom's cloud (`enhanced_encryption`).
    EnhancedEncryption,
    /// End-to-end encryption (`e2ee`); disables cloud recording, dial-in and more.
    E2ee,
}

/// Settings sent with every meeting a provider creates; each request can override them through
/// `provider_options` (see the crate docs).
///
/// ```
/// use meetschedify_zoom::MeetingDefaults;
///
/// let defaults = MeetingDefaults::new().with_waiting_room(true).with_host_video(true);
/// let settings = defaults.to_settings();
/// assert_eq!(settings["waiting_room"], true);
/// assert!(!settings.contains_key("mute_upon_entry"), "unset fields are not sent");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MeetingDefaults {
    /// Start with the host's video on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_video: Option<bool>,
    /// Start with participants' video on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_video: Option<bool>,
    /// Let participants in before the host (Zoom turns it off when the waiting room is on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub join_before_host: Option<bool>,
    /// How many minutes before the start participants may join before the host: 0 (any time),
    /// 5 or 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jbh_time: Option<u8>,
    /// Mute participants when they join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute_upon_entry: Option<bool>,
    /// Hold participants in a waiting room until the host admits them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting_room: Option<bool>,
    /// Add a watermark when someone shares their screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    /// Only signed-in Zoom users may join.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_authentication: Option<bool>,
    /// Hide the meeting from other users of the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_meeting: Option<bool>,
    /// Start in focus mode (participants see only the host's video).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus_mode: Option<bool>,
    /// Email alternative hosts and users with scheduling privileges about the meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_notification: Option<bool>,
    /// How participants join the audio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<AudioType>,
    /// Automatic recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_recording: Option<AutoRecording>,
    /// Encryption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_type: Option<EncryptionType>,
    /// Emails of alternative hosts (users of the same account).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_hosts: Vec<String>,
}

impl MeetingDefaults {
    /// No settings: every meeting gets the Zoom account's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Healthcare (HIPAA-aligned consultations): the clinician admits each patient from a
    /// waiting room, nobody enters early, the clinician's camera is on.
    pub fn healthcare() -> Self {
        Self::new()
            .with_waiting_room(true)
            .with_join_before_host(false)
            .with_mute_upon_entry(false)
            .with_host_video(true)
            .with_participant_video(false)
    }

    /// Education (online classroom): students are muted on entry and may gather before the
    /// teacher arrives.
    pub fn education() -> Self {
        Self::new()
            .with_mute_upon_entry(true)
            .with_join_before_host(true)
            .with_waiting_room(false)
            .with_host_video(true)
            .with_participant_video(false)
    }

    /// Recruiting (technical interviews): both cameras on, the interviewer starts the session
    /// from a waiting room.
    pub fn recruiting() -> Self {
        Self::new()
            .with_host_video(true)
            .with_participant_video(true)
            .with_waiting_room(true)
            .with_join_before_host(false)
    }

    /// Sets `host_video`.
    pub fn with_host_video(mut self, on: bool) -> Self {
        self.host_video = Some(on);
        self
    }

    /// Sets `participant_video`.
    pub fn with_participant_video(mut self, on: bool) -> Self {
        self.participant_video = Some(on);
        self
    }

    /// Sets `join_before_host`.
    pub fn with_join_before_host(mut self, on: bool) -> Self {
        self.join_before_host = Some(on);
        self
    }

    /// Sets `jbh_time` (0, 5 or 10 minutes; checked when the provider is built).
    pub fn with_jbh_time(mut self, minutes: u8) -> Self {
        self.jbh_time = Some(minutes);
        self
    }

    /// Sets `mute_upon_entry`.
    pub fn with_mute_upon_entry(mut self, on: bool) -> Self {
        self.mute_upon_entry = Some(on);
        self
    }

    /// Sets `waiting_room`.
    pub fn with_waiting_room(mut self, on: bool) -> Self {
        self.waiting_room = Some(on);
        self
    }

    /// Sets `watermark`.
    pub fn with_watermark(mut self, on: bool) -> Self {
        self.watermark = Some(on);
        self
    }

    /// Sets `meeting_authentication`.
    pub fn with_meeting_authentication(mut self, on: bool) -> Self {
        self.meeting_authentication = Some(on);
        self
    }

    /// Sets `private_meeting`.
    pub fn with_private_meeting(mut self, on: bool) -> Self {
        self.private_meeting = Some(on);
        self
    }

    /// Sets `focus_mode`.
    pub fn with_focus_mode(mut self, on: bool) -> Self {
        self.focus_mode = Some(on);
        self
    }

    /// Sets `email_notification`.
    pub fn with_email_notification(mut self, on: bool) -> Self {
        self.email_notification = Some(on);
        self
    }

    /// Sets `audio`.
    pub fn with_audio(mut self, audio: AudioType) -> Self {
        self.audio = Some(audio);
        self
    }

    /// Sets `auto_recording`.
    pub fn with_auto_recording(mut self, recording: AutoRecording) -> Self {
        self.auto_recording = Some(recording);
        self
    }

    /// Sets `encryption_type`.
    pub fn with_encryption_type(mut self, encryption: EncryptionType) -> Self {
        self.encryption_type = Some(encryption);
        self
    }

    /// Sets the alternative hosts' emails.
    pub fn with_alternative_hosts(mut self, emails: Vec<String>) -> Self {
        self.alternative_hosts = emails;
        self
    }

    /// Checks the values Zoom would reject; the error names the field.
    pub fn validate(&self) -> Result<()> {
        if let Some(minutes) = self.jbh_time {
            if ![0, 5, 10].contains(&minutes) {
                return Err(Error::invalid_config(
                    "meeting_defaults.jbh_time",
                    format!("jbh_time must be 0, 5 or 10 minutes, not {minutes}"),
                ));
            }
        }
        for (i, email) in self.alternative_hosts.iter().enumerate() {
            let email = email.trim();
            if email.is_empty() || !email.contains('@') || email.contains(';') {
                return Err(Error::invalid_config(
                    format!("meeting_defaults.alternative_hosts[{i}]"),
                    format!("`{email}` is not an email address"),
                ));
            }
        }
        Ok(())
    }

    /// The Zoom `settings` object these defaults stand for (unset fields left out).
    pub fn to_settings(&self) -> Map<String, Value> {
        let mut map = match serde_json::to_value(self) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        // Zoom wants one semicolon-separated string, not a list.
        if let Some(Value::Array(hosts)) = map.remove("alternative_hosts") {
            let joined: Vec<&str> = hosts.iter().filter_map(Value::as_str).collect();
            map.insert("alternative_hosts".into(), Value::from(joined.join(";")));
        }
        map
    }
}

/// The documented use cases, by name (for configuration files and the CLI's `--preset`).
///
/// ```
/// use meetschedify_zoom::{MeetingDefaults, Preset};
///
/// let preset: Preset = "healthcare".parse()?;
/// assert_eq!(preset.defaults(), MeetingDefaults::healthcare());
/// assert_eq!(preset.to_string(), "healthcare");
/// # Ok::<(), meetschedify_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Preset {
    /// [`MeetingDefaults::healthcare`].
    Healthcare,
    /// [`MeetingDefaults::education`].
    Education,
    /// [`MeetingDefaults::recruiting`].
    Recruiting,
}

impl Preset {
    /// Every preset.
    pub const ALL: &'static [Preset] = &[Preset::Healthcare, Preset::Education, Preset::Recruiting];

    /// The preset's name: `healthcare`, `education` or `recruiting`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Preset::Healthcare => "healthcare",
            Preset::Education => "education",
            Preset::Recruiting => "recruiting",
        }
    }

    /// The settings the preset stands for.
    pub fn defaults(self) -> MeetingDefaults {
        match self {
            Preset::Healthcare => MeetingDefaults::healthcare(),
            Preset::Education => MeetingDefaults::education(),
            Preset::Recruiting => MeetingDefaults::recruiting(),
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Preset {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Preset::ALL
            .iter()
            .copied()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                Error::invalid_config(
                    "preset",
                    format!("unknown preset `{s}`: use healthcare, education or recruiting"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_match_the_documented_use_cases() {
        let h = MeetingDefaults::healthcare().to_settings();
        assert_eq!(h["waiting_room"], true);
        assert_eq!(h["join_before_host"], false);
        let e = MeetingDefaults::education().to_settings();
        assert_eq!(e["mute_upon_entry"], true);
        assert_eq!(e["join_before_host"], true);
        let r = MeetingDefaults::recruiting().to_settings();
        assert_eq!(r["host_video"], true);
        assert_eq!(r["participant_video"], true);
        assert_eq!(r["waiting_room"], true);
        assert!(MeetingDefaults::new().to_settings().is_empty());
    }

    #[test]
    fn enums_use_zoom_spelling_and_hosts_are_joined() {
        let s = MeetingDefaults::new()
            .with_audio(AudioType::ThirdParty)
            .with_auto_recording(AutoRecording::Cloud)
            .with_encryption_type(EncryptionType::EnhancedEncryption)
            .with_alternative_hosts(vec!["a@example.com".into(), "b@example.com".into()])
            .to_settings();
        assert_eq!(s["audio"], "thirdParty");
        assert_eq!(s["auto_recording"], "cloud");
        assert_eq!(s["encryption_type"], "enhanced_encryption");
        assert_eq!(s["alternative_hosts"], "a@example.com;b@example.com");
    }

    #[test]
    fn validate_names_the_bad_field() {
        let err = MeetingDefaults::new()
            .with_jbh_time(7)
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("meeting_defaults.jbh_time"));
        let err = MeetingDefaults::new()
            .with_alternative_hosts(vec!["nope".into()])
            .validate()
            .unwrap_err();
        assert_eq!(err.field(), Some("meeting_defaults.alternative_hosts[0]"));
        MeetingDefaults::new().with_jbh_time(10).validate().unwrap();
    }

    #[test]
    fn presets_parse_by_name() {
        for p in Preset::ALL {
            assert_eq!(p.as_str().parse::<Preset>().unwrap(), *p);
        }
        assert_eq!("Education".parse::<Preset>().unwrap(), Preset::Education);
        assert_eq!(
            "legal".parse::<Preset>().unwrap_err().field(),
            Some("preset")
        );
    }
}
