//! `dist/`: release binaries (the `[profile.release]` of the root Cargo.toml: LTO, one codegen
//! unit, stripped, `panic = "abort"`) packed as one `<bin>-<version>-<os>-<arch>.tar.gz` per
//! plugin and target, with LICENSE, README.md, the man pages, the shell completions and the
//! kubectl completion executable; `dist/SHA256SUMS` lists them. The archives are reproducible
//! from the same binaries: sorted entries, owner 0, a fixed mtime (`SOURCE_DATE_EPOCH`, else 0)
//! and a gzip header without name or time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};
use flate2::{Compression, GzBuilder};
use kf_cli::complete::Plugin;
use sha2::{Digest, Sha256};

use crate::{completions, man};

/// Where archives go, relative to the repository root.
pub const DIR: &str = "dist";

/// One file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
    pub mode: u32,
}

/// A Rust target and the Krew platform (`os`, `arch` selector labels) it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub triple: String,
    pub os: &'static str,
    pub arch: &'static str,
}

impl Target {
    pub fn new(triple: &str) -> Result<Self> {
        let arch = match triple.split('-').next().unwrap_or_default() {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "i686" | "i586" => "386",
            a if a.starts_with("arm") => "arm",
            other => bail!("{triple}: no Krew arch for {other}"),
        };
        let os = if triple.contains("-linux-") {
            "linux"
        } else if triple.ends_with("-apple-darwin") {
            "darwin"
        } else {
            bail!("{triple}: only Linux and macOS archives are built (Windows needs .exe names)")
        };
        Ok(Self {
            triple: triple.to_string(),
            os,
            arch,
        })
    }
}

/// `kubectl-kf_clone-v0.1.0-linux-amd64.tar.gz`.
pub fn archive_name(plugin: Plugin, version: &str, os: &str, arch: &str) -> String {
    format!("{}-{version}-{os}-{arch}.tar.gz", plugin.bin())
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    ensure!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?)
}

fn host_triple() -> Result<String> {
    let info = output(Command::new("rustc").arg("-vV"))?;
    info.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_string())
        .context("rustc -vV names no host")
}

fn target_installed(triple: &str) -> Result<bool> {
    let sysroot = output(Command::new("rustc").args(["--print", "sysroot"]))?;
    Ok(Path::new(sysroot.trim())
        .join("lib/rustlib")
        .join(triple)
        .join("lib")
        .is_dir())
}

/// The targets to build: those asked for, else the host, as its static musl twin when that
/// target's standard library is installed.
fn targets(asked: &[String], host: &str) -> Result<Vec<Target>> {
    let triples: Vec<String> = if asked.is_empty() {
        let musl = host.replace("-linux-gnu", "-linux-musl");
        if musl != host && target_installed(&musl)? {
            vec![musl]
        } else {
            if musl != host {
                eprintln!(
                    "note: {musl} is not installed (rustup target add {musl}); building glibc-linked {host} binaries"
                );
            }
            vec![host.to_string()]
        }
    } else {
        asked.to_vec()
    };
    let targets = triples
        .iter()
        .map(|t| Target::new(t))
        .collect::<Result<Vec<_>>>()?;
    for (i, a) in targets.iter().enumerate() {
        if let Some(b) = targets[i + 1..]
            .iter()
            .find(|b| (b.os, b.arch) == (a.os, a.arch))
        {
            bail!(
                "{} and {} are both {}/{}: Krew allows one archive per platform",
                a.triple,
                b.triple,
                a.os,
                a.arch
            );
        }
    }
    Ok(targets)
}

fn target_dir() -> Result<PathBuf> {
    let meta = output(cargo().args(["metadata", "--format-version", "1", "--no-deps"]))?;
    let meta: serde_json::Value = serde_json::from_str(&meta)?;
    meta["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata names no target_directory")
}

/// Builds the release binaries for `target`; returns the directory holding them.
fn build(target: &Target, host: &str) -> Result<PathBuf> {
    let mut cmd = cargo();
    cmd.args(["build", "--release", "--locked"]);
    for p in Plugin::ALL {
        cmd.args(["-p", p.bin()]);
    }
    // The host's binaries go to target/release, where `cargo build --release` puts them too.
    let dir = if target.triple == host {
        target_dir()?.join("release")
    } else {
        cmd.args(["--target", &target.triple]);
        target_dir()?.join(&target.triple).join("release")
    };
    eprintln!("building {} release binaries: {cmd:?}", target.triple);
    let status = cmd.status().with_context(|| format!("running {cmd:?}"))?;
    ensure!(status.success(), "{cmd:?} failed");
    Ok(dir)
}

