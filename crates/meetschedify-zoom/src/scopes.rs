//! The OAuth scopes the provider's calls need, to tell an operator which ones an app lacks.
//!
//! Each need is met by any one of its scopes: the classic pair the spec lists for the endpoint
//! (`security[].openapi_oauth` in Zoom's Meeting API spec), or Zoom's granular scope for the same
//! action (apps created since 2024 get those; they postdate the vendored 2023 spec). The first
//! scope of each need, the account-level one a Server-to-Server app takes, is the one reported.

/// One need: what needs it, and the scopes that each meet it.
struct Need {
    any_of: &'static [&'static str],
}

const NEEDS: &[Need] = &[
    // POST /users/{userId}/meetings
    Need {
        any_of: &[
            "meeting:write:admin",
            "meeting:write",
            "meeting:write:meeting:admin",
            "meeting:write:meeting",
        ],
    },
    // GET /meetings/{meetingId}
    Need {
        any_of: &[
            "meeting:read:admin",
            "meeting:read",
            "meeting:read:meeting:admin",
            "meeting:read:meeting",
        ],
    },
    // PATCH /meetings/{meetingId}
    Need {
        any_of: &[
            "meeting:write:admin",
            "meeting:write",
            "meeting:update:meeting:admin",
            "meeting:update:meeting",
        ],
    },
    // DELETE /meetings/{meetingId}
    Need {
        any_of: &[
            "meeting:write:admin",
            "meeting:write",
            "meeting:delete:meeting:admin",
            "meeting:delete:meeting",
        ],
    },
];

/// The scopes to add so that every call the provider makes is allowed (empty when none).
pub(crate) fn missing(granted: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for need in NEEDS {
        let met = need.any_of.iter().any(|s| granted.iter().any(|g| g == s));
        let name = need.any_of[0];
        if !met && !out.iter().any(|o| o == name) {
            out.push(name.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::missing;

    fn owned(scopes: &[&str]) -> Vec<String> {
        scopes.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn any_scope_of_a_need_meets_it() {
        assert!(missing(&owned(&["meeting:read:admin", "meeting:write:admin"])).is_empty());
        assert!(missing(&owned(&["meeting:read", "meeting:write"])).is_empty());
        let granular = [
            "meeting:read:meeting:admin",
            "meeting:write:meeting:admin",
            "meeting:update:meeting:admin",
            "meeting:delete:meeting:admin",
        ];
        assert!(missing(&owned(&granular)).is_empty());
    }

    #[test]
    fn each_missing_scope_is_named_once() {
        assert_eq!(
            missing(&owned(&["meeting:read:admin"])),
            ["meeting:write:admin"]
        );
        assert_eq!(
            missing(&owned(&["user:read:admin"])),
            ["meeting:write:admin", "meeting:read:admin"]
        );
        assert_eq!(
            missing(&owned(&[
                "meeting:read:admin",
                "meeting:write:meeting:admin"
            ])),
            ["meeting:write:admin"],
            "granular create alone leaves update and delete unmet"
        );
    }
}
