//! The command-line surface of every plugin, as data: the binaries parse these, and completions,
//! man pages and `--help` snapshots are generated from the same definitions.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::args::GlobalArgs;

const ABOUT_KF: &str = "Blue/green upgrades of Kubeflow on Amazon EKS";
const AFTER_KF: &str = "\
Plugins (each also runs as `kubectl kf-<name>`):
  clone      Clone blue's RDS database, S3 bucket and EFS file system for green
  deploy     Create green's EKS cluster shaped like blue; deploy Kubeflow on it
  storage    EFS, PVCs bound to cloned data, and the default StorageClass on green
  cutover    Move production traffic to green, and fail back

A typical upgrade:
  kubectl kf deploy cluster green --version 1.31
  kubectl kf storage efs --to green
  kubectl kf clone --from blue --to green
  kubectl kf deploy kubeflow --to green --manifests ./kubeflow-manifests
  kubectl kf migrate --to green
  kubectl kf verify --to green
  kubectl kf cutover --to green --yes";

/// `kubectl kf`: the dispatcher.
#[derive(Parser, Debug)]
#[command(name = "kubectl-kf", bin_name = "kubectl kf", version, about = ABOUT_KF, after_help = AFTER_KF)]
pub struct KfCli {
    #[command(subcommand)]
    pub command: KfCommand,
}

#[derive(Subcommand, Debug)]
pub enum KfCommand {
    /// Show the upgrade recorded for blue: steps, resources and their phases
    Status {
        #[command(flatten)]
        global: GlobalArgs,
    },
    /// Print an EKS ExecCredential for a cluster (used by the kubeconfig entries kf writes)
    Token(TokenArgs),
    /// Print the version
    Version {
        #[command(flatten)]
        global: GlobalArgs,
    },
    /// Carry every user's Profile, the objects they made in its namespace and their volumes
    /// (EFS claims bound to the cloned data, EBS claims by snapshot) from blue to green
    Migrate(MigrateArgs),
    /// Compare blue and green: every database, bucket, file, profile, claim, notebook and
    /// role blue has, carried to green or missing (exit 1 when anything is missing)
    Verify(VerifyArgs),
    /// Delete what only served the copy: DataSync tasks, locations and role, older DB
    /// snapshots of blue (plans without --yes)
    Cleanup(CleanupArgs),
    /// Remove the whole green attempt and leave blue as it was: green's cluster, DB (a final
    /// snapshot kept), EFS, roles, secrets; its bucket only with --delete-data (plans without
    /// --yes)
    Abort(AbortArgs),
    /// After cutover: delete blue's cluster and DB (a final snapshot kept); its EFS and bucket
    /// only with --delete-data. Asks for blue's cluster name unless --yes
    RetireBlue(RetireBlueArgs),
    /// Run `kubectl kf-clone` (see `kubectl kf clone --help`)
    #[command(disable_help_flag = true)]
    Clone(Passthrough),
    /// Run `kubectl kf-deploy` (see `kubectl kf deploy --help`)
    #[command(disable_help_flag = true)]
    Deploy(Passthrough),
    /// Run `kubectl kf-storage` (see `kubectl kf storage --help`)
    #[command(disable_help_flag = true)]
    Storage(Passthrough),
    /// Run `kubectl kf-cutover` (see `kubectl kf cutover --help`)
    #[command(disable_help_flag = true)]
    Cutover(Passthrough),
}

#[derive(Args, Debug)]
pub struct Passthrough {
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<OsString>,
}

/// `kubectl kf cleanup`: the end of an upgrade that keeps green.
#[derive(Args, Debug)]
pub struct CleanupArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// How many of the DB snapshots the clone took of blue to keep, newest first (0: none)
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub keep_snapshots: usize,
}

/// `kubectl kf abort`: the end of an upgrade that abandons green.
#[derive(Args, Debug)]
pub struct AbortArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Delete green's S3 bucket and its objects too (otherwise it is listed as kept)
    #[arg(long)]
    pub delete_data: bool,
}

