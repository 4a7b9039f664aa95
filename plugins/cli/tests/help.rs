//! Every `--help` of every plugin and subcommand, as the user sees it (80 columns): a change of
//! the command-line surface shows in review as a change of these snapshots.

use clap::{Command, CommandFactory};
use kf_cli::complete::Plugin;

/// A plugin's own command tree (the dispatcher's, without the plugins it runs: their help is
/// their own binary's).
fn tree(plugin: Plugin) -> Command {
    match plugin {
        Plugin::Kf => kf_cli::commands::KfCli::command().name(plugin.bin()),
        p => p.command(),
    }
    .term_width(80)
}

/// `(path, help)` for a command and each of its subcommands, recursively.
fn helps(cmd: &mut Command, path: &str, out: &mut Vec<(String, String)>) {
    let help = cmd.render_long_help().to_string();
    out.push((path.to_string(), help));
    let names: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| s.get_name() != "help")
        .map(|s| s.get_name().to_string())
        .collect();
    for name in names {
        let sub = cmd.find_subcommand_mut(&name).expect("listed");
        helps(sub, &format!("{path} {name}"), out);
    }
}

#[test]
fn every_help_reads_as_snapshotted() {
    for plugin in Plugin::ALL {
        let mut cmd = tree(plugin);
        cmd.build();
        let mut all = Vec::new();
        helps(&mut cmd, plugin.bin(), &mut all);
        let text: String = all
            .into_iter()
            .map(|(path, help)| format!("=== {path} --help\n{help}\n"))
            .collect();
        insta::assert_snapshot!(plugin.bin(), text);
    }
}

#[test]
fn every_help_line_fits_80_columns() {
    for plugin in Plugin::ALL {
        let mut cmd = tree(plugin);
        cmd.build();
        let mut all = Vec::new();
        helps(&mut cmd, plugin.bin(), &mut all);
        for (path, help) in all {
            for line in help.lines() {
                assert!(
                    line.chars().count() <= 80,
                    "{path} --help has a line of {} columns: {line}",
                    line.chars().count()
                );
            }
        }
    }
}
