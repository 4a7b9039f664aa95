//! Shell completion, computed from the clap definitions in [`crate::commands`].
//!
//! kubectl (>= 1.26) completes `kubectl kf clone --fr<TAB>` by running the executable
//! `kubectl_complete-kf clone --fr` found on PATH: the arguments after the plugin name, the last
//! one being the word under the cursor (empty when the cursor is after a space). It expects
//! cobra's protocol on stdout: one candidate a line (`value<TAB>description` allowed), then a
//! last line `:<directive>` (4 = no file completion, 0 = let the shell complete file names).
//! The `kubectl_complete-*` scripts in `completions/kubectl/` exec `<plugin binary> __complete
//! ARGS...`, which [`handle_request`] answers before clap parses anything.
//!
//! Subcommands, flags and enumerated values come from clap; `--from`/`--to` (any flag whose value
//! is a `CONTEXT`) complete with the context names of the kubeconfig in effect (`--kubeconfig` on
//! the line, else `$KUBECONFIG`, else `~/.kube/config`); path-valued flags hand over to the
//! shell's file completion.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, Command, CommandFactory, ValueHint};

use crate::commands::{CloneCli, CutoverCli, DeployCli, KfCli, StorageCli};

/// The first argument that turns a plugin binary into its own completer (cobra's name for it).
pub const REQUEST: &str = "__complete";

/// The value name of flags that take a kubeconfig context.
const CONTEXT_VALUE: &str = "CONTEXT";

/// The plugins this suite ships, each one binary and one Krew plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Plugin {
    Kf,
    Clone,
    Deploy,
    Storage,
    Cutover,
}

impl Plugin {
    pub const ALL: [Plugin; 5] = [
        Plugin::Kf,
        Plugin::Clone,
        Plugin::Deploy,
        Plugin::Storage,
        Plugin::Cutover,
    ];

    /// The plugin's name as kubectl and Krew know it: `kubectl kf-clone`, `kubectl krew install kf-clone`.
    pub fn name(self) -> &'static str {
        match self {
            Plugin::Kf => "kf",
            Plugin::Clone => "kf-clone",
            Plugin::Deploy => "kf-deploy",
            Plugin::Storage => "kf-storage",
            Plugin::Cutover => "kf-cutover",
        }
    }

    /// The executable: `kubectl-kf_clone` (kubectl maps a `-` in a plugin name to `_`).
    pub fn bin(self) -> &'static str {
        match self {
            Plugin::Kf => "kubectl-kf",
            Plugin::Clone => "kubectl-kf_clone",
            Plugin::Deploy => "kubectl-kf_deploy",
            Plugin::Storage => "kubectl-kf_storage",
            Plugin::Cutover => "kubectl-kf_cutover",
        }
    }

    /// The completion executable kubectl looks for: `kubectl_complete-kf_clone`.
    pub fn completer(self) -> String {
        self.bin().replacen("kubectl-", "kubectl_complete-", 1)
    }

    /// The plugin's command tree, named after its binary. For `kubectl-kf` the subcommands that
    /// run another plugin (`clone`, `deploy`, ...) get that plugin's whole tree, so that
    /// `kubectl kf clone --<TAB>` offers clone's flags.
    pub fn command(self) -> Command {
        let cmd = match self {
            Plugin::Kf => {
                let mut cmd = KfCli::command();
                for plugin in Plugin::ALL {
                    let Some(sub) = plugin.name().strip_prefix("kf-") else {
                        continue;
                    };
                    if cmd.find_subcommand(sub).is_some() {
                        cmd = cmd.mut_subcommand(sub, |_| {
                            plugin
                                .command()
                                .name(sub)
                                .bin_name(clap::builder::Resettable::<String>::Reset)
                        });
                    }
                }
                cmd
            }
            Plugin::Clone => CloneCli::command(),
            Plugin::Deploy => DeployCli::command(),
            Plugin::Storage => StorageCli::command(),
            Plugin::Cutover => CutoverCli::command(),
        };
        cmd.name(self.bin())
    }

    pub fn from_name(name: &str) -> Option<Plugin> {
        Plugin::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Answers `<plugin binary> __complete ARGS...` on stdout and exits; returns otherwise.
/// Call it first thing in `main`.
pub fn handle_request(plugin: Plugin) {
    let mut args = std::env::args_os().skip(1);
    if args.next().as_deref() != Some(OsStr::new(REQUEST)) {
        return;
    }
    let words: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    let answer = complete(&plugin.command(), &words, &kubeconfig_contexts);
    // A closed pipe (the shell gave up) is not worth reporting.
    let _ = std::io::stdout()
        .lock()
        .write_all(answer.render().as_bytes());
    std::process::exit(0);
}

/// The context names of the kubeconfig in effect; none when it cannot be read (completion stays
/// quiet; running the command reports the problem).
pub fn kubeconfig_contexts(explicit: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for path in crate::kubeconfig_paths(explicit) {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(doc) = serde_yaml::from_str::<serde_yaml::Value>(&text) else {
            continue;
        };
        for c in doc["contexts"].as_sequence().into_iter().flatten() {
            if let Some(n) = c["name"].as_str()
                && !names.iter().any(|m| m == n)
            {
                names.push(n.to_string());
            }
        }
    }
    names
}

/// How the shell should go on after the candidates (cobra's `ShellCompDirective`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Directive {
    /// Offer only the candidates (`:4`, cobra's NoFileComp).
    NoFiles = 4,
    /// No candidates of ours: complete file names (`:0`, cobra's Default).
    Files = 0,
    /// Complete directory names (`:16`, cobra's FilterDirs).
    Dirs = 16,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub value: String,
    pub help: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completions {
    pub candidates: Vec<Candidate>,
    pub directive: Directive,
}

impl Completions {
    fn none(directive: Directive) -> Self {
        Self {
            candidates: Vec::new(),
            directive,
        }
    }

    /// The values alone, for tests and messages.
    pub fn values(&self) -> Vec<&str> {
        self.candidates.iter().map(|c| c.value.as_str()).collect()
    }

    /// cobra's wire format: `value[\tdescription]` lines, then `:<directive>`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.candidates {
            out.push_str(&c.value);
            if let Some(help) = &c.help {
                // one line per candidate: the description's first line only
                let first = help.lines().next().unwrap_or_default().trim();
                if !first.is_empty() {
                    out.push('\t');
                    out.push_str(first);
                }
            }
            out.push('\n');
        }
        out.push_str(&format!(":{}\n", self.directive as u32));
        out
    }
}

