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
