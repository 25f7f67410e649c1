//! Reading the OpenAPI document out of a Vobiz docs page.

use yaml_serde::Value;

/// The OpenAPI document in `text`: the file itself if it is YAML or JSON,
/// or else the last fenced ```yaml / ```json block of a markdown page that
/// holds one (Vobiz pages end with it).
pub fn openapi_document(name: &str, text: &str) -> Result<Value, String> {
    if let Ok(doc) = crate::yaml::parse(text)
        && doc.get("openapi").is_some()
    {
        return Ok(doc);
    }
    fenced_blocks(text)
        .into_iter()
        .rev()
        .filter_map(|block| crate::yaml::parse(&block).ok())
        .find(|doc| doc.get("openapi").is_some())
        .ok_or_else(|| {
            format!(
                "{name}: no OpenAPI document found (neither the file nor a fenced yaml/json block)"
            )
        })
}

/// The bodies of fenced code blocks whose info string starts with yaml or
/// json; fences of three or more backticks, closed by at least as many.
fn fenced_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    // The open fence's length, and the block's body if it is one we want
    // (`None`: read through to its end, keep nothing).
    let mut open: Option<(usize, Option<String>)> = None;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let ticks = trimmed.len() - trimmed.trim_start_matches('`').len();
        match &mut open {
            None if ticks >= 3 => {
                let info = trimmed[ticks..].trim_start().to_ascii_lowercase();
                let wanted =
                    info.starts_with("yaml") || info.starts_with("yml") || info.starts_with("json");
                open = Some((ticks, wanted.then(String::new)));
            }
            Some((fence, body))
                if ticks >= *fence && trimmed.trim_start_matches('`').is_empty() =>
            {
                blocks.extend(body.take());
                open = None;
            }
            Some((_, Some(body))) => body.push_str(line),
            Some((_, None)) | None => {}
        }
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_the_last_openapi_block_of_a_page() {
        let page = "# Title\n\n```json\n{}\n```\n\n```bash\ncurl x\n```\n\n````yaml GET /x\nopenapi: 3.0.3\npaths: {}\n````\n";
        let doc = openapi_document("p.md", page).unwrap();
        assert_eq!(doc["openapi"], "3.0.3");
    }

    #[test]
    fn reads_plain_yaml_and_json() {
        let yaml = openapi_document("a.yaml", "openapi: 3.0.0\npaths: {}\n").unwrap();
        assert_eq!(yaml["openapi"], "3.0.0");
        let json = openapi_document("a.json", r#"{"openapi": "3.0.1", "paths": {}}"#).unwrap();
        assert_eq!(json["openapi"], "3.0.1");
        let err = openapi_document("n.md", "# nothing here\n").unwrap_err();
        assert!(err.starts_with("n.md: no OpenAPI document"), "{err}");
    }

    #[test]
    fn reads_the_vendored_docs_page_shape() {
        let page = "intro\n\n## OpenAPI\n\n````yaml DELETE /api/v1/x/\nopenapi: 3.0.3\ninfo: {title: T, version: '1'}\npaths: {}\n\n````";
        assert_eq!(
            openapi_document("p.md", page).unwrap()["info"]["title"],
            "T"
        );
    }
}