/// What the words before the cursor leave us in.
struct Position<'a> {
    cmd: &'a Command,
    /// A flag still waiting for its value (the word under the cursor is that value).
    pending: Option<&'a Arg>,
    /// Positional arguments already given to `cmd`.
    positionals: usize,
    /// After `--`: everything is positional.
    only_positionals: bool,
    used: HashSet<String>,
    kubeconfig: Option<PathBuf>,
}

impl<'a> Position<'a> {
    fn value(&mut self, arg: &Arg, value: &str) {
        if arg.get_id() == "kubeconfig" {
            self.kubeconfig = Some(PathBuf::from(value));
        }
    }

    fn read(&mut self, word: &str) {
        if let Some(arg) = self.pending.take() {
            self.value(arg, word);
            return;
        }
        if !self.only_positionals && word == "--" {
            self.only_positionals = true;
            return;
        }
        if !self.only_positionals {
            if let Some(long) = word.strip_prefix("--") {
                let (name, value) = match long.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (long, None),
                };
                if let Some(arg) = find_long(self.cmd, name) {
                    self.used.insert(arg.get_id().to_string());
                    match value {
                        Some(v) => self.value(arg, v),
                        None if takes_value(arg) => self.pending = Some(arg),
                        None => {}
                    }
                }
                return;
            }
            if let Some(shorts) = word.strip_prefix('-').filter(|s| !s.is_empty()) {
                for (i, c) in shorts.char_indices() {
                    let Some(arg) = find_short(self.cmd, c) else {
                        break;
                    };
                    self.used.insert(arg.get_id().to_string());
                    if takes_value(arg) {
                        let rest = &shorts[i + c.len_utf8()..];
                        let rest = rest.strip_prefix('=').unwrap_or(rest);
                        if rest.is_empty() {
                            self.pending = Some(arg);
                        } else {
                            self.value(arg, rest);
                        }
                        break;
                    }
                }
                return;
            }
            if self.positionals == 0
                && let Some(sub) = find_subcommand(self.cmd, word)
            {
                self.cmd = sub;
                return;
            }
        }
        self.positionals += 1;
    }
}

