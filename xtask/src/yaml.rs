//! Reading and writing the vendored spec's YAML: the one place its style is
//! decided.
//!
//! `yaml_serde` (the YAML organisation's maintained continuation of
//! `serde_yaml`) parses, and gives the ordered `Value` the merge works on.
//! `serde-saphyr` writes, because it can write the way Vobiz's own blocks
//! read: lists indented under their key, long text folded (`>-`) and
//! multi-line text as literal blocks (`|`), never one-line quoted strings.
//! Writing is deterministic and a fixed point (writing what was read back
//! gives the same bytes), so importing one more operation changes only that
//! operation's lines.

use yaml_serde::Value;

/// Parses YAML (or JSON, which is YAML) into a value.
pub fn parse(text: &str) -> Result<Value, String> {
    yaml_serde::from_str(text).map_err(|e| e.to_string())
}

/// Writes `value` in the vendored spec's style, and refuses to return text
/// that would not read back as exactly `value`.
pub fn emit(value: &Value) -> Result<String, String> {
    let options = serde_saphyr::ser_options! {
        indent_step: 2,
        compact_list_indent: false,
        prefer_block_scalars: true,
    };
    let text = serde_saphyr::to_string_with_options(value, options).map_err(|e| e.to_string())?;
    match parse(&text) {
        Ok(back) if back == *value => Ok(text),
        Ok(_) => Err("the YAML writer changed a value; nothing was written".to_owned()),
        Err(e) => Err(format!(
            "the YAML writer produced unreadable text ({e}); nothing was written"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_like_vobiz_blocks() {
        let doc = parse(
            "a:\n- x\n- z\nlong: \"Remove one or more participants from a conference while allowing their XML flow to continue.\"\nlines: \"one, \\ntwo\\n\"\ncode: '200'\n",
        )
        .unwrap();
        let text = emit(&doc).unwrap();
        assert!(text.contains("a:\n  - x\n  - z\n"), "{text}");
        assert!(text.contains("long: >-\n  Remove one"), "{text}");
        assert!(text.contains("lines: |\n  one, \n  two\n"), "{text}");
        assert!(
            !text.contains("code: 200"),
            "a string must stay a string: {text}"
        );
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<String>().prop_map(Value::from),
            "[ -~\\n]{0,300}".prop_map(Value::from),
            proptest::collection::vec("[a-z]{1,12}", 1..30).prop_map(|w| Value::from(w.join(" "))),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            Just(Value::Null),
        ]
    }

    fn tree() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(3, 40, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Sequence),
                proptest::collection::vec(("[a-zA-Z0-9_{}/$ -]{1,20}", inner), 0..5).prop_map(
                    |entries| {
                        Value::Mapping(
                            entries
                                .into_iter()
                                .map(|(k, v)| (Value::from(k), v))
                                .collect(),
                        )
                    }
                ),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Whatever a docs page holds, writing it keeps every value and
        /// writing it again changes no byte.
        #[test]
        fn emit_round_trips_and_is_a_fixed_point(value in tree()) {
            let text = emit(&value).map_err(TestCaseError::fail)?;
            let again = emit(&parse(&text).map_err(TestCaseError::fail)?).map_err(TestCaseError::fail)?;
            prop_assert_eq!(text, again);
        }
    }
}
