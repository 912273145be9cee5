//! `cargo xtask codegen --check` as a test: generated docs must match the code.

#[test]
fn generated_docs_are_up_to_date() {
    let stale = xtask::codegen::run(&xtask::workspace_root(), true).unwrap();
    assert!(
        stale.is_empty(),
        "stale generated docs (run `cargo xtask codegen`): {stale:?}"
    );
}
