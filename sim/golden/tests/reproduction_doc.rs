//! The committed `docs/reproduction.md` is what `spikeforge reproduce` generates today.

#[test]
fn committed_reproduction_document_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reproduction.md");
    let committed = std::fs::read_to_string(&path).expect("docs/reproduction.md exists");
    let fresh = spikeforge_golden::reproduce::document().unwrap();
    assert!(
        committed == fresh,
        "docs/reproduction.md is stale: run `cargo run -- reproduce`"
    );
    for figure in [
        "62.5%",
        "75.1%",
        "1.38×",
        "2.41×",
        "10.4×",
        "2.54×",
        "528,384",
        "33,554,432",
    ] {
        assert!(fresh.contains(figure), "the document must cite {figure}");
    }
}
