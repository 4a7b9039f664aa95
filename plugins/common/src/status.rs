//! `kubectl kf status`: the upgrade record of blue, rendered.

use crate::cli::GlobalArgs;
use crate::context::Blue;
use crate::error::Result;
use crate::output::{self, OutputFormat, Render};
use crate::record::{self, UpgradeRecord};

impl Render for UpgradeRecord {
    fn table(&self) -> String {
        let mut s = output::table(
            &["UPGRADE", "CREATED", "UPDATED"],
            [[
                format!("{} -> {}", self.blue, self.green),
                self.created.clone(),
                self.updated.clone(),
            ]],
        );
        s.push('\n');
        if self.resources.is_empty() {
            s.push_str("No steps recorded yet.\n");
        } else {
            // Reads on 80 columns: the resource and its message wrap beneath its kind.
            s.push_str(&output::wrapped_table(
                &["STEP", "PHASE", "RESOURCE"],
                self.resources.iter().map(|(k, r)| {
                    let mut what = format!("{} {}\n  updated {}", r.kind, r.id, r.updated);
                    if let Some(m) = r.message.as_deref().filter(|m| !m.is_empty()) {
                        what.push_str(&format!("\n  {m}"));
                    }
                    [k.clone(), r.phase.to_string(), what]
                }),
            ));
        }
        for key in self.other.keys() {
            s.push_str(&format!("\n{key}: recorded (see -o yaml)\n"));
        }
        s
    }
}

pub async fn run(args: &GlobalArgs) -> Result<()> {
    let blue = Blue::resolve(args)?;
    let client = blue.client().await?;
    let found = match &args.to {
        // Blue's copy, or green's once `kf retire-blue` moved it there (blue's cluster may be
        // gone by then).
        Some(green) => {
            let green_client = crate::context::client_for(&blue.kubeconfig, green)
                .await
                .ok();
            match record::RecordStore::open_moved(
                &client,
                green_client.as_ref(),
                &blue.context,
                green,
            )
            .await
            {
                Ok(store) if store.exists().await => Some(store.snapshot().await),
                Ok(_) => None,
                // The namespace is missing, or the copy names another blue: no record of it.
                Err(e) if e.exit_code() == 2 => None,
                Err(e) => return Err(e),
            }
        }
        // Blue's record, else (the current context being green) one `kf retire-blue` moved here.
        None => match record::list(&client, &blue.context)
            .await?
            .into_iter()
            .next()
        {
            Some(rec) => Some(rec),
            None => record::moved_here(&client, &blue.context)
                .await?
                .into_iter()
                .next(),
        },
    };
    match found {
        Some(rec) => output::print(args.output, &rec),
        None => match args.output {
            OutputFormat::Table => output::write_stdout(&format!(
                "No upgrade of context \"{}\" is recorded (looked for ConfigMaps kf-upgrade-* in namespace {}).\n",
                blue.context,
                record::NAMESPACE
            )),
            OutputFormat::Json => output::write_stdout("null\n"),
            OutputFormat::Yaml => output::write_stdout("null\n"),
        },
    }
}