/// The files of one plugin's archive, with the binary read from `bin_dir`.
pub fn entries(root: &Path, plugin: Plugin, bin_dir: &Path) -> Result<Vec<Entry>> {
    let file = |name: &str, path: &Path, mode: u32| -> Result<Entry> {
        Ok(Entry {
            name: name.to_string(),
            data: std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            mode,
        })
    };
    let mut entries = vec![
        file(plugin.bin(), &bin_dir.join(plugin.bin()), 0o755)?,
        file("LICENSE", &root.join("LICENSE"), 0o644)?,
        file("README.md", &root.join("README.md"), 0o644)?,
    ];
    for f in completions::for_plugin(plugin) {
        let name = f.path.file_name().unwrap().to_string_lossy().into_owned();
        entries.push(if f.executable {
            Entry {
                name,
                data: f.contents,
                mode: 0o755,
            }
        } else {
            Entry {
                name: format!("completions/{name}"),
                data: f.contents,
                mode: 0o644,
            }
        });
    }
    for page in man::pages(plugin)? {
        entries.push(Entry {
            name: format!("man/{}", page.file),
            data: page.roff,
            mode: 0o644,
        });
    }
    Ok(entries)
}

/// A deterministic .tar.gz of `entries` (sorted, directories included, owner 0, fixed mtime).
pub fn pack(entries: &[Entry], mtime: u64) -> Result<Vec<u8>> {
    let mut entries: Vec<&Entry> = entries.iter().collect();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let mut dirs: Vec<&str> = entries
        .iter()
        .filter_map(|e| e.name.rsplit_once('/').map(|(d, _)| d))
        .collect();
    dirs.dedup();

    let gz = GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), Compression::best());
    let mut tar = tar::Builder::new(gz);
    let header = |mode: u32, size: u64, kind: tar::EntryType| {
        let mut h = tar::Header::new_ustar();
        h.set_mode(mode);
        h.set_size(size);
        h.set_mtime(mtime);
        h.set_uid(0);
        h.set_gid(0);
        h.set_entry_type(kind);
        h
    };
    for d in dirs {
        let mut h = header(0o755, 0, tar::EntryType::Directory);
        tar.append_data(&mut h, format!("{d}/"), std::io::empty())?;
    }
    for e in entries {
        let mut h = header(e.mode, e.data.len() as u64, tar::EntryType::Regular);
        tar.append_data(&mut h, &e.name, e.data.as_slice())?;
    }
    let gz = tar.into_inner()?;
    Ok(gz.finish()?)
}

