//! `--format markdown` is CommonMark with GitHub tables: a parser finds the verdict heading, the
//! checks table (every row as wide as its header) and the paste lines in fenced blocks.

mod formats_common;

use formats_common::{check, fixture};
use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

#[test]
fn markdown_parses_with_tables_and_a_verdict_heading() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let (code, md, err) = check(dir.path(), "markdown", &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        md.starts_with("## kafka-preflight: FAIL: log\\_dirs\n"),
        "verdict first:\n{md}"
    );

    let mut headings = Vec::new();
    let mut heading: Option<String> = None;
    let (mut tables, mut rows, mut cells, mut widths) = (0, 0, 0, Vec::new());
    let mut fenced = Vec::new();
    let mut code: Option<String> = None;
    let mut list_items = 0;
    for ev in Parser::new_ext(&md, Options::ENABLE_TABLES) {
        match ev {
            Event::Start(Tag::Heading { level, .. }) => {
                assert!(level <= HeadingLevel::H3);
                heading = Some(String::new());
            }
            Event::End(TagEnd::Heading(_)) => headings.push(heading.take().unwrap()),
            Event::Start(Tag::Table(_)) => tables += 1,
            Event::Start(Tag::TableHead) | Event::Start(Tag::TableRow) => cells = 0,
            Event::Start(Tag::TableCell) => cells += 1,
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                rows += 1;
                widths.push(cells);
            }
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(lang))) => {
                assert_eq!(&*lang, "text");
                code = Some(String::new());
            }
            Event::End(TagEnd::CodeBlock) => fenced.push(code.take().unwrap()),
            Event::Start(Tag::Item) => list_items += 1,
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
                if let Some(c) = code.as_mut() {
                    c.push_str(&t);
                }
            }
            Event::Html(h) | Event::InlineHtml(h) => panic!("no HTML in the comment: {h}"),
            _ => {}
        }
    }
    assert_eq!(
        headings[0], "kafka-preflight: FAIL: log_dirs",
        "{headings:?}"
    );
    for h in ["Checks", "Top contributors", "Recommendations", "Problems"] {
        assert!(headings.iter().any(|x| x == h), "{h} in {headings:?}");
    }
    assert!(tables >= 1, "at least one table");
    assert!(rows >= 6, "header + 5 checks, got {rows}");
    // Escaped `|` and line breaks keep every row of a table as wide as its header.
    assert!(widths.iter().all(|&w| w == 5 || w == 4), "{widths:?}");
    assert!(
        // No unit starts this broker: the fix is for the shell that does.
        fenced.iter().any(|c| c.contains("ulimit -v unlimited\n")),
        "paste lines verbatim in a fenced block: {fenced:?}"
    );
    // The problem's path and message survive escaping as text.
    assert!(md.contains("lost+found"));
    assert!(list_items >= 3);
}

/// `--explain` gives the markdown what it gives the table: each check's rationale, by check id.
#[test]
fn explain_adds_each_checks_rationale_to_the_markdown() {
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let (_, plain, _) = check(dir.path(), "markdown", &[]);
    let (_, why, _) = check(dir.path(), "markdown", &["--explain"]);
    let (_, json, _) = check(dir.path(), "json", &[]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(!plain.contains("\nWhy:\n"), "{plain}");
    assert!(plain.contains("`--explain` adds why"), "{plain}");
    assert!(why.contains("\nWhy:\n"), "{why}");
    for c in json["checks"].as_array().unwrap() {
        let id = c["id"].as_str().unwrap().replace('_', "\\_");
        let item = why
            .lines()
            .find(|l| l.starts_with(&format!("- **{id}**: ")))
            .unwrap_or_else(|| panic!("no rationale for {id}:\n{why}"));
        // The rationale is the JSON's message, Markdown-escaped.
        let message = c["message"].as_str().unwrap();
        assert!(
            item.replace('\\', "").ends_with(message),
            "{item}\n{message}"
        );
    }
}
