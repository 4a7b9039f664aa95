//! Progress on stderr: one line per stream on a terminal (indicatif), plain phase lines otherwise.
//! Data never goes here; `-q` silences it.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
    quiet: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Self {
        let multi = (!quiet && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self { multi, quiet }
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
