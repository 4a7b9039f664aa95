//! What abort, cleanup and retire-blue share: a resource is deleted or kept with the reason,
//! the plan and the report read the same way in each, and each deletion is recorded with when
//! it happened and whether the resource was already gone.

use serde::{Deserialize, Serialize};

use crate::output;
use crate::record::UPGRADE_TAG;

/// What a teardown does with one resource it found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Action {
    Delete,
    Keep,
}

/// One deletion as a command's section of the record holds it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    pub kind: String,
    pub step: String,
    pub at: String,
    /// It was already gone when the command came to delete it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub already_gone: bool,
}

impl Deleted {
    /// Deleted now.
    pub fn now(kind: &str, step: &str, already_gone: bool) -> Self {
        Self {
            kind: kind.to_string(),
            step: step.to_string(),
            at: crate::record::now(),
            already_gone,
        }
    }
}

/// An ARN's resource part for tables that must read on 80 columns, its middle elided when
/// long (an OIDC provider's issuer path); other ids as they are. `-o json` keeps the whole id.
pub fn short_id(id: &str) -> String {
    let part = if id.starts_with("arn:") {
        id.splitn(6, ':').nth(5).unwrap_or(id)
    } else {
        id
    };
    match (part.len() > 60, part.split_once('/'), part.rsplit_once('/')) {
        (true, Some((first, _)), Some((_, last))) => format!("{first}/.../{last}"),
        _ => part.to_string(),
    }
}

/// One row of a plan or a report: kind, id, and why it is deleted or kept.
pub struct Row<'a> {
    pub action: Action,
    pub kind: &'a str,
    pub id: &'a str,
    pub reason: &'a str,
}

/// What a plan's title ends with in a dry run.
pub fn dry_run_note(dry_run: bool) -> &'static str {
    if dry_run {
        " (dry run: nothing is changed)"
    } else {
        ""
    }
}

/// The note that the record was gone and the resources were found from their tags.
fn lost_note(record_lost: bool, tense: &str) -> String {
    if record_lost {
        format!("The upgrade record {tense} gone: resources found from their {UPGRADE_TAG} tags.\n")
    } else {
        String::new()
    }
}

/// A teardown's plan: its `title` line, the lost-record note, and each resource to delete or
/// keep with why; `nothing` when none was found.
pub fn plan_table<'a>(
    title: &str,
    record_lost: bool,
    nothing: &str,
    rows: impl IntoIterator<Item = Row<'a>>,
) -> String {
    let mut s = format!("{title}\n{}\n", lost_note(record_lost, "is"));
    let rows: Vec<Row> = rows.into_iter().collect();
    if rows.is_empty() {
        s.push_str(nothing);
        s.push('\n');
        return s;
    }
    s.push_str(&output::deletions_table(rows.iter().map(|r| {
        (r.action == Action::Delete, r.kind, short_id(r.id), r.reason)
    })));
    s
}

/// What a teardown deleted (a table; `nothing` when it deleted none), `notes` (the final
/// snapshots it kept), and what it kept, with why.
pub fn report_table<'a>(
    record_lost: bool,
    nothing: &str,
    deleted: impl IntoIterator<Item = Row<'a>>,
    notes: impl IntoIterator<Item = String>,
    kept: impl IntoIterator<Item = Row<'a>>,
) -> String {
    let mut s = lost_note(record_lost, "was");
    let deleted: Vec<Row> = deleted.into_iter().collect();
    if deleted.is_empty() {
        if !nothing.is_empty() {
            s.push_str(nothing);
            s.push('\n');
        }
    } else {
        s.push_str(&output::table(
            &["KIND", "ID", "DELETED"],
            deleted
                .iter()
                .map(|r| [r.kind.to_string(), short_id(r.id), "yes".into()]),
        ));
    }
    for n in notes {
        s.push_str(&n);
        s.push('\n');
    }
    for k in kept {
        s.push_str(&format!(
            "kept {} {}: {}\n",
            k.kind,
            short_id(k.id),
            k.reason
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_arns_keep_their_ends_and_short_ids_stay_whole() {
        let arn = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/\
                   0123456789ABCDEF0123456789ABCDEF";
        assert_eq!(
            short_id(arn),
            "oidc-provider/.../0123456789ABCDEF0123456789ABCDEF"
        );
        assert_eq!(short_id("kf-green-db"), "kf-green-db");
        assert_eq!(
            short_id("arn:aws:iam::1:role/kf-green-datasync"),
            "role/kf-green-datasync"
        );
    }

    #[test]
    fn a_plan_with_nothing_says_so_and_notes_a_lost_record() {
        let s = plan_table("Plan: x", true, "Nothing to do.", Vec::new());
        assert!(s.starts_with("Plan: x\nThe upgrade record is gone"), "{s}");
        assert!(s.ends_with("Nothing to do.\n"), "{s}");
    }
}
