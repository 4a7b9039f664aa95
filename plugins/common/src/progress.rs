//! Progress on stderr: one line per stream on a terminal (indicatif), plain phase lines otherwise.
//! Data never goes here; `-q` silences it.

use std::io::IsTerminal;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// How this process shows its progress: bars on a terminal, plain lines otherwise or with
/// `-v` (log lines would tear the bars), nothing with `-q`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Printer {
    #[default]
    Default,
    Verbose,
    Quiet,
}

static PRINTER: OnceLock<Printer> = OnceLock::new();
static PROGRESS: OnceLock<Progress> = OnceLock::new();

/// Sets this process's printer (once, from the shared flags; `logging::init_for` does it).
pub fn init(printer: Printer) {
    let _ = PRINTER.set(printer);
}

/// The process's one progress display (shared by every stream, so bars never fight).
pub fn printer() -> Progress {
    PROGRESS
        .get_or_init(|| Progress::with(PRINTER.get().copied().unwrap_or_default()))
        .clone()
}

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
    quiet: bool,
}

impl Progress {
    /// The process's progress display; `quiet` silences it whatever the printer says.
    pub fn new(quiet: bool) -> Self {
        if quiet {
            return Self::with(Printer::Quiet);
        }
        printer()
    }

    fn with(printer: Printer) -> Self {
        let bars = printer == Printer::Default && std::io::stderr().is_terminal();
        let multi = bars.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            multi,
            quiet: printer == Printer::Quiet,
        }
    }

    /// A line for one stream of work (`rds`, `s3`, `efs`, ...).
    pub fn stream(&self, name: &str) -> Stream {
        let bar = self.multi.as_ref().map(|m| {
            let b = m.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("{spinner} {prefix:>5} {wide_msg} {elapsed:>4}")
                    .expect("valid template"),
            );
            b.set_prefix(name.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Stream {
            name: name.to_string(),
            bar,
            quiet: self.quiet,
            last: Mutex::new(String::new()),
        }
    }

    /// A one-off message between streams.
    pub fn println(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.multi {
            Some(m) => {
                let _ = m.println(msg);
            }
            None => eprintln!("{msg}"),
        }
    }
}

pub struct Stream {
    name: String,
    bar: Option<ProgressBar>,
    quiet: bool,
    last: Mutex<String>,
}

impl Stream {
    /// Shows the current state. Without a terminal a line is printed only when the text changes,
    /// so logs show phases, not every poll.
    pub fn set(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(b) => b.set_message(msg.to_string()),
            None => {
                let mut last = self.last.lock().expect("progress lock");
                if *last != msg {
                    eprintln!("[{}] {msg}", self.name);
                    *last = msg.to_string();
                }
            }
        }
    }

    pub fn finish(&self, msg: &str) {
        if self.quiet {
            return;
        }
        match &self.bar {
            Some(b) => b.finish_with_message(msg.to_string()),
            None => self.set(msg),
        }
    }
}
