//! Promise: a docs page's prose is shown, never run. Whatever a
//! description holds (a fenced Rust block, an indented `curl` example, HTML,
//! a `[link]`), the generated code's docs hold no block rustdoc would
//! compile as a doctest, no raw HTML and no link it would resolve.

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag};

const HOSTILE: &str = r#"
openapi: 3.0.3
info:
  title: T
  version: '1'
  description: "Client docs.\n\n```\nstd::process::exit(1);\n```\n"
paths:
  /a/{id}/:
    delete:
      operationId: delete-thing
      summary: "Ends <b>it</b> [now]"
      description: "Ends a thing.\n\n```rust\nstd::fs::write(\"/tmp/vobiz-pwned\", \"\").unwrap();\n```\n\nExample:\n\n    curl -X DELETE https://api.vobiz.ai/a/1/\n\n> ```\n> quoted();\n> ```\n\n<script>alert(1)</script> See [Client] and [x](crate::hooks).\n"
      parameters:
        - name: id
          in: path
          required: true
          description: "```\nparam();\n```"
          schema: {type: string}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                description: "    indented();\n"
                properties:
                  name: {type: string, description: "```rust\nfield();\n```"}
"#;

#[test]
fn a_docs_page_never_becomes_a_doctest_html_or_a_link() {
    let file = Path::new("hostile.yaml");
    let spec = vobiz_codegen::parse_spec(file, HOSTILE).unwrap();
    let code = vobiz_codegen::generate(file, &spec).unwrap();
    let ast = syn::parse_file(&code).unwrap();
    let docs = vobiz_codegen::doc_blocks(&ast);
    let joined = docs.join("\n----\n");
    // The prose is still there, as text.
    for shown in [
        "std::fs::write",
        "curl -X DELETE",
        "quoted();",
        "field();",
        "indented();",
    ] {
        assert!(joined.contains(shown), "{shown} is gone: {joined}");
    }
    for text in &docs {
        let options = Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES;
        let mut broken = Vec::new();
        let mut callback = |link: pulldown_cmark::BrokenLink<'_>| {
            broken.push(link.reference.to_string());
            None
        };
        // progenitor's own usage example is an `ignore` block (shown, never
        // compiled); every block from a page must be `text`.
        let mut usage = false;
        for event in Parser::new_with_broken_link_callback(text, options, Some(&mut callback)) {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if &*info == "ignore" => {
                    usage = true;
                }
                Event::Text(code) if usage => {
                    assert!(
                        code.starts_with("let response = client."),
                        "a doctest in: {text}"
                    );
                    usage = false;
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    assert_eq!(&*info, "text", "a doctest in: {text}")
                }
                Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => {
                    panic!("an indented doctest in: {text}")
                }
                Event::Html(h) | Event::InlineHtml(h) => panic!("HTML {h:?} in: {text}"),
                Event::Start(Tag::Link { dest_url, .. }) => {
                    // progenitor's builders link to their method.
                    assert!(
                        dest_url.starts_with("http") || dest_url.starts_with("super::Client::"),
                        "link {dest_url} in: {text}"
                    )
                }
                _ => {}
            }
        }
        assert!(broken.is_empty(), "{broken:?} would be links in: {text}");
    }
}