/// `kubectl kf retire-blue`: the end of an upgrade that keeps green, once it serves production.
#[derive(Args, Debug)]
pub struct RetireBlueArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Delete blue's EFS file system and S3 bucket too (otherwise they are listed as kept)
    #[arg(long)]
    pub delete_data: bool,
}

/// What `kubectl kf migrate` does with claims on EBS.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EbsMode {
    /// Snapshot each volume and make a copy in a zone green's nodegroups use
    #[default]
    Snapshot,
    /// Leave them: listed as not carried, with size and namespace
    Skip,
}

/// `kubectl kf migrate`: Profiles, then each profile namespace's user objects and every claim.
#[derive(Args, Debug)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Only this profile namespace (repeatable; default: every profile of blue)
    #[arg(long = "namespace", value_name = "NS")]
    pub namespaces: Vec<String>,
    /// Leave this profile namespace out (repeatable)
    #[arg(long = "exclude-namespace", value_name = "NS")]
    pub exclude_namespaces: Vec<String>,
    /// Claims on EBS: copy them by snapshot, or skip them
    #[arg(long, value_enum, value_name = "MODE", default_value_t = EbsMode::Snapshot)]
    pub ebs: EbsMode,
}

/// `kubectl kf verify`: blue against green, one line per item.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// How many of blue's objects have their ETags compared with green's, spread evenly over
    /// blue's keys in order (the same objects every run; 0: none)
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub sample: usize,
}

#[derive(Args, Debug)]
pub struct TokenArgs {
    /// EKS cluster name
    #[arg(long)]
    pub cluster: String,
    /// AWS region of the cluster
    #[arg(long)]
    pub region: Option<String>,
    /// AWS named profile
    #[arg(long)]
    pub profile: Option<String>,
}

/// `kubectl kf clone`.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl-kf_clone",
    bin_name = "kubectl kf clone",
    version,
    about = "Clone blue's RDS database, S3 bucket and EFS file system for green, concurrently and resumably"
)]
pub struct CloneCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Clone only these storage layers
    #[arg(long, value_delimiter = ',', value_enum)]
    pub only: Vec<Layer>,
    /// Repeat the copy for the maintenance window (incremental DataSync; a fresh DB snapshot and
    /// restore, replacing green's DB only with --yes)
    #[arg(long)]
    pub resync: bool,
    /// Blue's RDS instance identifier [default: discovered from pipeline-install-config]
    #[arg(long, value_name = "ID")]
    pub db_instance: Option<String>,
    /// Blue's S3 artifact bucket [default: bucketName of pipeline-install-config]
    #[arg(long, value_name = "NAME")]
    pub bucket: Option<String>,
    /// Blue's EFS file system id [default: fileSystemId of the efs-sc StorageClass]
    #[arg(long, value_name = "FS_ID")]
    pub efs_id: Option<String>,
    /// With --resync after green took production traffic: replace green's DB (after a final
    /// snapshot of it, kept) and mirror blue's deletions onto green, discarding what only green has
    #[arg(long)]
    pub discard_green_writes: bool,
    /// Limit each DataSync copy (bucket, file system) to this many MiB/s, so the clone does not
    /// starve production (DataSync BytesPerSecond) [default: no limit]
    #[arg(long, value_name = "MiB/s", value_parser = parse_bandwidth)]
    pub bandwidth: Option<u32>,
}

/// `--bandwidth`: a positive whole number of MiB/s.
pub fn parse_bandwidth(s: &str) -> Result<u32, String> {
    match s.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "expected a positive whole number of MiB/s, e.g. --bandwidth 100 (leave the flag out for no limit), not {s:?}"
        )),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum Layer {
    Db,
    Bucket,
    Efs,
}

