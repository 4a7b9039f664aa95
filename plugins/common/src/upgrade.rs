//! What every step of one upgrade needs: AWS, the record, green's name and tag, and the flags
//! that govern waiting and approval.

use std::time::Duration;

use crate::aws::Aws;
use crate::record::{self, RecordStore};

pub struct Ctx {
    pub aws: Aws,
    pub record: RecordStore,
    /// Green's kubeconfig context.
    pub green: String,
    /// Green as a tag/label value and name part (`kubeflow.org/upgrade=<tag>`).
    pub tag: String,
    pub timeout: Duration,
    pub resync: bool,
    pub yes: bool,
}

impl Ctx {
    pub fn new(aws: Aws, record: RecordStore, green: &str, timeout: Duration) -> Self {
        Self {
            aws,
            record,
            green: green.to_string(),
            tag: record::label_value(green),
            timeout,
            resync: false,
            yes: false,
        }
    }

    /// `prefix + tag + suffix`, the tag shortened so the whole fits in `max` characters.
    pub fn name(&self, prefix: &str, suffix: &str, max: usize) -> String {
        let room = max.saturating_sub(prefix.len() + suffix.len());
        let tag: String = self.tag.chars().take(room).collect();
        format!("{prefix}{tag}{suffix}")
    }
}
