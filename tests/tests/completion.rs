//! Completion as a user gets it: the real kubectl completing `kubectl kf ...` and
//! `kubectl kf-clone ...` through the `kubectl_complete-*` executables of `completions/kubectl`,
//! with context names from the kubeconfig; and the committed bash scripts completing the
//! binaries by their own names.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use kf_e2e::*;

const COMPLETERS: [&str; 5] = [
    "kubectl_complete-kf",
    "kubectl_complete-kf_clone",
    "kubectl_complete-kf_deploy",
    "kubectl_complete-kf_storage",
    "kubectl_complete-kf_cutover",
];

struct Setup {
    dir: tempfile::TempDir,
    path: String,
    kubeconfig: PathBuf,
}

/// The plugins installed in one directory; the completion executables either linked next to
/// them (as the README's krew step does) or on PATH from the repository's `completions/kubectl`.
fn setup(next_to_plugins: bool) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let bin = install_bin_dir(dir.path());
    let completers = repo_root().join("completions/kubectl");
    let mut paths = vec![bin.clone()];
    if next_to_plugins {
        for c in COMPLETERS {
            std::os::unix::fs::symlink(completers.join(c), bin.join(c)).unwrap();
        }
    } else {
        paths.push(completers);
    }
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap()));
    let kubeconfig = dir.path().join("config");
    std::fs::write(
        &kubeconfig,
        kubeconfig_yaml("https://127.0.0.1:1", "https://127.0.0.1:2"),
    )
    .unwrap();
    Setup {
        path: std::env::join_paths(paths).unwrap().into_string().unwrap(),
        kubeconfig,
        dir,
    }
}