/// Completes `words` (the arguments after the plugin's name; the last one is the word under the
/// cursor) against `cmd`, taking context names from `contexts(--kubeconfig)`.
pub fn complete(
    cmd: &Command,
    words: &[String],
    contexts: &dyn Fn(Option<&Path>) -> Vec<String>,
) -> Completions {
    let mut cmd = cmd.clone();
    cmd.build();
    let (current, before) = match words.split_last() {
        Some((last, before)) => (last.as_str(), before),
        None => ("", &[][..]),
    };
    let mut pos = Position {
        cmd: &cmd,
        pending: None,
        positionals: 0,
        only_positionals: false,
        used: HashSet::new(),
        kubeconfig: None,
    };
    for w in before {
        pos.read(w);
    }
    let values = |arg: &Arg, partial: &str, prefix: &str| {
        value_completions(arg, partial, prefix, pos.kubeconfig.as_deref(), contexts)
    };

    if let Some(arg) = pos.pending {
        return values(arg, current, "");
    }
    if !pos.only_positionals {
        if let Some((name, partial)) = current.strip_prefix("--").and_then(|l| l.split_once('=')) {
            // like cobra: the candidates are the values alone, the shell keeps `--flag=`
            return match find_long(pos.cmd, name) {
                Some(arg) if takes_value(arg) => values(arg, partial, ""),
                _ => Completions::none(Directive::NoFiles),
            };
        }
        if current.starts_with("--") || current == "-" {
            return flag_completions(pos.cmd, current, &pos.used);
        }
        if let Some(rest) = current.strip_prefix('-') {
            // `-ojs`: a short flag with its value attached
            let mut chars = rest.chars();
            if let Some(arg) = chars.next().and_then(|c| find_short(pos.cmd, c))
                && takes_value(arg)
            {
                let split = 1 + rest.chars().next().map_or(0, char::len_utf8);
                return values(arg, &current[split..], &current[..split]);
            }
            return Completions::none(Directive::NoFiles);
        }
    }

    let mut out = Completions::none(Directive::NoFiles);
    if pos.positionals == 0 && !pos.only_positionals {
        for sub in pos.cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name().starts_with(current) {
                out.candidates.push(Candidate {
                    value: sub.get_name().to_string(),
                    help: sub.get_about().map(|a| a.to_string()),
                });
            }
        }
    }
    let mut positional = pos
        .cmd
        .get_positionals()
        .filter(|a| !a.is_hide_set())
        .collect::<Vec<_>>();
    positional.sort_by_key(|a| a.get_index());
    if let Some(arg) = positional.get(pos.positionals) {
        let more = values(arg, current, "");
        out.candidates.extend(more.candidates);
        if out.candidates.is_empty() {
            out.directive = more.directive;
        }
    }
    out
}

fn flag_completions(cmd: &Command, current: &str, used: &HashSet<String>) -> Completions {
    let mut out = Completions::none(Directive::NoFiles);
    for arg in cmd.get_arguments() {
        if arg.is_hide_set() || arg.is_positional() {
            continue;
        }
        let repeatable = matches!(arg.get_action(), ArgAction::Append | ArgAction::Count);
        if used.contains(arg.get_id().as_str()) && !repeatable {
            continue;
        }
        let help = arg.get_help().map(|h| h.to_string());
        let mut names: Vec<String> = arg
            .get_long_and_visible_aliases()
            .unwrap_or_default()
            .into_iter()
            .map(|l| format!("--{l}"))
            .collect();
        if current == "-" {
            names.extend(
                arg.get_short_and_visible_aliases()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| format!("-{s}")),
            );
        }
        for value in names.into_iter().filter(|n| n.starts_with(current)) {
            out.candidates.push(Candidate {
                value,
                help: help.clone(),
            });
        }
    }
    out
}

