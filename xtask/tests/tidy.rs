//! `cargo xtask tidy` as a test, so conventions are checked on every `cargo test`.

#[test]
fn workspace_is_tidy() {
    let problems = xtask::tidy::check(&xtask::workspace_root());
    assert!(
        problems.is_empty(),
        "tidy found problems:\n{}",
        problems.join("\n")
    );
}
