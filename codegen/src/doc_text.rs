//! Docs pages are text, never code.
//!
//! progenitor and typify copy a spec's `description` and `summary` strings
//! into the `#[doc]` of what they generate, and rustdoc reads those as
//! Markdown: a fenced or indented code block becomes a doctest that
//! `cargo test` compiles and runs, raw HTML reaches the rendered page, and
//! `[name]` becomes an intra-doc link. A docs page must not be able to do any
//! of that, so [`as_text`] rewrites every such string before generation:
//! code blocks become ```` ```text ```` blocks (shown, never compiled), HTML
//! is escaped, and brackets in prose are escaped. What it produces is parsed
//! again and checked; anything it could not make safe is shown whole as one
//! text block. [`check_generated`] then refuses generated code whose docs
//! still hold a block rustdoc would run, whatever put it there.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, LinkType, Options, Parser, Tag, TagEnd};

/// The Markdown extensions rustdoc turns on.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_SMART_PUNCTUATION
}

/// `text` as Markdown that rustdoc shows and never runs or links.
pub fn as_text(text: &str) -> String {
    if is_inert(text) {
        return text.to_owned();
    }
    let rewritten = rewrite(text);
    if is_inert(&rewritten) {
        rewritten
    } else {
        fenced(text, "")
    }
}

/// Whether rustdoc would only show `text`: every code block is a fenced
/// `text` block, there is no HTML, and every link goes to an absolute URL.
pub fn is_inert(text: &str) -> bool {
    problem(text).is_none()
}

/// The first thing in `text` rustdoc would run, render as HTML or resolve as
/// a link, if any.
fn problem(text: &str) -> Option<String> {
    let mut broken = false;
    let mut callback = |_: pulldown_cmark::BrokenLink<'_>| {
        broken = true;
        None
    };
    let parser = Parser::new_with_broken_link_callback(text, options(), Some(&mut callback));
    let mut found = None;
    for event in parser {
        found = match event {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) if &*info == "text" => None,
            Event::Start(Tag::CodeBlock(_)) => Some("a code block rustdoc would compile".into()),
            Event::Html(_) | Event::InlineHtml(_) => Some("HTML".into()),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. })
                if !is_absolute_url(&dest_url) =>
            {
                Some(format!(
                    "a link to `{dest_url}`, which rustdoc would resolve"
                ))
            }
            _ => None,
        };
        if found.is_some() {
            break;
        }
    }
    found.or_else(|| broken.then(|| "a `[...]` rustdoc would take for a link".into()))
}

fn is_absolute_url(url: &str) -> bool {
    ["https://", "http://", "mailto:"]
        .iter()
        .any(|scheme| url.starts_with(scheme))
}

/// One pass of edits: code blocks fenced as text, HTML escaped, brackets in
/// prose escaped.
fn rewrite(text: &str) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    // The block or link being read, with its range and its text.
    let mut code: Option<(Inside, Range<usize>, String)> = None;
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match (event, code.as_mut()) {
            (Event::Start(Tag::CodeBlock(_)), None) => {
                code = Some((Inside::Code, range, String::new()))
            }
            (Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }), None)
                if !is_absolute_url(&dest_url) =>
            {
                code = Some((Inside::Link, range, String::new()))
            }
            (Event::Text(t) | Event::Code(t), Some((_, _, body))) => body.push_str(&t),
            (Event::End(TagEnd::CodeBlock), Some((Inside::Code, ..))) => {
                if let Some((_, range, body)) = code.take() {
                    let (start, prefix) = container(text, range.start);
                    edits.push((start..range.end, fenced(&body, &prefix)));
                }
            }
            (Event::End(TagEnd::Link | TagEnd::Image), Some((Inside::Link, ..))) => {
                // A link rustdoc would resolve: its words stay, as words.
                if let Some((_, range, body)) = code.take() {
                    edits.push((range, escape_brackets(&body)));
                }
            }
            (_, Some(_)) => {}
            (Event::Html(h) | Event::InlineHtml(h), None) => {
                edits.push((range, h.replace('<', "&lt;").replace('>', "&gt;")));
            }
            (
                Event::Start(Tag::Link {
                    link_type: LinkType::Autolink | LinkType::Email,
                    ..
                }),
                None,
            ) => {}
            (Event::Text(_), None) => {
                let source = &text[range.clone()];
                if source.contains(['[', ']']) {
                    edits.push((range, escape_brackets(source)));
                }
            }
            _ => {}
        }
    }
    apply(text, edits)
}

/// What [`rewrite`] is reading through.
enum Inside {
    Code,
    Link,
}

/// Where a block that starts at `at` is rewritten from, and the prefix its
/// lines get: the block-quote markers before it on its line, without the
/// indentation (which could make the fence itself an indented code block).
fn container(text: &str, at: usize) -> (usize, String) {
    let line = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line..at];
    if !before.chars().all(|c| c == ' ' || c == '>' || c == '\t') {
        return (at, String::new());
    }
    let quotes = before.trim_end();
    let prefix = if quotes.is_empty() {
        String::new()
    } else {
        format!("{quotes} ")
    };
    (line + quotes.len(), prefix)
}

