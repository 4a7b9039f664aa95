//! Which kubeconfig contexts are blue and green, and clients for them.
//!
//! Blue is `--from`, else the current context. Green is `--to`, else the green recorded for blue
//! in the upgrade record. Unknown contexts, a missing current context and `--from` equal to `--to`
//! are usage errors (exit 2) that list the contexts that exist.

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::cli::GlobalArgs;
use crate::error::{Error, Result};
use crate::kubeconfig::Kubeconfigs;
use crate::record;

/// The kubeconfig and the blue context, resolved from the shared flags.
#[derive(Debug, Clone)]
pub struct Blue {
    pub kubeconfig: Kubeconfigs,
    pub context: String,
}

impl Blue {
    pub fn resolve(args: &GlobalArgs) -> Result<Self> {
        let kubeconfig = Kubeconfigs::load(args.kubeconfig.as_deref())?;
        let context = match &args.from {
            Some(c) => {
                kubeconfig.require_context(c, "--from")?;
                c.clone()
            }
            None => {
                let c = kubeconfig.current_context().ok_or_else(|| {
                    Error::usage(
                        format!(
                            "no current context in the kubeconfig ({})",
                            kubeconfig.describe()
                        ),
                        format!(
                            "pass --from CONTEXT (contexts: {})",
                            kubeconfig.context_names().join(", ")
                        ),
                    )
                })?;
                kubeconfig.require_context(&c, "current-context")?;
                c
            }
        };
        if let Some(to) = &args.to {
            kubeconfig.require_context(to, "--to")?;
            if *to == context {
                return Err(Error::usage(
                    format!("blue and green are both \"{to}\""),
                    "pass --to with the new cluster's context (or --from with production's)",
                ));
            }
        }
        Ok(Self {
            kubeconfig,
            context,
        })
    }

    pub async fn client(&self) -> Result<Client> {
        client_for(&self.kubeconfig, &self.context).await
    }

    /// Green: `--to`, else the green recorded for blue (the newest record).
    pub async fn green(&self, args: &GlobalArgs, blue_client: &Client) -> Result<String> {
        if let Some(to) = &args.to {
            return Ok(to.clone());
        }
        let records = record::list(blue_client, &self.context).await?;
        let green = records.first().map(|r| r.green.clone()).ok_or_else(|| {
            Error::usage(
                format!("no upgrade of \"{}\" is recorded yet", self.context),
                format!(
                    "pass --to CONTEXT (contexts: {})",
                    self.kubeconfig.context_names().join(", ")
                ),
            )
        })?;
        self.kubeconfig
            .require_context(&green, "the upgrade record")?;
        if green == self.context {
            return Err(Error::usage(
                format!("the recorded green context equals blue (\"{green}\")"),
                "pass --to",
            ));
        }
        Ok(green)
    }
}

/// A Kubernetes client for one context of the (merged) kubeconfig.
pub async fn client_for(kubeconfig: &Kubeconfigs, context: &str) -> Result<Client> {
    let mut merged: Option<Kubeconfig> = None;
    for f in kubeconfig.files() {
        let kc = Kubeconfig::read_from(&f.path).map_err(|e| {
            Error::usage(
                format!("cannot read kubeconfig {}: {e}", f.path.display()),
                "fix it or pass --kubeconfig PATH",
            )
        })?;
        merged = Some(match merged {
            None => kc,
            Some(m) => m.merge(kc).map_err(|e| {
                Error::usage(
                    format!("merging kubeconfigs: {e}"),
                    "fix the files of KUBECONFIG",
                )
            })?,
        });
    }
    let merged =
        merged.ok_or_else(|| Error::usage("no kubeconfig found", "pass --kubeconfig PATH"))?;
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..Default::default()
    };
    let config = Config::from_custom_kubeconfig(merged, &options)
        .await
        .map_err(|e| {
            Error::usage(
                format!("context \"{context}\": {e}"),
                "fix the context in the kubeconfig, or pass another",
            )
        })?;
    Client::try_from(config).map_err(Error::from)
}
