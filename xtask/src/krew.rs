//! `krew/<plugin>.yaml`: one Krew manifest per plugin, rendered from `krew/plugin.yaml.tmpl`
//! with the version, the release URIs and the sha256 of the archives in `dist/`, and a check of
//! every manifest against Krew's rules (krew's `pkg/index/validation` and the krew-index
//! `validate-krew-manifest` tool), plus the archive itself when `dist/` holds it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use kf_cli::complete::Plugin;
use serde_yaml::Value;

use crate::dist;

pub const DIR: &str = "krew";
pub const TEMPLATE: &str = "plugin.yaml.tmpl";
pub const API_VERSION: &str = "krew.googlecontainertools.github.com/v1alpha2";
pub const RELEASES: &str = "https://github.com/kubectl-kf/kubectl-kf/releases/download";

/// Krew's one-line summary (at most 70 characters: `kubectl krew search` shows it) and the
/// longer description of each plugin. Kept here rather than taken from the clap `about` so that
/// rewording `--help` does not make the manifests stale (re-rendering them needs release archives).
fn descriptions(plugin: Plugin) -> (&'static str, &'static str) {
    match plugin {
        Plugin::Kf => (
            "Blue/green upgrades of Kubeflow on Amazon EKS",
            "The dispatcher: `kubectl kf clone|deploy|storage|cutover` run the other plugins; \
             `kubectl kf status` shows the upgrade recorded for blue.",
        ),
        Plugin::Clone => (
            "Clone Kubeflow's RDS, S3 and EFS storage for a blue/green upgrade",
            "Clones blue's RDS database, S3 artifact bucket and EFS file system for green, \
             concurrently and resumably; --resync repeats the copy for the maintenance window.",
        ),
        Plugin::Deploy => (
            "Create a green EKS cluster shaped like blue and deploy Kubeflow on it",
            "Creates green's EKS cluster from blue's shape and its kubeconfig context, and \
             deploys Kubeflow on it wired to the cloned database and bucket.",
        ),
        Plugin::Storage => (
            "EFS, PVCs bound to cloned data and the default StorageClass on green",
            "Creates green's EFS file system, CSI driver and StorageClass, PVCs bound to the \
             data cloned from blue, and sets the default StorageClass.",
        ),
        Plugin::Cutover => (
            "Move Kubeflow's traffic from the blue to the green cluster, fail back",
            "Moves production traffic to green after preflight checks (optionally weighted, \
             with blue frozen), and fails back to blue from the recorded values.",
        ),
    }
}

/// One platform of a manifest: the selector labels and the archive's checksum.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub sha256: String,
}

pub fn uri(plugin: Plugin, version: &str, os: &str, arch: &str) -> String {
    format!(
        "{RELEASES}/{version}/{}",
        dist::archive_name(plugin, version, os, arch)
    )
}

fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines.join("\n")
}

/// Renders the manifest of `plugin` from `template`.
pub fn render(template: &str, plugin: Plugin, version: &str, platforms: &[Platform]) -> String {
    let (short, long) = descriptions(plugin);
    let fill = |text: &str, vars: &[(&str, &str)]| {
        vars.iter().fold(text.to_string(), |t, (k, v)| {
            t.replace(&format!("{{{{{k}}}}}"), v)
        })
    };
    let (head, rest) = template
        .split_once("{{#platforms}}\n")
        .expect("the template has a {{#platforms}} section");
    let (each, tail) = rest
        .split_once("{{/platforms}}\n")
        .expect("the template closes {{/platforms}}");
    let mut platforms = platforms.to_vec();
    platforms.sort();
    let rendered: String = platforms
        .iter()
        .map(|p| {
            let uri = uri(plugin, version, &p.os, &p.arch);
            fill(
                each,
                &[
                    ("os", &p.os),
                    ("arch", &p.arch),
                    ("uri", &uri),
                    ("sha256", &p.sha256),
                ],
            )
        })
        .collect();
    let bin = plugin.bin();
    let completer = plugin.completer();
    let description = wrap(long, 76, "    ");
    fill(
        &format!("{head}{rendered}{tail}"),
        &[
            ("name", plugin.name()),
            ("version", version),
            ("short_description", short),
            ("description", &description),
            ("bin", bin),
            ("completer", &completer),
        ],
    )
}

