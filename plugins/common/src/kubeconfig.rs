//! Reading and safely editing kubeconfig files.
//!
//! The rules are kubectl's (`kubectl config --help`): with `--kubeconfig` only that file is used;
//! otherwise every file in `$KUBECONFIG` (or `~/.kube/config`) is merged, the first file to define
//! an entry wins, a change is made in the file that defines the entry and a new entry goes into the
//! first file that exists. Files are kept as YAML trees so that fields this tool does not know
//! (extensions, preferences, exec settings) survive an edit. A write goes to a temporary file in the
//! same directory with mode 0600, the previous file is kept as `<file>.kf-backup`, and the temporary
//! file is renamed over the original, so a failed write leaves the original as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::error::{Error, Result};

/// The kubeconfig files in effect, in precedence order.
#[derive(Debug, Clone)]
pub struct Kubeconfigs {
    files: Vec<KubeconfigFile>,
    explicit: bool,
}

#[derive(Debug, Clone)]
pub struct KubeconfigFile {
    pub path: PathBuf,
    pub doc: Value,
}

/// A context as the merged view sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextEntry {
    pub name: String,
    pub cluster: String,
    pub user: String,
    pub namespace: Option<String>,
}

/// The section lists of a kubeconfig, each a list of `{name, <section>: {...}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Clusters,
    Users,
    Contexts,
}

impl Section {
    fn key(self) -> &'static str {
        match self {
            Self::Clusters => "clusters",
            Self::Users => "users",
            Self::Contexts => "contexts",
        }
    }
    fn item(self) -> &'static str {
        match self {
            Self::Clusters => "cluster",
            Self::Users => "user",
            Self::Contexts => "context",
        }
    }
}