impl Setup {
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.env_clear()
            .env("PATH", &self.path)
            .env("HOME", self.dir.path())
            .env("KUBECONFIG", &self.kubeconfig);
        c
    }

    /// `kubectl __complete ARGS`, as kubectl's shell completion runs it: the candidates (without
    /// descriptions) and the directive line.
    fn complete(&self, args: &[&str]) -> (Vec<String>, String) {
        let out = self
            .command("kubectl")
            .arg("__complete")
            .args(args)
            .output()
            .unwrap();
        assert_exit(&out, 0);
        let text = stdout(&out);
        let mut lines: Vec<&str> = text.lines().collect();
        let directive = lines.pop().unwrap_or_default().to_string();
        let candidates = lines
            .iter()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect();
        (candidates, directive)
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn kubectl_completes_subcommands_flags_values_and_contexts() {
    for next_to_plugins in [true, false] {
        let s = setup(next_to_plugins);
        let (subs, directive) = s.complete(&["kf", ""]);
        assert_eq!(directive, ":4");
        for sub in [
            "status", "token", "version", "clone", "deploy", "storage", "cutover",
        ] {
            assert!(subs.contains(&sub.to_string()), "{sub} not in {subs:?}");
        }

        // contexts from the kubeconfig, through the dispatcher and the plugins' own names
        assert_eq!(
            s.complete(&["kf", "clone", "--from", ""]),
            (strings(&["blue", "green"]), ":4".into())
        );
        assert_eq!(
            s.complete(&["kf-clone", "--to", "g"]).0,
            strings(&["green"])
        );
        assert_eq!(
            s.complete(&["kf", "cutover", "--to=b"]).0,
            strings(&["blue"])
        );
        // the kubeconfig named on the line wins over $KUBECONFIG
        let other = s.dir.path().join("other");
        std::fs::write(
            &other,
            "apiVersion: v1\nkind: Config\ncontexts:\n- name: prod-east\n  context: {cluster: c, user: u}\nclusters: []\nusers: []\n",
        )
        .unwrap();
        let other = other.to_str().unwrap();
        assert_eq!(
            s.complete(&["kf-storage", "efs", "--kubeconfig", other, "--to", ""])
                .0,
            strings(&["prod-east"])
        );

        // subcommands and flags of each plugin, from its clap definition
        assert_eq!(
            s.complete(&["kf-storage", ""]).0,
            strings(&["efs", "pvc", "default-class", "help"])
        );
        assert_eq!(
            s.complete(&["kf", "deploy", "cluster", "green", "--nodes-m"])
                .0,
            strings(&["--nodes-min", "--nodes-max"])
        );
        assert_eq!(
            s.complete(&["kf-clone", "--only", "db,"]).0,
            strings(&["db,bucket", "db,efs"])
        );
        assert_eq!(
            s.complete(&["kf-cutover", "-o", ""]).0,
            strings(&["table", "json", "yaml"])
        );
        // a path: no candidates, the shell completes file names
        assert_eq!(
            s.complete(&["kf", "deploy", "kubeflow", "--manifests", ""]),
            (vec![], ":0".into())
        );
    }
}

#[test]
fn descriptions_reach_the_shell_and_nodesc_strips_them() {
    let s = setup(true);
    let out = s
        .command("kubectl")
        .args(["__complete", "kf", "clone", "--dry"])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(
        stdout(&out),
        "--dry-run\tPrint the plan and change nothing\n:4\n"
    );
    let out = s
        .command("kubectl")
        .args(["__completeNoDesc", "kf", "clone", "--dry"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "--dry-run\n:4\n");
}

/// What kubectl hands to `kubectl_complete-<plugin>`: the words after the plugin name, the word
/// being completed last (empty after a space). A spy shows it; the real executable, run the same
/// way, answers as it does through kubectl.
#[test]
fn completion_executables_get_the_words_after_the_plugin_name() {
    let s = setup(true);
    let spy_dir = s.dir.path().join("spy");
    std::fs::create_dir_all(&spy_dir).unwrap();
    let log = s.dir.path().join("args");
    let spy = spy_dir.join("kubectl_complete-kf_deploy");
    std::fs::write(
        &spy,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done > {}\necho :4\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&spy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let with_spy = format!("{}:{}", spy_dir.display(), s.path);
    let out = s
        .command("kubectl")
        .env("PATH", &with_spy)
        .args(["__complete", "kf-deploy", "cluster", "--from", ""])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        "[cluster][--from][]"
    );

    let direct = s
        .command("kubectl_complete-kf_deploy")
        .args(["cluster", "--from", ""])
        .output()
        .unwrap();
    assert_exit(&direct, 0);
    assert_eq!(stdout(&direct), "blue\ngreen\n:4\n");
}

fn bash_complete(script: &Path, function: &str, words: &[&str]) -> Vec<String> {
    let cword = words.len() - 1;
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let prev = if cword > 0 { words[cword - 1] } else { "" };
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\n{function} '{}' '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words[0],
        words[cword],
        prev,
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .unwrap();
    assert_exit(&out, 0);
    stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn bash_scripts_complete_the_binaries_by_their_own_names() {
    let dir = repo_root().join("completions/bash");
    let kf = dir.join("kubectl-kf.bash");
    let subs = bash_complete(&kf, "_kubectl__kf", &["kubectl-kf", ""]);
    for sub in ["status", "clone", "cutover"] {
        assert!(subs.contains(&sub.to_string()), "{sub} not in {subs:?}");
    }
    // past a subcommand (clap-rs/clap#6421 broke this for hyphenated binaries)
    assert_eq!(
        bash_complete(&kf, "_kubectl__kf", &["kubectl-kf", "clone", "--on"]),
        ["--only"]
    );
    assert_eq!(
        bash_complete(
            &dir.join("kubectl-kf_storage.bash"),
            "_kubectl__kf_storage",
            &["kubectl-kf_storage", "pvc", "--create"]
        ),
        ["--create-namespace"]
    );
    assert_eq!(
        bash_complete(
            &dir.join("kubectl-kf_clone.bash"),
            "_kubectl__kf_clone",
            &["kubectl-kf_clone", "--output", ""]
        ),
        ["table", "json", "yaml"]
    );
}