fn value_completions(
    arg: &Arg,
    partial: &str,
    prefix: &str,
    kubeconfig: Option<&Path>,
    contexts: &dyn Fn(Option<&Path>) -> Vec<String>,
) -> Completions {
    let mut out = Completions::none(Directive::NoFiles);
    let is_context = arg
        .get_value_names()
        .is_some_and(|names| names.iter().any(|n| n == CONTEXT_VALUE));
    if is_context {
        for name in contexts(kubeconfig) {
            if name.starts_with(partial) {
                out.candidates.push(Candidate {
                    value: format!("{prefix}{name}"),
                    help: None,
                });
            }
        }
        return out;
    }
    let possible = arg.get_possible_values();
    if !possible.is_empty() {
        // a list (`--only db,bu`): complete the last item, keep the ones before
        let (head, last) = match arg.get_value_delimiter() {
            Some(d) => match partial.rfind(d) {
                Some(i) => partial.split_at(i + d.len_utf8()),
                None => ("", partial),
            },
            None => ("", partial),
        };
        let given: HashSet<&str> = arg
            .get_value_delimiter()
            .map(|d| head.split(d).collect())
            .unwrap_or_default();
        for pv in possible.iter().filter(|pv| !pv.is_hide_set()) {
            let name = pv.get_name();
            if name.starts_with(last) && !given.contains(name) {
                out.candidates.push(Candidate {
                    value: format!("{prefix}{head}{name}"),
                    help: pv.get_help().map(|h| h.to_string()),
                });
            }
        }
        return out;
    }
    out.directive = match arg.get_value_hint() {
        ValueHint::DirPath => Directive::Dirs,
        ValueHint::AnyPath | ValueHint::FilePath | ValueHint::ExecutablePath => Directive::Files,
        _ => Directive::NoFiles,
    };
    out
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values() && arg.get_num_args().is_none_or(|n| n.min_values() > 0)
}

fn find_long<'a>(cmd: &'a Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long_and_visible_aliases()
            .is_some_and(|ls| ls.contains(&name))
    })
}

fn find_short(cmd: &Command, c: char) -> Option<&Arg> {
    cmd.get_arguments().find(|a| {
        a.get_short_and_visible_aliases()
            .is_some_and(|ss| ss.contains(&c))
    })
}

