//! `kubectl kf status`: the upgrade record of blue, rendered.

use crate::cli::GlobalArgs;
use crate::context::Blue;
use crate::error::{OnContext, Result};
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
            s.push_str(&output::table(
                &["STEP", "KIND", "ID", "PHASE", "UPDATED", "MESSAGE"],
                self.resources.iter().map(|(k, r)| {
                    [
                        k.clone(),
                        r.kind.clone(),
                        r.id.clone(),
                        r.phase.to_string(),
                        r.updated.clone(),
                        r.message.clone().unwrap_or_default(),
                    ]
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
        Some(green) => record::get(&client, green)
            .await
            .on(&blue.context)?
            .filter(|r| r.blue == blue.context),
        None => record::list(&client, &blue.context)
            .await?
            .into_iter()
            .next(),
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
