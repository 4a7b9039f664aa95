//! Rendering of command results: a table for people, JSON or YAML for programs.
//! Data goes to stdout; progress and logs go to stderr.

use std::io::Write;

use serde::Serialize;

use crate::error::{Error, Result};

pub use kf_cli::OutputFormat;

/// Something a command prints: it knows how to show itself as a table and serializes for json/yaml.
pub trait Render: Serialize {
    fn table(&self) -> String;
}

/// Prints `value` to stdout in the chosen format. A closed pipe (`| head`) is not an error.
pub fn print<T: Render>(format: OutputFormat, value: &T) -> Result<()> {
    let text = match format {
        OutputFormat::Table => value.table(),
        OutputFormat::Json => {
            serde_json::to_string_pretty(value).map_err(|e| Error::failed(e.to_string()))? + "\n"
        }
        OutputFormat::Yaml => {
            serde_yaml::to_string(value).map_err(|e| Error::failed(e.to_string()))?
        }
    };
    write_stdout(&text)
}

pub fn write_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("writing to stdout", e)),
    }
}

/// A table with a header row, in the plain style kubectl uses.
pub fn table<I, R, S>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    render(header, rows)
}

/// A plan of deletions as cleanup, abort and retire-blue print it: `delete` or `keep`, then the
/// resource's kind and id with the reason wrapped beneath (reads on 80 columns).
pub fn deletions_table<'a>(
    rows: impl IntoIterator<Item = (bool, &'a str, String, &'a str)>,
) -> String {
    wrapped_table(
        &["ACTION", "WHAT AND WHY"],
        rows.into_iter().map(|(delete, kind, id, reason)| {
            [
                if delete { "delete" } else { "keep" }.to_string(),
                format!("{kind} {id}\n  {reason}"),
            ]
        }),
    )
}

/// Plans and other tables whose last column is prose: the last column wraps at spaces (never
/// inside a word, so names and ARNs stay whole and copyable) to fit the terminal, or 80 columns
/// when stdout is not one. Newlines in a cell start new lines.
pub fn wrapped_table<I, R, S>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: Into<String>,
{
    use std::io::IsTerminal;
    let width = if std::io::stdout().is_terminal() {
        comfy_table::Table::new()
            .width()
            .map(usize::from)
            .unwrap_or(80)
    } else {
        80
    };
    wrap_rows(header, rows, width)
}

fn wrap_rows<I, R, S>(header: &[&str], rows: I, width: usize) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: Into<String>,
{
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|r| r.into_iter().map(Into::into).collect())
        .collect();
    let n = header.len();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate().take(n.saturating_sub(1)) {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let indent: usize = widths[..n - 1].iter().map(|w| w + 2).sum();
    let room = width.saturating_sub(indent).max(20);
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut prefix = String::new();
        for (i, c) in cells.iter().enumerate().take(n - 1) {
            prefix.push_str(&format!("{c:<w$}  ", w = widths[i]));
        }
        let last = cells.get(n - 1).cloned().unwrap_or_default();
        let mut first = true;
        for para in last.split('\n') {
            for l in wrap(para, room) {
                let lead = if first {
                    prefix.clone()
                } else {
                    " ".repeat(indent)
                };
                first = false;
                out.push_str(format!("{lead}{l}").trim_end());
                out.push('\n');
            }
        }
        if first {
            out.push_str(prefix.trim_end());
            out.push('\n');
        }
    };
    line(&header.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for r in &rows {
        line(r);
    }
    out
}

/// A bulleted list (`- item`), each item wrapped at spaces to the terminal (80 columns when
/// stdout is not one), continuation lines indented under the text.
pub fn bullets<I, S>(items: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    use std::io::IsTerminal;
    let width = if std::io::stdout().is_terminal() {
        comfy_table::Table::new()
            .width()
            .map(usize::from)
            .unwrap_or(80)
    } else {
        80
    };
    let mut out = String::new();
    for item in items {
        for (i, line) in wrap(item.as_ref(), width.saturating_sub(2).max(20))
            .into_iter()
            .enumerate()
        {
            out.push_str(if i == 0 { "- " } else { "  " });
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// Lines of at most `width` characters, broken at spaces; a longer word stands alone.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

fn render<I, R, S>(header: &[&str], rows: I) -> String
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut t = comfy_table::Table::new();
    t.load_preset(comfy_table::presets::NOTHING);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.set_header(header.iter().copied());
    for r in rows {
        t.add_row(r);
    }
    // comfy-table pads with a leading space; kubectl-style output starts at column 0.
    let mut s: String = t
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(&l).trim_end().to_string() + "\n")
        .collect();
    if s.is_empty() {
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_tables_fit_80_columns() {
        let long = "a reason that is rather long and goes on to say what happens and why it does "
            .repeat(2);
        let arn = "arn:aws:datasync:us-east-1:123456789012:location/loc-0123456789abcdef0";
        let text = format!("{long} {arn}\nsecond paragraph");
        let t = wrap_rows(
            &["STEP", "ACTION", "WHY"],
            [["rds.snapshot", "create", text.as_str()]],
            80,
        );
        assert!(t.lines().count() > 3, "{t}");
        for line in t.lines().filter(|l| l.trim() != arn) {
            assert!(
                line.chars().count() <= 80,
                "{} columns: {line}",
                line.chars().count()
            );
        }
        // Words are never split (one longer than the column stands alone); continuation lines are indented under the last column.
        assert!(t.contains(arn), "{t}");
        assert!(
            t.lines()
                .any(|l| l == "                      second paragraph"),
            "{t}"
        );
        assert_eq!(t.lines().next(), Some("STEP          ACTION  WHY"));
    }
}
