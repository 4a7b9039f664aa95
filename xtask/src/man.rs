//! Man pages from the clap definitions: `kubectl-kf.1`, `kubectl-kf_clone.1`, ..., and one page
//! per subcommand (`kubectl-kf_deploy-cluster.1`). The dispatcher's `clone`, `deploy`, ... refer
//! to the plugins' own pages instead of repeating them.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Command;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, roman};
use kf_cli::complete::Plugin;

const SECTION: &str = "1";

/// One page: its file name and roff text.
pub struct Page {
    pub file: String,
    pub roff: Vec<u8>,
}

/// The pages of one plugin, its own first.
pub fn pages(plugin: Plugin) -> Result<Vec<Page>> {
    let mut cmd = plugin.command();
    cmd.build();
    let mut pages = Vec::new();
    collect(plugin, &cmd, true, &mut pages)?;
    Ok(pages)
}

/// Every plugin's pages.
pub fn all() -> Result<Vec<Page>> {
    let mut pages = Vec::new();
    for plugin in Plugin::ALL {
        pages.extend(self::pages(plugin)?);
    }
    Ok(pages)
}

/// Writes every page into `out`; returns their paths.
pub fn write(out: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for page in all()? {
        let path = out.join(&page.file);
        crate::write_file(&path, &page.roff)?;
        written.push(path);
    }
    Ok(written)
}

/// The page a subcommand of `parent` is documented on: another plugin's own page for the
/// dispatcher's `clone`, `deploy`, ...; else `<parent page>-<sub>`.
fn sub_page(parent: &Command, is_root: bool, plugin: Plugin, sub: &Command) -> String {
    if is_root
        && plugin == Plugin::Kf
        && let Some(other) = Plugin::from_name(&format!("kf-{}", sub.get_name()))
    {
        return other.bin().to_string();
    }
    format!("{}-{}", page_name(parent), sub.get_name())
}

fn page_name(cmd: &Command) -> &str {
    cmd.get_display_name().unwrap_or_else(|| cmd.get_name())
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

fn collect(plugin: Plugin, cmd: &Command, is_root: bool, pages: &mut Vec<Page>) -> Result<()> {
    pages.push(Page {
        file: format!("{}.{SECTION}", page_name(cmd)),
        roff: render(plugin, cmd, is_root)?,
    });
    for sub in visible_subcommands(cmd) {
        let page = sub_page(cmd, is_root, plugin, sub);
        if page.starts_with(&format!("{}-", page_name(cmd))) {
            collect(plugin, sub, false, pages)?;
        }
    }
    Ok(())
}

/// The page date (`.TH`): the day of [`crate::source_date_epoch`]. It must not be empty, or
/// the `.TH` arguments after it shift by one.
fn date() -> String {
    jiff::Timestamp::from_second(crate::source_date_epoch())
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%d")
        .to_string()
}

fn render(plugin: Plugin, cmd: &Command, is_root: bool) -> Result<Vec<u8>> {
    let man = Man::new(cmd.clone())
        .title(page_name(cmd).to_uppercase())
        .section(SECTION)
        .date(date())
        .source(format!("kubectl kf {}", crate::workspace_version()))
        .manual("kubectl kf");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }

    let mut roff = Roff::default();
    let subs: Vec<&Command> = visible_subcommands(cmd).collect();
    if !subs.is_empty() {
        roff.control("SH", ["SUBCOMMANDS"]);
        for sub in subs {
            roff.control("TP", []);
            roff.text([roman(format!(
                "{}({SECTION})",
                sub_page(cmd, is_root, plugin, sub)
            ))]);
            if let Some(about) = sub.get_about() {
                roff.text([roman(about.to_string())]);
            }
        }
    }
    // after_help is laid out by hand (lists, examples): keep its lines as they are
    if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        roff.control("SH", ["NOTES"]);
        roff.control("nf", []);
        for line in after.to_string().lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
    }
    roff.to_writer(&mut out)?;
    if cmd.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }

    let mut see_also = Roff::default();
    see_also.control("SH", ["SEE ALSO"]);
    let others: Vec<String> = std::iter::once("kubectl".to_string())
        .chain(Plugin::ALL.iter().map(|p| p.bin().to_string()))
        .filter(|p| p != page_name(cmd))
        .map(|p| format!("{p}({SECTION})"))
        .collect();
    see_also.text([roman(others.join(", "))]);
    see_also.to_writer(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plugin_and_subcommand_has_a_page_and_references_resolve() {
        let pages = all().unwrap();
        let files: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
        for expected in [
            "kubectl-kf.1",
            "kubectl-kf-status.1",
            "kubectl-kf-token.1",
            "kubectl-kf-version.1",
            "kubectl-kf_clone.1",
            "kubectl-kf_deploy.1",
            "kubectl-kf_deploy-cluster.1",
            "kubectl-kf_deploy-kubeflow.1",
            "kubectl-kf_storage.1",
            "kubectl-kf_storage-pvc.1",
            "kubectl-kf_cutover.1",
            "kubectl-kf_cutover-failback.1",
        ] {
            assert!(files.contains(&expected), "{expected} not in {files:?}");
        }
        // the dispatcher does not repeat the plugins' pages
        assert!(!files.contains(&"kubectl-kf-clone.1"), "{files:?}");
        let unique: std::collections::HashSet<_> = files.iter().collect();
        assert_eq!(unique.len(), files.len(), "duplicate pages: {files:?}");

        for page in &pages {
            let text = String::from_utf8(page.roff.clone()).unwrap();
            assert!(text.contains(".TH "), "{}", page.file);
            // title, section, date, source, manual: all five present, none empty
            let th = text.lines().find(|l| l.starts_with(".TH ")).unwrap();
            assert!(th.ends_with("\"kubectl kf\"") && !th.contains("  "), "{th}");
            // every page named under SUBCOMMANDS or SEE ALSO exists (or is kubectl's)
            for word in text.split(|c: char| c.is_whitespace() || c == ',') {
                if let Some(name) = word.strip_suffix("(1)") {
                    let name = name.replace("\\-", "-");
                    assert!(
                        name == "kubectl" || files.contains(&format!("{name}.1").as_str()),
                        "{} refers to {name}(1), which is not generated",
                        page.file
                    );
                }
            }
        }
    }

    #[test]
    fn pages_document_the_flags() {
        let clone = &pages(Plugin::Clone).unwrap()[0];
        let text = String::from_utf8(clone.roff.clone()).unwrap();
        assert!(
            text.starts_with(".ie") || text.contains(".TH KUBECTL\\-KF_CLONE 1"),
            "{text}"
        );
        for flag in ["\\-\\-from", "\\-\\-to", "\\-\\-only", "\\-\\-dry\\-run"] {
            assert!(text.contains(flag), "{flag} missing:\n{text}");
        }
        let pvc = pages(Plugin::Storage)
            .unwrap()
            .into_iter()
            .find(|p| p.file == "kubectl-kf_storage-pvc.1")
            .unwrap();
        let text = String::from_utf8(pvc.roff).unwrap();
        assert!(text.contains("\\-\\-create\\-namespace"), "{text}");
        assert!(
            text.contains("\\-\\-from"),
            "global flags on subcommand pages:\n{text}"
        );
    }

    /// groff accepts the pages without warnings, when it is installed.
    #[test]
    fn pages_format_with_groff() {
        if std::process::Command::new("groff")
            .arg("--version")
            .output()
            .is_err()
        {
            eprintln!("groff is not installed; skipping");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        for path in write(dir.path()).unwrap() {
            let out = std::process::Command::new("groff")
                .args(["-man", "-Tutf8", "-ww", "-z"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