/// `body` as one fenced `text` block, each line after the first behind
/// `prefix`; the fence is longer than any run of backticks inside.
fn fenced(body: &str, prefix: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    // The fence starts a line of its own even where a generator puts this
    // text after other words on a line (progenitor writes "- `id`: " before
    // a parameter's description): otherwise the opening fence would be
    // words, and the closing one would open a block.
    let start = if prefix.is_empty() { "\n" } else { " " };
    let mut out = format!("{start}{fence}text\n");
    for line in body.lines() {
        out.push_str(prefix);
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(prefix);
    out.push_str(&fence);
    out.push('\n');
    out
}

fn escape_brackets(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + 4);
    let mut escaped = false;
    for c in source.chars() {
        if matches!(c, '[' | ']') && !escaped {
            out.push('\\');
        }
        escaped = c == '\\' && !escaped;
        out.push(c);
    }
    out
}

/// `text` with each (sorted, non-overlapping) range replaced.
fn apply(text: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, replacement) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Refuses generated code whose docs hold a block rustdoc would compile and
/// run (a doctest), naming the item's first doc line. (progenitor's own
/// usage examples are `ignore` blocks: shown, never compiled.)
pub fn check_generated(file: &syn::File) -> Result<(), String> {
    let runnable = |text: &String| {
        Parser::new_ext(text, options()).any(|e| {
            matches!(e, Event::Start(Tag::CodeBlock(ref kind))
                if !matches!(kind, CodeBlockKind::Fenced(info) if matches!(&**info, "text" | "ignore")))
        })
    };
    match doc_blocks(file).iter().find(|text| runnable(text)) {
        Some(text) => {
            let first = text.lines().next().unwrap_or_default();
            Err(format!(
                "generated docs would run as a doctest (in the docs starting {first:?})"
            ))
        }
        None => Ok(()),
    }
}

/// Each documented item's docs in `file` (items, impl items, fields and
/// variants), its `#[doc]` lines joined as rustdoc reads them: one
/// Markdown document per item.
pub fn doc_blocks(file: &syn::File) -> Vec<String> {
    let mut docs = Docs::default();
    syn::visit::visit_file(&mut docs, file);
    docs.flush();
    docs.blocks
}

#[derive(Default)]
struct Docs {
    current: String,
    blocks: Vec<String>,
}

impl Docs {
    fn flush(&mut self) {
        if !self.current.is_empty() {
            self.blocks.push(std::mem::take(&mut self.current));
        }
    }
}

impl<'ast> syn::visit::Visit<'ast> for Docs {
    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && nv.path.is_ident("doc")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
        {
            self.current.push_str(&s.value());
            self.current.push('\n');
        }
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.flush();
        syn::visit::visit_item(self, item);
        self.flush();
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        self.flush();
        syn::visit::visit_impl_item(self, item);
        self.flush();
    }

    fn visit_field(&mut self, field: &'ast syn::Field) {
        self.flush();
        syn::visit::visit_field(self, field);
        self.flush();
    }

    fn visit_variant(&mut self, variant: &'ast syn::Variant) {
        self.flush();
        syn::visit::visit_variant(self, variant);
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_html_and_links_become_text() {
        for page in [
            "Ends a room.\n\n```rust\nstd::fs::write(\"/tmp/pwned\", \"\").unwrap();\n```\n",
            "Example:\n\n    curl -X DELETE https://api.vobiz.ai/\n",
            "```\nno language\n```",
            "> ```\n> quoted code\n> ```\n",
            "- item\n\n  ```rust\n  in a list\n  ```\n",
            "~~~~\nfence with ``` inside\n~~~~\n",
            "unclosed\n```rust\nlet x = 1;",
            "<script>alert(1)</script> and <b>bold</b>",
            "see [Client] and [`Error`] and [x](crate::hooks)",
            "````\n```\nnested\n```\n````",
        ] {
            let text = as_text(page);
            assert!(is_inert(&text), "{page:?} became {text:?}");
        }
        let kept = "Hangs up a conference. See https://vobiz.ai and `code`.";
        assert_eq!(as_text(kept), kept);
        let curl = as_text("Example:\n\n    curl -X DELETE x\n");
        assert!(curl.contains("```text\ncurl -X DELETE x\n```"), "{curl}");
    }

    #[test]
    fn generated_code_with_a_runnable_doc_block_is_refused() {
        // Each item's docs are read as one document: the fence opens on one
        // `#[doc]` line and closes on another, as progenitor writes them.
        let refused = [
            "/// Ends it.\n///\n/// ```\n/// run();\n/// ```\npub fn f() {}",
            "pub struct S {\n    /// Field.\n    ///\n    ///     indented();\n    pub x: u8,\n}",
            "pub enum E {\n    /// ```rust\n    /// v();\n    /// ```\n    V,\n}",
            "impl S {\n    /// Method.\n    ///\n    /// ```no_run\n    /// m();\n    /// ```\n    pub fn m() {}\n}",
        ];
        for code in refused {
            let file = syn::parse_file(code).unwrap();
            let err = check_generated(&file).unwrap_err();
            assert!(err.contains("doctest"), "{code}: {err}");
        }
        let shown = "/// Ends it.\n///\n/// ```text\n/// run();\n/// ```\npub fn f() {}";
        assert_eq!(check_generated(&syn::parse_file(shown).unwrap()), Ok(()));
        let blocks = doc_blocks(&syn::parse_file(shown).unwrap());
        assert_eq!(blocks, [" Ends it.\n\n ```text\n run();\n ```\n"]);
    }
}