fn find_subcommand<'a>(cmd: &'a Command, word: &str) -> Option<&'a Command> {
    cmd.get_subcommands()
        .find(|s| s.get_name() == word || s.get_all_aliases().any(|a| a == word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(plugin: Plugin, words: &[&str]) -> Completions {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        complete(&plugin.command(), &words, &|kubeconfig| match kubeconfig {
            Some(p) => vec![format!("from-{}", p.display())],
            None => vec!["blue".into(), "green".into(), "staging".into()],
        })
    }

    fn values(plugin: Plugin, words: &[&str]) -> Vec<String> {
        let c = run(plugin, words);
        assert_eq!(c.directive, Directive::NoFiles, "{words:?}: {c:?}");
        c.values().into_iter().map(String::from).collect()
    }

    #[test]
    fn names_follow_kubectls_plugin_rules() {
        assert_eq!(Plugin::Kf.bin(), "kubectl-kf");
        assert_eq!(Plugin::Clone.bin(), "kubectl-kf_clone");
        assert_eq!(Plugin::Cutover.completer(), "kubectl_complete-kf_cutover");
        assert_eq!(Plugin::from_name("kf-storage"), Some(Plugin::Storage));
        for p in Plugin::ALL {
            assert_eq!(p.bin(), format!("kubectl-{}", p.name().replace('-', "_")));
            assert_eq!(p.command().get_name(), p.bin());
            p.command().debug_assert();
        }
    }

    #[test]
    fn dispatcher_offers_its_subcommands_and_each_plugins_tree() {
        let subs = values(Plugin::Kf, &[""]);
        for s in [
            "status",
            "token",
            "version",
            "cleanup",
            "abort",
            "retire-blue",
            "clone",
            "deploy",
            "storage",
            "cutover",
        ] {
            assert!(subs.contains(&s.to_string()), "{s} not in {subs:?}");
        }
        assert_eq!(values(Plugin::Kf, &["st"]), ["status", "storage"]);
        assert_eq!(
            values(Plugin::Kf, &["deploy", ""]),
            ["cluster", "kubeflow", "help"]
        );
        let flags = values(Plugin::Kf, &["clone", "--"]);
        for f in [
            "--only",
            "--resync",
            "--from",
            "--to",
            "--dry-run",
            "--help",
        ] {
            assert!(flags.contains(&f.to_string()), "{f} not in {flags:?}");
        }
        assert_eq!(
            values(Plugin::Kf, &["storage", "pvc", "--create"]),
            ["--create-namespace"]
        );
    }

    #[test]
    fn contexts_complete_from_and_to_in_every_form() {
        assert_eq!(
            values(Plugin::Clone, &["--from", ""]),
            ["blue", "green", "staging"]
        );
        assert_eq!(values(Plugin::Kf, &["clone", "--to", "g"]), ["green"]);
        assert_eq!(values(Plugin::Clone, &["--from=st"]), ["staging"]);
        assert_eq!(
            values(Plugin::Storage, &["efs", "--from", "blue", "--to", ""]),
            ["blue", "green", "staging"]
        );
        // the kubeconfig on the line is the one read, in both spellings
        assert_eq!(
            values(Plugin::Cutover, &["--kubeconfig", "/k/c", "--to", ""]),
            ["from-/k/c"]
        );
        assert_eq!(
            values(Plugin::Cutover, &["--kubeconfig=/k/d", "--from", "f"]),
            ["from-/k/d"]
        );
    }

    #[test]
    fn enumerated_values_complete_also_in_lists_and_attached_shorts() {
        assert_eq!(
            values(Plugin::Clone, &["-o", ""]),
            ["table", "json", "yaml"]
        );
        assert_eq!(values(Plugin::Clone, &["--output", "y"]), ["yaml"]);
        assert_eq!(values(Plugin::Clone, &["-oj"]), ["-ojson"]);
        assert_eq!(
            values(Plugin::Clone, &["--only", ""]),
            ["db", "bucket", "efs"]
        );
        assert_eq!(
            values(Plugin::Clone, &["--only", "db,"]),
            ["db,bucket", "db,efs"]
        );
        assert_eq!(values(Plugin::Clone, &["--only=db,e"]), ["db,efs"]);
    }

    #[test]
    fn flags_offered_once_unless_repeatable_and_shorts_on_a_single_dash() {
        let flags = values(Plugin::Clone, &["--dry-run", "-v", "--"]);
        assert!(!flags.contains(&"--dry-run".to_string()), "{flags:?}");
        assert!(flags.contains(&"--verbose".to_string()), "{flags:?}");
        let dash = values(Plugin::Clone, &["-"]);
        for f in ["-o", "-v", "-q", "-h", "--output"] {
            assert!(dash.contains(&f.to_string()), "{f} not in {dash:?}");
        }
        // no subcommands or flags are offered for free-form values
        assert!(values(Plugin::Deploy, &["cluster", ""]).is_empty());
        assert!(values(Plugin::Clone, &["--region", ""]).is_empty());
        // after `--` nothing is a flag
        assert!(values(Plugin::Clone, &["--", "--fr"]).is_empty());
    }

    #[test]
    fn paths_are_left_to_the_shell() {
        for words in [
            &["--kubeconfig", ""][..],
            &["--kubeconfig="][..],
            &["deploy", "kubeflow", "--manifests", "./"][..],
        ] {
            let plugin = if words[0] == "deploy" {
                Plugin::Kf
            } else {
                Plugin::Clone
            };
            let c = run(plugin, words);
            assert!(c.candidates.is_empty(), "{words:?}: {c:?}");
            assert_eq!(c.directive, Directive::Files, "{words:?}");
        }
    }

    #[test]
    fn renders_cobras_protocol() {
        let c = run(Plugin::Clone, &["--dry"]);
        assert_eq!(
            c.render(),
            "--dry-run\tPrint the plan and change nothing\n:4\n"
        );
        assert_eq!(run(Plugin::Clone, &["--kubeconfig", ""]).render(), ":0\n");
    }

    #[test]
    fn contexts_come_from_the_kubeconfig_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\ncontexts:\n- name: prod\n  context: {cluster: a, user: a}\n- name: next\n  context: {cluster: b, user: b}\nclusters: []\nusers: []\n",
        )
        .unwrap();
        let mut names = kubeconfig_contexts(Some(&path));
        names.sort();
        assert_eq!(names, ["next", "prod"]);
        assert!(kubeconfig_contexts(Some(&dir.path().join("missing"))).is_empty());
    }
}