/// `kubectl kf deploy`.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl-kf_deploy",
    bin_name = "kubectl kf deploy",
    version,
    about = "Create green's EKS cluster shaped like blue, and deploy Kubeflow on it wired to the clones"
)]
pub struct DeployCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: DeployCommand,
}

#[derive(Subcommand, Debug)]
pub enum DeployCommand {
    /// Create the green EKS cluster from blue's shape, and its kubeconfig context NAME
    Cluster {
        /// Name of the green cluster and of its kubeconfig context
        name: String,
        /// Kubernetes version [default: blue's]
        #[arg(long)]
        version: Option<String>,
        /// Node instance type [default: blue's]
        #[arg(long, value_name = "TYPE")]
        node_type: Option<String>,
        /// Desired nodes [default: blue's]
        #[arg(long)]
        nodes: Option<i32>,
        /// Minimum nodes [default: blue's]
        #[arg(long)]
        nodes_min: Option<i32>,
        /// Maximum nodes [default: blue's]
        #[arg(long)]
        nodes_max: Option<i32>,
        /// Image family for nodegroups whose Amazon Linux 2 images EKS does not publish for
        /// green's version (1.33 and later) [default: al2023]; needed to replace a custom AMI
        #[arg(long, value_enum, value_name = "FAMILY")]
        ami_family: Option<AmiFamily>,
    },
    /// Point a Kubeflow manifests checkout at the clones, build it and apply it to green
    Kubeflow {
        /// The checkout: awslabs/kubeflow-manifests, or the Kubeflow community distribution
        #[arg(long, value_name = "DIR")]
        manifests: PathBuf,
        /// Deployment option of an awslabs checkout (deployments/<OPTION>)
        #[arg(long, default_value = "rds-s3")]
        option: String,
        /// The kustomization to build, relative to DIR [default: deployments/<OPTION> of an
        /// awslabs checkout, example of the community distribution]
        #[arg(long, value_name = "PATH")]
        kustomization: Option<PathBuf>,
    },
}

/// The EKS-optimized image family of green's nodes where blue's cannot be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AmiFamily {
    /// Amazon Linux 2023
    Al2023,
    /// Bottlerocket
    Bottlerocket,
}

/// `kubectl kf storage`.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl-kf_storage",
    bin_name = "kubectl kf storage",
    version,
    about = "EFS, PVCs bound to cloned data, and the default StorageClass on green"
)]
pub struct StorageCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: StorageCommand,
}

#[derive(Subcommand, Debug)]
pub enum StorageCommand {
    /// EFS file system, NFS security group, mount targets, EFS CSI driver and StorageClass efs-sc
    Efs {
        /// Name tag of the file system
        #[arg(long, default_value = "efsvol")]
        name: String,
        /// Name of the security group allowing NFS from the cluster VPC [default: kf-<green>-efs-nfs]
        #[arg(long, value_name = "NAME")]
        security_group_name: Option<String>,
        /// uid of the directories the StorageClass provisions
        #[arg(long, default_value_t = 1000)]
        uid: u32,
        /// gid of the directories the StorageClass provisions
        #[arg(long, default_value_t = 100)]
        gid: u32,
    },
    /// A PVC on green, bound to blue's cloned data when there is some
    Pvc {
        /// Claim name
        claim: String,
        /// Namespace of the claim
        #[arg(short = 'n', long)]
        namespace: String,
        /// Requested size
        #[arg(long, default_value = "10Gi")]
        size: String,
        /// StorageClass
        #[arg(long, default_value = "efs-sc")]
        storage_class: String,
        /// Create the namespace when it does not exist
        #[arg(long)]
        create_namespace: bool,
        /// Extra JSON patch (RFC 6902) applied to the claim manifest
        #[arg(long, value_name = "JSON")]
        patch: Option<String>,
    },
    /// Make CLASS the only default StorageClass
    DefaultClass {
        /// StorageClass name
        class: String,
    },
}

