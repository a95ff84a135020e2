//! The committed `docs/reproduction.md` is what `spikeforge reproduce` generates today.
//! `SPIKEFORGE_BLESS=1 cargo test -p spikeforge-golden --test reproduction_doc` rewrites it
//! (same text as `spikeforge reproduce`).

#[test]
fn committed_reproduction_document_is_up_to_date() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/reproduction.md");
    let fresh = spikeforge_golden::reproduce::document().unwrap();
    if std::env::var_os("SPIKEFORGE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).expect("docs/reproduction.md exists");
    assert!(
        committed == fresh,
        "docs/reproduction.md is stale: run `spikeforge reproduce`"
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
