//! The semver report on the drift fixtures (`tests/fixtures/drift/`, our
//! own text modelled on the page changes Vobiz made in 2026), each pair
//! generated on its own. `tests/drift.rs` holds the same pairs against
//! cargo-semver-checks.

use std::path::Path;

use vobiz_codegen::semver::{Level, compare};

fn spec(name: &str) -> openapiv3::OpenAPI {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/drift")
        .join(name);
    vobiz_codegen::load_spec(&file).unwrap()
}

fn report(before: &str, after: &str) -> vobiz_codegen::semver::Report {
    compare(Path::new("drift.yaml"), &spec(before), &spec(after)).unwrap()
}

#[test]
fn each_drift_is_classed_as_its_callers_feel_it() {
    for (before, after, level, says) in [
        (
            "number-v1.yaml",
            "number-v1.yaml",
            Level::Patch,
            "no change to the generated API\n",
        ),
        (
            "number-v1.yaml",
            "number-v2.yaml",
            Level::Patch,
            "doc text changed",
        ),
        (
            "cdr-v1.yaml",
            "cdr-v2.yaml",
            Level::Minor,
            "additive: added builder::ListDriftCdrs.hangup_cause (parameter): Option<String>",
        ),
        (
            "cdr-v2.yaml",
            "cdr-v3.yaml",
            Level::Minor,
            "additive: added types::ListDriftCdrsResponseDataItem.billed_duration: Option<i64>",
        ),
        (
            "conferences-v1.yaml",
            "conferences-v2.yaml",
            Level::Minor,
            "list-conferences:\n",
        ),
        (
            "number-v2.yaml",
            "number-v3.yaml",
            Level::Major,
            "breaking: removed builder::ListDriftNumbers.limit (parameter)",
        ),
        (
            "trunk-v1.yaml",
            "trunk-v2.yaml",
            Level::Major,
            "breaking: changed types::CreateDriftTrunkBody.name: String -> Option<String>",
        ),
        (
            "mute-v1.yaml",
            "mute-v2.yaml",
            Level::Major,
            "breaking: changed mute-drift-member success statuses: 200 -> 202",
        ),
        (
            "cdr-v1.yaml",
            "number-v1.yaml",
            Level::Major,
            "list-drift-cdrs:\n  breaking: removed operation list-drift-cdrs\nlist-drift-numbers:\n  additive: added operation list-drift-numbers\n",
        ),
    ] {
        let report = report(before, after);
        let text = report.render();
        assert_eq!(report.level(), level, "{before} -> {after}:\n{text}");
        assert!(
            text.contains(says),
            "{before} -> {after}: {says:?} not in\n{text}"
        );
        assert!(text.ends_with(&format!("semver: {level}\n")), "{text}");
    }
}
