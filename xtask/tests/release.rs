//! The release dry run on the real workspace (without packaging, which `.ci/run` does).

use xtask::release::{dry_run, Bump};

#[test]
fn the_workspace_has_a_release_plan_with_core_first_and_the_cli_last() {
    let plan = dry_run(&xtask::workspace_root(), &Bump::Minor, false).unwrap();
    let crates: Vec<&str> = plan
        .lines()
        .filter_map(|l| l.trim().split_once(". "))
        .filter(|(n, _)| n.parse::<u32>().is_ok())
        .map(|(_, name)| name.trim())
        .filter(|name| name.starts_with("meetschedify"))
        .collect();
    assert_eq!(crates.first(), Some(&"meetschedify-core"), "{plan}");
    assert_eq!(crates.last(), Some(&"meetschedify-cli"), "{plan}");
    let facade = crates.iter().position(|c| *c == "meetschedify").unwrap();
    for provider in [
        "meetschedify-zoom",
        "meetschedify-google",
        "meetschedify-google-static",
    ] {
        let at = crates.iter().position(|c| *c == provider).unwrap();
        assert!(
            at < facade,
            "{provider} must be published before the facade:\n{plan}"
        );
    }
    // Examples, the bench and xtask are never published.
    assert!(
        !plan.contains("example-") && !plan.contains("xtask"),
        "{plan}"
    );
    assert!(plan.contains("## [Unreleased]"), "{plan}");
}