/// The regular files of a .tar.gz: name, mode, contents.
pub fn unpack(archive: &[u8]) -> Result<Vec<Entry>> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let mut out = Vec::new();
    for entry in tar.entries()? {
        let mut entry = entry?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = entry.path()?.to_string_lossy().into_owned();
        let mode = entry.header().mode()?;
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data)?;
        out.push(Entry { name, data, mode });
    }
    Ok(out)
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn dist(root: &Path, version: &str, asked: &[String]) -> Result<()> {
    let host = host_triple()?;
    let targets = targets(asked, &host)?;
    let dist = root.join(DIR);
    std::fs::create_dir_all(&dist)?;
    let man_dir = dist.join("man");
    if man_dir.exists() {
        std::fs::remove_dir_all(&man_dir)?;
    }
    man::write(&man_dir)?;

    let mtime = crate::source_date_epoch().max(0) as u64;
    let mut report = Vec::new();
    for target in &targets {
        let bin_dir = build(target, &host)?;
        for plugin in Plugin::ALL {
            let archive = pack(&entries(root, plugin, &bin_dir)?, mtime)?;
            let name = archive_name(plugin, version, target.os, target.arch);
            crate::write_file(&dist.join(&name), &archive)?;
            let bin_size = std::fs::metadata(bin_dir.join(plugin.bin()))?.len();
            report.push((name, bin_size, archive.len(), sha256_hex(&archive)));
        }
    }

    // SHA256SUMS covers every archive of this version in dist/ (other targets may have been
    // built by earlier runs).
    let mut sums = String::new();
    let mut names: Vec<String> = std::fs::read_dir(&dist)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tar.gz") && n.contains(&format!("-{version}-")))
        .collect();
    names.sort();
    for n in &names {
        let data = std::fs::read(dist.join(n))?;
        sums.push_str(&format!("{}  {n}\n", sha256_hex(&data)));
    }
    std::fs::File::create(dist.join("SHA256SUMS"))?.write_all(sums.as_bytes())?;

    println!(
        "{:<48} {:>12} {:>12}  sha256",
        "archive", "binary", "archive"
    );
    for (name, bin, size, sha) in report {
        println!("{name:<48} {bin:>12} {size:>12}  {sha}");
    }
    println!("man pages: {}", man_dir.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Entry> {
        vec![
            Entry {
                name: "kubectl-kf_clone".into(),
                data: b"\x7fELF...".to_vec(),
                mode: 0o755,
            },
            Entry {
                name: "man/kubectl-kf_clone.1".into(),
                data: b".TH X".to_vec(),
                mode: 0o644,
            },
            Entry {
                name: "LICENSE".into(),
                data: b"Apache".to_vec(),
                mode: 0o644,
            },
        ]
    }

    #[test]
    fn archives_round_trip_and_are_reproducible() {
        let a = pack(&sample(), 0).unwrap();
        let mut reversed = sample();
        reversed.reverse();
        assert_eq!(a, pack(&reversed, 0).unwrap(), "entry order leaks in");
        assert_ne!(a, pack(&sample(), 1_700_000_000).unwrap());

        let mut back = unpack(&a).unwrap();
        back.sort_by(|x, y| x.name.cmp(&y.name));
        let mut want = sample();
        want.sort_by(|x, y| x.name.cmp(&y.name));
        assert_eq!(back, want);

        // tar(1) agrees, including the directory entry and the executable bit
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.tar.gz");
        std::fs::write(&file, &a).unwrap();
        let listing = Command::new("tar").arg("tvzf").arg(&file).output().unwrap();
        assert!(listing.status.success());
        let listing = String::from_utf8(listing.stdout).unwrap();
        assert!(
            listing.contains("drwxr-xr-x") && listing.contains("man/"),
            "{listing}"
        );
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with(" kubectl-kf_clone")),
            "{listing}"
        );
    }

    #[test]
    fn each_archive_holds_binary_license_readme_man_and_completions() {
        let root = crate::repo_root();
        let fake = tempfile::tempdir().unwrap();
        for plugin in Plugin::ALL {
            std::fs::write(fake.path().join(plugin.bin()), b"binary").unwrap();
            let names: Vec<String> = entries(&root, plugin, fake.path())
                .unwrap()
                .into_iter()
                .map(|e| e.name)
                .collect();
            for want in [
                plugin.bin().to_string(),
                plugin.completer(),
                "LICENSE".into(),
                "README.md".into(),
                format!("man/{}.1", plugin.bin()),
                format!("completions/{}.bash", plugin.bin()),
                format!("completions/_{}", plugin.bin()),
                format!("completions/{}.fish", plugin.bin()),
                format!("completions/_{}.ps1", plugin.bin()),
            ] {
                assert!(names.contains(&want), "{want} not in {names:?}");
            }
        }
    }

    #[test]
    fn targets_map_to_krew_platforms_without_overlap() {
        let t = Target::new("x86_64-unknown-linux-musl").unwrap();
        assert_eq!((t.os, t.arch), ("linux", "amd64"));
        let t = Target::new("aarch64-apple-darwin").unwrap();
        assert_eq!((t.os, t.arch), ("darwin", "arm64"));
        assert!(Target::new("x86_64-pc-windows-msvc").is_err());
        let both = [
            "x86_64-unknown-linux-gnu".to_string(),
            "x86_64-unknown-linux-musl".to_string(),
        ];
        let err = targets(&both, "x86_64-unknown-linux-gnu").unwrap_err();
        assert!(
            err.to_string().contains("one archive per platform"),
            "{err}"
        );
        assert_eq!(
            archive_name(Plugin::Clone, "v1.2.3", "linux", "amd64"),
            "kubectl-kf_clone-v1.2.3-linux-amd64.tar.gz"
        );
    }
}