/// `kubectl kf cutover`.
#[derive(Parser, Debug)]
#[command(
    name = "kubectl-kf_cutover",
    bin_name = "kubectl kf cutover",
    version,
    about = "Move production traffic to green after preflight checks, and fail back"
)]
pub struct CutoverCli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// DNS name that serves Kubeflow [default: the record pointing at blue's load balancer]
    #[arg(long, value_name = "NAME", global = true)]
    pub dns: Option<String>,
    /// Route 53 hosted zone id of --dns
    #[arg(long, value_name = "ID", global = true)]
    pub hosted_zone: Option<String>,
    /// Send this percentage of traffic to green (weighted records)
    #[arg(long, value_name = "PCT", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub weight: Option<u8>,
    /// Stop blue's writers before switching: Kubeflow's Deployments, notebooks, pipeline runs,
    /// recurring runs and Katib trials (each previous value recorded)
    #[arg(long)]
    pub freeze_blue: bool,
    /// Resync the clones between freezing blue and switching (needs --freeze-blue, or a blue
    /// frozen earlier)
    #[arg(long)]
    pub resync: bool,
    /// Allow --resync while blue still runs: what blue writes during the copy may be missing or
    /// inconsistent on green
    #[arg(long, requires = "resync")]
    pub allow_live_resync: bool,
    /// Allow --resync after green took production traffic: green's DB is replaced (after a final
    /// snapshot, kept) and what only green's bucket and file system hold is deleted
    #[arg(long, requires = "resync")]
    pub discard_green_writes: bool,
    #[command(subcommand)]
    pub command: Option<CutoverCommand>,
}

#[derive(Subcommand, Debug)]
pub enum CutoverCommand {
    /// Run the preflight checks only
    Check,
    /// Restore every recorded value: DNS, blue's writers, the current context
    Failback {
        /// Copy back to blue what green's bucket and file system gained since green took traffic
        /// (DataSync, changed files only, nothing deleted, blue's files never overwritten)
        #[arg(long)]
        sync_back: bool,
    },
    /// Where traffic goes now
    Status,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn command_definitions_are_consistent() {
        KfCli::command().debug_assert();
        CloneCli::command().debug_assert();
        DeployCli::command().debug_assert();
        StorageCli::command().debug_assert();
        CutoverCli::command().debug_assert();
    }

    #[test]
    fn the_record_to_move_can_be_named_after_the_subcommand_too() {
        use clap::Parser;
        for args in [
            &["kubectl-kf_cutover", "check", "--dns", "kf.example.com"][..],
            &["kubectl-kf_cutover", "--dns", "kf.example.com", "check"][..],
            &[
                "kubectl-kf_cutover",
                "failback",
                "--hosted-zone",
                "Z1",
                "--dns",
                "kf.example.com",
            ][..],
        ] {
            let cli = CutoverCli::try_parse_from(args).unwrap();
            assert_eq!(cli.dns.as_deref(), Some("kf.example.com"), "{args:?}");
            assert!(cli.command.is_some());
        }
    }

    #[test]
    fn cleanup_keeps_the_latest_snapshot_unless_told() {
        let cli = KfCli::try_parse_from(["kubectl-kf", "cleanup", "--yes"]).unwrap();
        match cli.command {
            KfCommand::Cleanup(a) => assert_eq!((a.keep_snapshots, a.global.yes), (1, true)),
            other => panic!("{other:?}"),
        }
        let cli =
            KfCli::try_parse_from(["kubectl-kf", "cleanup", "--keep-snapshots", "0"]).unwrap();
        assert!(matches!(cli.command, KfCommand::Cleanup(a) if a.keep_snapshots == 0));
    }

    #[test]
    fn dispatcher_passes_help_through() {
        let cli = KfCli::try_parse_from(["kubectl-kf", "clone", "--help", "--from", "x"]).unwrap();
        match cli.command {
            KfCommand::Clone(p) => assert_eq!(p.args, vec!["--help", "--from", "x"]),
            other => panic!("{other:?}"),
        }
    }
}