impl Kubeconfigs {
    /// Loads the kubeconfig chain: `explicit` (the `--kubeconfig` flag), else `$KUBECONFIG`, else
    /// `~/.kube/config`.
    pub fn load(explicit: Option<&Path>) -> Result<Self> {
        let (paths, explicit_flag) = match explicit {
            Some(p) => (vec![p.to_path_buf()], true),
            None => (kf_cli::kubeconfig_paths(None), false),
        };
        let mut files = Vec::new();
        for path in paths {
            match std::fs::read_to_string(&path) {
                Ok(text) => files.push(KubeconfigFile::parse(&path, &text)?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit_flag => continue,
                Err(e) => {
                    return Err(Error::usage(
                        format!("cannot read kubeconfig {}: {e}", path.display()),
                        "pass --kubeconfig PATH or set KUBECONFIG",
                    ));
                }
            }
        }
        if files.is_empty() {
            return Err(Error::usage(
                "no kubeconfig found ($KUBECONFIG and ~/.kube/config are missing)",
                "pass --kubeconfig PATH",
            ));
        }
        Ok(Self {
            files,
            explicit: explicit_flag,
        })
    }

    /// A chain of already-parsed files (first wins).
    pub fn from_files(files: Vec<KubeconfigFile>) -> Self {
        Self {
            files,
            explicit: true,
        }
    }

    pub fn files(&self) -> &[KubeconfigFile] {
        &self.files
    }

    /// The paths, for messages.
    pub fn describe(&self) -> String {
        let paths: Vec<String> = self
            .files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        let joined = paths.join(":");
        if self.explicit {
            joined
        } else {
            format!("KUBECONFIG={joined}")
        }
    }

    /// Every context name, in file order, without duplicates.
    pub fn context_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for f in &self.files {
            for n in f.names(Section::Contexts) {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
        }
        names
    }

    pub fn current_context(&self) -> Option<String> {
        self.files.iter().find_map(|f| {
            f.doc
                .get("current-context")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
    }

    pub fn context(&self, name: &str) -> Option<ContextEntry> {
        let ctx = self.entry(Section::Contexts, name)?;
        let field = |k: &str| ctx.get(k).and_then(Value::as_str).map(str::to_string);
        Some(ContextEntry {
            name: name.to_string(),
            cluster: field("cluster").unwrap_or_default(),
            user: field("user").unwrap_or_default(),
            namespace: field("namespace"),
        })
    }

    /// The `server` of the cluster a context uses.
    pub fn server(&self, context: &str) -> Option<String> {
        let ctx = self.context(context)?;
        self.entry(Section::Clusters, &ctx.cluster)?
            .get("server")
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    /// The body of a named entry (`cluster:`, `user:` or `context:` mapping), first file wins.
    pub fn entry(&self, section: Section, name: &str) -> Option<&Value> {
        self.files.iter().find_map(|f| f.entry(section, name))
    }

    /// Checks that `name` is a context, or says which contexts exist (exit 2).
    pub fn require_context(&self, name: &str, flag: &str) -> Result<ContextEntry> {
        self.context(name).ok_or_else(|| {
            let names = self.context_names();
            let list = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            Error::usage(
                format!(
                    "context \"{name}\" (from {flag}) is not in the kubeconfig ({})",
                    self.describe()
                ),
                format!("contexts: {list}"),
            )
        })
    }

    /// The file an edit of `section`/`name` goes to: the one defining it, else the first file.
    fn file_for(&self, section: Section, name: &str) -> usize {
        self.files
            .iter()
            .position(|f| f.entry(section, name).is_some())
            .unwrap_or(0)
    }

    /// Creates or replaces the named entries (cluster, user, context) and writes each file changed.
    /// Never changes `current-context`.
    pub fn upsert(&mut self, entries: &[(Section, &str, Value)]) -> Result<Vec<PathBuf>> {
        let mut touched: Vec<usize> = Vec::new();
        for (section, name, body) in entries {
            let i = self.file_for(*section, name);
            self.files[i].set_entry(*section, name, body.clone());
            if !touched.contains(&i) {
                touched.push(i);
            }
        }
        let mut written = Vec::new();
        for i in touched {
            self.files[i].save()?;
            written.push(self.files[i].path.clone());
        }
        Ok(written)
    }

    /// Removes the named entries from every file holding them and writes each file changed
    /// (safely, with a backup); the files written. Never changes `current-context`.
    pub fn remove(&mut self, entries: &[(Section, &str)]) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for f in &mut self.files {
            let mut changed = false;
            for (section, name) in entries {
                if let Some(seq) = f
                    .map_mut()
                    .get_mut(section.key())
                    .and_then(Value::as_sequence_mut)
                {
                    let before = seq.len();
                    seq.retain(|e| e.get("name").and_then(Value::as_str) != Some(*name));
                    changed |= seq.len() != before;
                }
            }
            if changed {
                f.save()?;
                written.push(f.path.clone());
            }
        }
        Ok(written)
    }

    /// Switches current-context in the file that sets it (else the first file).
    pub fn set_current_context(&mut self, name: &str) -> Result<PathBuf> {
        let i = self
            .files
            .iter()
            .position(|f| f.doc.get("current-context").is_some())
            .unwrap_or(0);
        let f = &mut self.files[i];
        f.map_mut()
            .insert(Value::from("current-context"), Value::from(name));
        f.save()?;
        Ok(f.path.clone())
    }
}

impl KubeconfigFile {
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let doc: Value = if text.trim().is_empty() {
            Value::Mapping(Mapping::new())
        } else {
            serde_yaml::from_str(text).map_err(|e| {
                Error::usage(
                    format!("kubeconfig {} is not valid YAML ({e})", path.display()),
                    "fix it or pass --kubeconfig PATH",
                )
            })?
        };
        let doc = match doc {
            Value::Mapping(_) => doc,
            Value::Null => Value::Mapping(Mapping::new()),
            _ => {
                return Err(Error::usage(
                    format!(
                        "kubeconfig {} is not a kubeconfig (expected a mapping)",
                        path.display()
                    ),
                    "pass --kubeconfig PATH",
                ));
            }
        };
        Ok(Self {
            path: path.to_path_buf(),
            doc,
        })
    }

    fn map_mut(&mut self) -> &mut Mapping {
        if !self.doc.is_mapping() {
            self.doc = Value::Mapping(Mapping::new());
        }
        self.doc.as_mapping_mut().expect("mapping")
    }

    fn names(&self, section: Section) -> Vec<String> {
        self.doc
            .get(section.key())
            .and_then(Value::as_sequence)
            .map(|s| {
                s.iter()
                    .filter_map(|e| e.get("name").and_then(Value::as_str).map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn entry(&self, section: Section, name: &str) -> Option<&Value> {
        self.doc
            .get(section.key())?
            .as_sequence()?
            .iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))?
            .get(section.item())
    }

    /// Sets the body of a named entry, keeping the entry's other fields and its place in the list.
    pub fn set_entry(&mut self, section: Section, name: &str, body: Value) {
        let map = self.map_mut();
        if map
            .get(section.key())
            .and_then(Value::as_sequence)
            .is_none()
        {
            map.insert(Value::from(section.key()), Value::Sequence(Vec::new()));
            if !map.contains_key("apiVersion") {
                map.insert(Value::from("apiVersion"), Value::from("v1"));
            }
            if !map.contains_key("kind") {
                map.insert(Value::from("kind"), Value::from("Config"));
            }
        }
        let seq = map
            .get_mut(section.key())
            .and_then(Value::as_sequence_mut)
            .expect("sequence");
        match seq
            .iter_mut()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        {
            Some(existing) => {
                if let Some(m) = existing.as_mapping_mut() {
                    m.insert(Value::from(section.item()), body);
                }
            }
            None => {
                let mut m = Mapping::new();
                m.insert(Value::from("name"), Value::from(name));
                m.insert(Value::from(section.item()), body);
                seq.push(Value::Mapping(m));
            }
        }
    }

    /// Writes the file safely: temp file (0600) in the same directory, backup of the previous
    /// content, then an atomic rename.
    pub fn save(&self) -> Result<()> {
        let text = serde_yaml::to_string(&self.doc)
            .map_err(|e| Error::failed(format!("serializing kubeconfig: {e}")))?;
        write_atomic(&self.path, text.as_bytes())
    }
}

/// The backup kept next to a kubeconfig file before it is replaced.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".kf-backup");
    path.with_file_name(name)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let ctx = |what: &str| format!("{what} for kubeconfig {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".kubeconfig-kf-")
        .tempfile_in(&dir)
        .map_err(|e| Error::io(ctx("creating a temporary file"), e))?;
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o600))
        .map_err(|e| Error::io(ctx("setting mode 0600"), e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(ctx("writing"), e))?;
    if path.exists() {
        std::fs::copy(path, backup_path(path))
            .and_then(|_| {
                std::fs::set_permissions(backup_path(path), std::fs::Permissions::from_mode(0o600))
            })
            .map_err(|e| Error::io(ctx("keeping a backup"), e))?;
    }
    tmp.persist(path)
        .map_err(|e| Error::io(ctx("replacing the file"), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const A: &str = r#"apiVersion: v1
kind: Config
preferences:
  colors: true
current-context: blue
clusters:
- name: blue
  cluster:
    server: https://blue.example
    certificate-authority-data: Zm9v
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: foo
contexts:
- name: blue
  context:
    cluster: blue
    user: blue
    namespace: kubeflow
users:
- name: blue
  user:
    token: abc
extensions:
- name: my-tool
  extension:
    keep: me
"#;

    const B: &str = r#"apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://other.example
contexts:
- name: other
  context:
    cluster: other
    user: other
- name: blue
  context:
    cluster: shadowed
    user: shadowed
users:
- name: other
  user:
    token: def
"#;

    fn two_files() -> (tempfile::TempDir, PathBuf, PathBuf, Kubeconfigs) {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        let b = dir.path().join("b.yaml");
        std::fs::write(&a, A).unwrap();
        std::fs::write(&b, B).unwrap();
        let files = vec![
            KubeconfigFile::parse(&a, A).unwrap(),
            KubeconfigFile::parse(&b, B).unwrap(),
        ];
        let kc = Kubeconfigs {
            files,
            explicit: false,
        };
        (dir, a, b, kc)
    }

    #[test]
    fn merged_view_first_file_wins() {
        let (_d, _a, _b, kc) = two_files();
        assert_eq!(kc.context_names(), vec!["blue", "other"]);
        assert_eq!(kc.current_context().as_deref(), Some("blue"));
        assert_eq!(kc.context("blue").unwrap().cluster, "blue");
        assert_eq!(kc.server("other").as_deref(), Some("https://other.example"));
        let err = kc.require_context("nope", "--to").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("contexts: blue, other"), "{err}");
    }

    #[test]
    fn edit_goes_to_the_file_holding_the_entry_and_keeps_unknown_fields() {
        let (_d, a, b, mut kc) = two_files();
        let b_before = std::fs::read_to_string(&b).unwrap();
        let body: Value =
            serde_yaml::from_str("cluster: blue\nuser: blue\nnamespace: default\n").unwrap();
        let written = kc.upsert(&[(Section::Contexts, "blue", body)]).unwrap();
        assert_eq!(written, vec![a.clone()]);
        // The other file is untouched, byte for byte.
        assert_eq!(std::fs::read_to_string(&b).unwrap(), b_before);
        let after: Value = serde_yaml::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
        let orig: Value = serde_yaml::from_str(A).unwrap();
        assert_eq!(after["extensions"], orig["extensions"]);
        assert_eq!(after["preferences"], orig["preferences"]);
        assert_eq!(after["clusters"], orig["clusters"]);
        assert_eq!(
            after["contexts"][0]["context"]["namespace"],
            Value::from("default")
        );
        assert_eq!(after["current-context"], Value::from("blue"));
        // mode 0600 and a backup of the previous content
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_to_string(backup_path(&a)).unwrap(), A);
    }

    #[test]
    fn new_entries_go_to_the_first_file() {
        let (_d, a, _b, mut kc) = two_files();
        let cluster: Value = serde_yaml::from_str("server: https://green.example\n").unwrap();
        let ctx: Value = serde_yaml::from_str("cluster: green\nuser: green\n").unwrap();
        kc.upsert(&[
            (Section::Clusters, "green", cluster),
            (Section::Contexts, "green", ctx),
        ])
        .unwrap();
        let reread = KubeconfigFile::parse(&a, &std::fs::read_to_string(&a).unwrap()).unwrap();
        assert!(reread.entry(Section::Contexts, "green").is_some());
        assert_eq!(
            reread.entry(Section::Clusters, "green").unwrap()["server"],
            Value::from("https://green.example")
        );
        // current-context never changes on upsert
        assert_eq!(reread.doc["current-context"], Value::from("blue"));
    }

    #[test]
    fn round_trip_without_changes_is_semantically_identical() {
        let (_d, a, _b, kc) = two_files();
        kc.files[0].save().unwrap();
        let after: Value = serde_yaml::from_str(&std::fs::read_to_string(&a).unwrap()).unwrap();
        let orig: Value = serde_yaml::from_str(A).unwrap();
        assert_eq!(after, orig);
    }

    #[test]
    fn failed_write_leaves_the_original_intact() {
        let (_d, a, _b, mut kc) = two_files();
        // The backup cannot be written (a directory is in its way): the edit must fail cleanly.
        std::fs::create_dir(backup_path(&a)).unwrap();
        let err = kc.set_current_context("other").unwrap_err();
        assert!(err.to_string().contains("keeping a backup"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), A);
        // and no temporary file is left behind
        let leftovers: Vec<_> = std::fs::read_dir(a.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".kubeconfig-kf-")
            })
            .collect();
        assert!(leftovers.is_empty());
    }

    #[test]
    fn malformed_kubeconfig_is_a_usage_error() {
        let err = KubeconfigFile::parse(Path::new("/x"), "clusters: [").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let err = KubeconfigFile::parse(Path::new("/x"), "- a\n- b\n").unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
