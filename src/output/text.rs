//! Text in human outputs, fitted to a width: words wrapped, continuation lines indented, tables
//! boxed when they fit and one paragraph per row when they do not.

use tabled::settings::{object::Columns, Alignment, Style};
use tabled::{builder::Builder, Table};

/// A boxed table when it fits `width`; else one wrapped paragraph per row ("name: header
/// value, header value, ..."), which reads better than a box squeezed to slivers.
pub fn fit(b: Builder, width: usize) -> String {
    let rows: Vec<Vec<String>> = b.clone().into();
    let mut t: Table = b.build();
    t.with(Style::sharp());
    t.modify(Columns::new(1..), Alignment::right());
    if t.total_width() <= width {
        return t.to_string();
    }
    let Some((head, body)) = rows.split_first() else {
        return String::new();
    };
    let mut out = Vec::new();
    for row in body {
        let title = row.first().map(String::as_str).unwrap_or_default();
        let title = if title.is_empty() { "-" } else { title };
        let fields: Vec<String> = head
            .iter()
            .zip(row)
            .skip(1)
            .filter(|(_, v)| !v.is_empty())
            .map(|(h, v)| format!("{h} {v}"))
            .collect();
        let lead = format!("  {title}: ");
        let first = lead.chars().count();
        out.push(format!("{lead}{}", wrap_items(&fields, width, first, 6)));
    }
    out.join("\n")
}

/// `text` wrapped at `width` columns; the first line starts after `first` (already printed by
/// the caller, e.g. "  [FAIL] open_files: "), later lines are indented by `indent` spaces.
/// A word longer than a line (a path) gets a line of its own rather than being cut.
pub fn wrap(text: &str, width: usize, first: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut col = first;
    let mut at_line_start = true;
    for word in text.split_whitespace() {
        let w = word.chars().count();
        if !at_line_start && col + 1 + w > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
            at_line_start = true;
        }
        if !at_line_start {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += w;
        at_line_start = false;
    }
    out
}

/// `items` joined by ", " and wrapped at `width` between items only, so "512.0 MiB" never
/// splits; `first` and `indent` as in [`wrap`].
pub fn wrap_items(items: &[String], width: usize, first: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut col = first;
    for (i, item) in items.iter().enumerate() {
        let last = i + 1 == items.len();
        let piece = if last {
            item.clone()
        } else {
            format!("{item},")
        };
        let w = piece.chars().count();
        if i > 0 && col + 1 + w > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if i > 0 {
            out.push(' ');
            col += 1;
        }
        if col + w > width {
            // Longer than what is left of the line (an exception message): wrap its words.
            let wrapped = wrap(&piece, width, col, indent);
            col = match wrapped.rsplit_once('\n') {
                Some((_, last)) => last.chars().count(),
                None => col + w,
            };
            out.push_str(&wrapped);
            continue;
        }
        out.push_str(&piece);
        col += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_within_the_width_with_a_hanging_indent() {
        let t = wrap("one two three four five six", 14, 4, 2);
        assert_eq!(t, "one two\n  three four\n  five six");
        for (i, line) in t.lines().enumerate() {
            let used = if i == 0 { 4 } else { 0 } + line.chars().count();
            assert!(used <= 14, "{line:?}");
        }
        assert_eq!(
            wrap("a /very/long/path/indeed b", 10, 0, 2),
            "a\n  /very/long/path/indeed\n  b"
        );
        let items = [
            "size 1.0 MiB".to_string(),
            "count 3".into(),
            "bytes 0 B".into(),
        ];
        assert_eq!(
            wrap_items(&items, 24, 0, 2),
            "size 1.0 MiB, count 3,\n  bytes 0 B"
        );
        let long = ["a".to_string(), "exception one two three four five".into()];
        let t = wrap_items(&long, 16, 0, 2);
        assert_eq!(t, "a,\n  exception one\n  two three four\n  five");
    }
}