/// The platforms for which `dist/` holds an archive of `plugin` at `version`.
pub fn archives(dist_dir: &Path, plugin: Plugin, version: &str) -> Result<Vec<Platform>> {
    let prefix = format!("{}-{version}-", plugin.bin());
    let mut platforms = Vec::new();
    let entries = match std::fs::read_dir(dist_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(platforms),
        Err(e) => return Err(e.into()),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(os_arch) = name
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".tar.gz"))
        else {
            continue;
        };
        let Some((os, arch)) = os_arch.split_once('-') else {
            continue;
        };
        let data = std::fs::read(entry.path())?;
        platforms.push(Platform {
            os: os.into(),
            arch: arch.into(),
            sha256: dist::sha256_hex(&data),
        });
    }
    platforms.sort();
    Ok(platforms)
}

/// Writes `krew/<plugin>.yaml` for every plugin from the archives in `dist/`.
pub fn write(root: &Path, version: &str) -> Result<Vec<PathBuf>> {
    let template = std::fs::read_to_string(root.join(DIR).join(TEMPLATE))?;
    let dist_dir = root.join(dist::DIR);
    let bins = workspace_bins()?;
    let mut written = Vec::new();
    for plugin in Plugin::ALL {
        let platforms = archives(&dist_dir, plugin, version)?;
        if platforms.is_empty() {
            bail!(
                "no {}/{}-{version}-<os>-<arch>.tar.gz: run `make dist` first",
                dist::DIR,
                plugin.bin()
            );
        }
        let text = render(&template, plugin, version, &platforms);
        let problems = validate(plugin.name(), &text, &bins, Some(&dist_dir));
        if !problems.is_empty() {
            bail!(
                "the rendered {}.yaml breaks Krew's rules:\n  {}",
                plugin.name(),
                problems.join("\n  ")
            );
        }
        let path = root.join(DIR).join(format!("{}.yaml", plugin.name()));
        crate::write_file(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// The names of the binaries the workspace builds (`cargo metadata`).
pub fn workspace_bins() -> Result<Vec<String>> {
    let out =
        std::process::Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args([
                "metadata",
                "--format-version",
                "1",
                "--no-deps",
                "--offline",
            ])
            .current_dir(crate::repo_root())
            .output()
            .context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    }
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let mut bins = Vec::new();
    for package in meta["packages"].as_array().into_iter().flatten() {
        for target in package["targets"].as_array().into_iter().flatten() {
            if target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
                && let Some(name) = target["name"].as_str()
            {
                bins.push(name.to_string());
            }
        }
    }
    Ok(bins)
}

/// The <os, arch> pairs a selector is checked against (krew-index's list, plus arm64 and the
/// other architectures Go builds kubectl for).
const PLATFORMS: [(&str, &str); 13] = [
    ("linux", "386"),
    ("linux", "amd64"),
    ("linux", "arm"),
    ("linux", "arm64"),
    ("linux", "ppc64le"),
    ("linux", "s390x"),
    ("darwin", "386"),
    ("darwin", "amd64"),
    ("darwin", "arm64"),
    ("windows", "386"),
    ("windows", "amd64"),
    ("windows", "arm"),
    ("windows", "arm64"),
];

/// Windows device names Krew refuses as plugin names.
const WINDOWS_FORBIDDEN: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn is_safe_plugin_name(name: &str) -> bool {
    // Go's `^[\w-]+$`: \w is [0-9A-Za-z_]
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !WINDOWS_FORBIDDEN
            .iter()
            .any(|f| f.eq_ignore_ascii_case(name))
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

fn unknown_keys(map: &Value, allowed: &[&str], what: &str, problems: &mut Vec<String>) {
    if let Some(m) = map.as_mapping() {
        for k in m.keys() {
            let k = k.as_str().unwrap_or("<non-string key>");
            if !allowed.contains(&k) {
                problems.push(format!("{what}: unknown field {k:?}"));
            }
        }
    }
}

fn long_lines(text: &str, max: usize) -> Vec<&str> {
    text.lines()
        .filter(|l| l.len() > max && l.trim().contains(' '))
        .collect()
}

/// Checks a manifest, found as `<file_stem>.yaml`, against Krew's rules; `bins` are the binaries
/// the workspace builds; with `dist_dir`, an archive found there is opened and checked too.
/// Returns the problems, none when the manifest is valid.
pub fn validate(
    file_stem: &str,
    text: &str,
    bins: &[String],
    dist_dir: Option<&Path>,
) -> Vec<String> {
    let mut problems = Vec::new();
    let doc: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => return vec![format!("not YAML: {e}")],
    };
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    unknown_keys(
        &doc,
        &["apiVersion", "kind", "metadata", "spec"],
        "manifest",
        &mut problems,
    );
    if s(&doc["apiVersion"]) != API_VERSION {
        problems.push(format!(
            "apiVersion is {:?}, not {API_VERSION}",
            s(&doc["apiVersion"])
        ));
    }
    if s(&doc["kind"]) != "Plugin" {
        problems.push(format!("kind is {:?}, not Plugin", s(&doc["kind"])));
    }
    let name = s(&doc["metadata"]["name"]);
    if !is_safe_plugin_name(file_stem) {
        problems.push(format!(
            "plugin name {file_stem:?} must match ^[\\w-]+$ and not be a Windows device name"
        ));
    }
    if name != file_stem {
        problems.push(format!(
            "metadata.name is {name:?} but the file is {file_stem}.yaml"
        ));
    }
    let spec = &doc["spec"];
    unknown_keys(
        spec,
        &[
            "version",
            "homepage",
            "shortDescription",
            "description",
            "caveats",
            "platforms",
        ],
        "spec",
        &mut problems,
    );
    let version = s(&spec["version"]);
    match version.strip_prefix('v') {
        Some(v) if semver::Version::parse(v).is_ok() => {}
        _ => problems.push(format!(
            "spec.version {version:?} is not semver with a leading v (v1.2.3)"
        )),
    }
    let short = s(&spec["shortDescription"]);
    if short.trim().is_empty() {
        problems.push("spec.shortDescription is empty".into());
    } else if short.trim_end().contains('\n') {
        problems.push("spec.shortDescription is more than one line".into());
    } else if short.len() > 70 {
        problems.push(format!(
            "spec.shortDescription is {} characters (at most 70)",
            short.len()
        ));
    }
    for field in ["description", "caveats"] {
        for line in long_lines(&s(&spec[field]), 80) {
            problems.push(format!(
                "spec.{field} has a line over 80 characters: {line:?}"
            ));
        }
    }

    let expected_bin = Plugin::from_name(file_stem).map(|p| p.bin().to_string());
    let empty = Vec::new();
    let platforms = spec["platforms"].as_sequence().unwrap_or(&empty);
    if platforms.is_empty() {
        problems.push("spec.platforms is empty".into());
    }
    let mut selected: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, p) in platforms.iter().enumerate() {
        let at = format!("spec.platforms[{i}]");
        unknown_keys(
            p,
            &["selector", "uri", "sha256", "bin", "files"],
            &at,
            &mut problems,
        );
        let selector = &p["selector"];
        unknown_keys(
            selector,
            &["matchLabels"],
            &format!("{at}.selector"),
            &mut problems,
        );
        let labels = &selector["matchLabels"];
        unknown_keys(
            labels,
            &["os", "arch"],
            &format!("{at}.selector.matchLabels"),
            &mut problems,
        );
        let (os, arch) = (s(&labels["os"]), s(&labels["arch"]));
        if os.is_empty() || arch.is_empty() {
            problems.push(format!(
                "{at}.selector needs non-empty matchLabels os and arch"
            ));
        } else {
            let matched: Vec<_> = PLATFORMS
                .iter()
                .filter(|(o, a)| *o == os && *a == arch)
                .collect();
            if matched.is_empty() {
                problems.push(format!(
                    "{at}.selector {os}/{arch} matches no platform kubectl runs on"
                ));
            }
            for &(o, a) in matched {
                selected.entry((o, a)).or_default().push(i);
            }
        }

        let uri = s(&p["uri"]);
        let archive = uri.rsplit('/').next().unwrap_or_default().to_string();
        if !uri.starts_with("https://") || !uri.ends_with(".tar.gz") {
            problems.push(format!("{at}.uri {uri:?} is not an https .tar.gz"));
        }
        if let Some(plugin) = Plugin::from_name(file_stem)
            && uri != self::uri(plugin, &version, &os, &arch)
        {
            problems.push(format!(
                "{at}.uri {uri:?} is not the release URI {}",
                self::uri(plugin, &version, &os, &arch)
            ));
        }
        let sha = s(&p["sha256"]);
        if !is_sha256(&sha) {
            problems.push(format!(
                "{at}.sha256 {sha:?} is not 64 lowercase hex digits"
            ));
        }

        let bin = s(&p["bin"]);
        let files = p["files"].as_sequence().unwrap_or(&empty);
        if files.is_empty() {
            problems.push(format!("{at}.files is empty (Krew needs file operations)"));
        }
        let mut installed = Vec::new();
        let mut sources = Vec::new();
        for (j, f) in files.iter().enumerate() {
            unknown_keys(
                f,
                &["from", "to"],
                &format!("{at}.files[{j}]"),
                &mut problems,
            );
            let (from, to) = (s(&f["from"]), s(&f["to"]));
            if from.is_empty() || to.is_empty() {
                problems.push(format!("{at}.files[{j}] needs from and to"));
            }
            let base = from.rsplit('/').next().unwrap_or_default().to_string();
            installed.push(if to == "." { base } else { to.clone() });
            sources.push(from);
        }
        if bin.is_empty() {
            problems.push(format!("{at}.bin is empty"));
        } else if bin.starts_with('/') || bin.split('/').any(|c| c == "..") {
            problems.push(format!(
                "{at}.bin {bin:?} must be a path inside the plugin's directory"
            ));
        } else {
            if !installed.contains(&bin) {
                problems.push(format!(
                    "{at}.bin {bin:?} is not installed by any of its files"
                ));
            }
            if !bins.contains(&bin) {
                problems.push(format!(
                    "{at}.bin {bin:?} is not a binary the workspace builds ({})",
                    bins.join(", ")
                ));
            }
            if let Some(expected) = &expected_bin
                && &bin != expected
            {
                problems.push(format!(
                    "{at}.bin is {bin:?}, but plugin {file_stem} is {expected}"
                ));
            }
        }

        // the archive itself, when it has been built
        if let Some(dir) = dist_dir
            && !archive.is_empty()
            && let Ok(data) = std::fs::read(dir.join(&archive))
        {
            let actual = dist::sha256_hex(&data);
            if actual != sha {
                problems.push(format!(
                    "{at}.sha256 is {sha} but {}/{archive} has {actual}: run `make krew` after `make dist`",
                    dir.display()
                ));
            }
            match dist::unpack(&data) {
                Err(e) => problems.push(format!("{archive}: not a .tar.gz: {e}")),
                Ok(entries) => {
                    for from in &sources {
                        if !entries.iter().any(|e| &e.name == from) {
                            problems.push(format!("{archive} has no {from} (files[].from)"));
                        }
                    }
                    match entries.iter().find(|e| e.name == bin) {
                        None => problems.push(format!("{archive} has no bin {bin}")),
                        Some(e) if e.mode & 0o111 != 0o111 => {
                            problems.push(format!("{archive}: {bin} is not executable"))
                        }
                        Some(_) => {}
                    }
                    if !entries.iter().any(|e| e.name == "LICENSE") {
                        problems.push(format!("{archive} has no LICENSE"));
                    }
                }
            }
        }
    }
    for ((os, arch), idx) in selected {
        if idx.len() > 1 {
            problems.push(format!(
                "spec.platforms {idx:?} overlap: all select {os}/{arch}"
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The platforms (selector and sha256) a manifest names, to render it again.
    fn platforms_of(text: &str) -> Vec<Platform> {
        let doc: Value = serde_yaml::from_str(text).unwrap_or_default();
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        doc["spec"]["platforms"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|p| Platform {
                os: s(&p["selector"]["matchLabels"]["os"]),
                arch: s(&p["selector"]["matchLabels"]["arch"]),
                sha256: s(&p["sha256"]),
            })
            .collect()
    }

    fn committed(plugin: Plugin) -> String {
        let path = crate::repo_root()
            .join(DIR)
            .join(format!("{}.yaml", plugin.name()));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run `make krew` and commit krew/", path.display()))
    }

    fn template() -> String {
        std::fs::read_to_string(crate::repo_root().join(DIR).join(TEMPLATE)).unwrap()
    }

    /// Every manifest in krew/ passes Krew's rules; the archives in dist/, when built, hold what
    /// the manifests say (bin, files, LICENSE) and have their sha256.
    #[test]
    fn committed_manifests_follow_krews_rules() {
        let root = crate::repo_root();
        let bins = workspace_bins().unwrap();
        for p in Plugin::ALL {
            assert!(
                bins.contains(&p.bin().to_string()),
                "{} not in {bins:?}",
                p.bin()
            );
        }
        let mut seen = Vec::new();
        for entry in std::fs::read_dir(root.join(DIR)).unwrap() {
            let path = entry.unwrap().path();
            let Some(stem) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".yaml"))
            else {
                continue;
            };
            let text = std::fs::read_to_string(&path).unwrap();
            let problems = validate(stem, &text, &bins, Some(&root.join(dist::DIR)));
            assert!(
                problems.is_empty(),
                "{}:\n  {}",
                path.display(),
                problems.join("\n  ")
            );
            seen.push(stem.to_string());
        }
        seen.sort();
        let mut want: Vec<String> = Plugin::ALL.iter().map(|p| p.name().to_string()).collect();
        want.sort();
        assert_eq!(seen, want, "one manifest per plugin in krew/");
    }

    /// The manifests are what the template renders for the workspace version and their own
    /// checksums: a template or version change without `make krew` fails here.
    #[test]
    fn committed_manifests_are_rendered_from_the_template() {
        let template = template();
        for plugin in Plugin::ALL {
            let text = committed(plugin);
            let again = render(
                &template,
                plugin,
                &crate::workspace_version(),
                &platforms_of(&text),
            );
            assert_eq!(
                text,
                again,
                "krew/{}.yaml is stale; run `make krew` and commit",
                plugin.name()
            );
        }
    }

    fn valid(plugin: Plugin) -> String {
        let sha = "ab".repeat(32);
        render(
            &template(),
            plugin,
            "v0.1.0",
            &[
                Platform {
                    os: "linux".into(),
                    arch: "amd64".into(),
                    sha256: sha.clone(),
                },
                Platform {
                    os: "darwin".into(),
                    arch: "arm64".into(),
                    sha256: sha,
                },
            ],
        )
    }

    fn bins() -> Vec<String> {
        Plugin::ALL.iter().map(|p| p.bin().to_string()).collect()
    }

    #[test]
    fn rendered_manifests_are_valid() {
        for plugin in Plugin::ALL {
            let text = valid(plugin);
            let problems = validate(plugin.name(), &text, &bins(), None);
            assert!(problems.is_empty(), "{text}\n{problems:?}");
            assert!(text.contains(&format!(
                "uri: {RELEASES}/v0.1.0/{}-v0.1.0-linux-amd64.tar.gz",
                plugin.bin()
            )));
            assert!(!text.contains("{{"), "unfilled placeholder:\n{text}");
        }
    }

    #[test]
    fn validator_rejects_what_krew_rejects() {
        let good = valid(Plugin::Clone);
        let sha = "ab".repeat(32);
        let cases: Vec<(String, &str, &str)> = vec![
            (
                good.replace("v1alpha2", "v1alpha1"),
                "kf-clone",
                "apiVersion",
            ),
            (
                good.replace("kind: Plugin", "kind: Plugins"),
                "kf-clone",
                "kind",
            ),
            (good.clone(), "kf-cloner", "metadata.name"),
            (
                good.replace("name: kf-clone", "name: kf.clone"),
                "kf.clone",
                "must match",
            ),
            (
                good.replace("version: v0.1.0", "version: 0.1.0"),
                "kf-clone",
                "spec.version",
            ),
            (
                good.replace("version: v0.1.0", "version: v0.1"),
                "kf-clone",
                "spec.version",
            ),
            (
                good.replace(
                    "shortDescription: ",
                    "shortDescription: |\n    two\n    lines ",
                ),
                "kf-clone",
                "more than one line",
            ),
            (
                good.replace("        arch: amd64\n", ""),
                "kf-clone",
                "non-empty matchLabels",
            ),
            (
                good.replace("arch: arm64", "arch: amd64")
                    .replace("os: darwin", "os: linux"),
                "kf-clone",
                "overlap",
            ),
            (
                good.replacen(".tar.gz", ".zip", 1),
                "kf-clone",
                "https .tar.gz",
            ),
            (
                good.replacen(&sha, &sha.to_uppercase(), 1),
                "kf-clone",
                "64 lowercase hex",
            ),
            (
                good.replacen(&sha, &sha[..40], 1),
                "kf-clone",
                "64 lowercase hex",
            ),
            (
                good.replace("bin: kubectl-kf_clone", "bin: kubectl-kf_klone"),
                "kf-clone",
                "not installed by any",
            ),
            (
                good.replace("bin: kubectl-kf_clone", "bin: LICENSE"),
                "kf-clone",
                "not a binary the workspace builds",
            ),
            (
                good.replacen("sha256:", "sha265:", 1),
                "kf-clone",
                "unknown field \"sha265\"",
            ),
            (
                good.replacen("os: linux", "os: plan9", 1),
                "kf-clone",
                "matches no platform",
            ),
        ];
        for (text, stem, expected) in cases {
            let problems = validate(stem, &text, &bins(), None).join("\n");
            assert!(
                problems.contains(expected),
                "expected {expected:?} for:\n{text}\ngot:\n{problems}"
            );
        }
        let mut windows = good.replace("name: kf-clone", "name: nul");
        windows = windows.replace("kubectl-kf_clone-v0.1.0", "x");
        assert!(
            validate("nul", &windows, &bins(), None)
                .join("\n")
                .contains("Windows device")
        );
    }

    /// With archives in a dist directory the manifest's checksum and the archive's contents are
    /// checked: a rebuilt archive or one without the binary fails.
    #[test]
    fn archives_are_checked_when_present() {
        let dist_dir = tempfile::tempdir().unwrap();
        let fake_bins = tempfile::tempdir().unwrap();
        let plugin = Plugin::Cutover;
        std::fs::write(fake_bins.path().join(plugin.bin()), b"binary").unwrap();
        let entries = dist::entries(&crate::repo_root(), plugin, fake_bins.path()).unwrap();
        let name = dist::archive_name(plugin, "v0.1.0", "linux", "amd64");
        std::fs::write(
            dist_dir.path().join(&name),
            dist::pack(&entries, 0).unwrap(),
        )
        .unwrap();

        let platforms = archives(dist_dir.path(), plugin, "v0.1.0").unwrap();
        assert_eq!(platforms.len(), 1);
        assert_eq!(
            (platforms[0].os.as_str(), platforms[0].arch.as_str()),
            ("linux", "amd64")
        );
        let text = render(&template(), plugin, "v0.1.0", &platforms);
        let ok = validate(plugin.name(), &text, &bins(), Some(dist_dir.path()));
        assert!(ok.is_empty(), "{ok:?}");

        // the archive was rebuilt: different checksum
        std::fs::write(
            dist_dir.path().join(&name),
            dist::pack(&entries, 1).unwrap(),
        )
        .unwrap();
        let problems = validate(plugin.name(), &text, &bins(), Some(dist_dir.path())).join("\n");
        assert!(problems.contains("run `make krew`"), "{problems}");

        // an archive without the binary, with a manifest matching its checksum
        let without: Vec<_> = entries
            .into_iter()
            .filter(|e| e.name != plugin.bin())
            .collect();
        std::fs::write(
            dist_dir.path().join(&name),
            dist::pack(&without, 0).unwrap(),
        )
        .unwrap();
        let text = render(
            &template(),
            plugin,
            "v0.1.0",
            &archives(dist_dir.path(), plugin, "v0.1.0").unwrap(),
        );
        let problems = validate(plugin.name(), &text, &bins(), Some(dist_dir.path())).join("\n");
        assert!(
            problems.contains(&format!("has no bin {}", plugin.bin())),
            "{problems}"
        );
    }
}
