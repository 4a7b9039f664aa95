//! Finding blue's storage from blue itself, and green's network from green's EKS cluster.
//!
//! Blue: the DB host and bucket in `kubeflow/pipeline-install-config` (the `host` of
//! `mysql-secret` as a fallback), matched to RDS instance endpoints; the file system in the
//! `efs-sc` StorageClass. Flags override each. Nothing here writes.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::Client;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};

use super::Overrides;
use crate::aws::Aws;
use crate::commands::Layer;

use crate::error::{Error, Result};
use crate::install_config::{DB_SECRET, EFS_CLASS, INSTALL_CONFIG, cm_value, install_config};
use crate::record::NAMESPACE;

/// The Secrets Manager secret name the AWS Kubeflow manifests use for the DB.
pub const DEFAULT_DB_SECRET: &str = "rds-secret";

/// Blue's database as RDS describes it.
#[derive(Clone, Debug, Default)]
pub struct BlueDb {
    pub id: String,
    pub host: String,
    pub engine: String,
    /// The port clients connect to (green's security group allows it).
    pub port: i32,
    pub class: String,
    pub storage_type: Option<String>,
    pub allocated_storage: Option<i32>,
    /// Provisioned IOPS and throughput (gp3, io1, io2).
    pub iops: Option<i32>,
    pub storage_throughput: Option<i32>,
    pub multi_az: bool,
    pub parameter_group: Option<String>,
    /// A custom option group (not `default:...`).
    pub option_group: Option<String>,
    /// What a snapshot does not carry: set on green after the restore.
    pub settings: DbSettings,
    /// The Secrets Manager secret holding blue's DB credentials, if blue keeps them there.
    pub secret: Option<String>,
}

/// The settings of an instance that a restore from a snapshot does not set (RDS
/// RestoreDBInstanceFromDBSnapshot has no MaxAllocatedStorage nor Performance Insights
/// parameters; backups are left off at the restore on purpose), set by ModifyDBInstance after.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DbSettings {
    pub backup_retention: i32,
    /// A backup retention not applied yet (PendingModifiedValues).
    pub pending_backup_retention: Option<i32>,
    /// Storage autoscaling's ceiling in GiB.
    pub max_allocated_storage: Option<i32>,
    pub performance_insights: Option<PerformanceInsights>,
    /// The VPC security groups of the instance.
    pub security_groups: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PerformanceInsights {
    pub kms_key: Option<String>,
    pub retention_days: Option<i32>,
}

impl DbSettings {
    /// The settings of a described instance.
    pub fn of(i: &aws_sdk_rds::types::DbInstance) -> Self {
        DbSettings {
            backup_retention: i.backup_retention_period().unwrap_or(0),
            pending_backup_retention: i
                .pending_modified_values()
                .and_then(|p| p.backup_retention_period()),
            max_allocated_storage: i.max_allocated_storage(),
            performance_insights: i.performance_insights_enabled().unwrap_or(false).then(|| {
                PerformanceInsights {
                    kms_key: i.performance_insights_kms_key_id().map(str::to_string),
                    retention_days: i.performance_insights_retention_period(),
                }
            }),
            security_groups: i
                .vpc_security_groups()
                .iter()
                .filter_map(|g| g.vpc_security_group_id().map(str::to_string))
                .collect(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct BlueStorage {
    pub db: Option<BlueDb>,
    pub bucket: Option<String>,
    pub efs_id: Option<String>,
}

/// The `host` key of blue's mysql-secret (only that key is read out).
async fn secret_host(client: &Client) -> Result<Option<String>> {
    let api: Api<Secret> = Api::namespaced(client.clone(), NAMESPACE);
    let Some(secret) = api.get_opt(DB_SECRET).await? else {
        return Ok(None);
    };
    Ok(secret
        .data
        .and_then(|d| {
            d.get("host")
                .map(|b| String::from_utf8_lossy(&b.0).trim().to_string())
        })
        .filter(|s| !s.is_empty()))
}

pub async fn blue_storage(
    client: &Client,
    aws: &Aws,
    cli: &Overrides,
    layers: &[Layer],
) -> Result<BlueStorage> {
    let cm = install_config(client).await?;
    let mut storage = BlueStorage::default();
    if layers.contains(&Layer::Db) {
        storage.db = Some(blue_db(client, aws, cli, &cm).await?);
    }
    if layers.contains(&Layer::Bucket) {
        let bucket = cli.bucket.clone().or_else(|| cm_value(&cm, "bucketName")).ok_or_else(|| {
            Error::usage(format!("cannot find blue's S3 bucket: no bucketName in {NAMESPACE}/{INSTALL_CONFIG}"), "pass --bucket NAME")
        })?;
        aws.s3()
            .head_bucket()
            .bucket(&bucket)
            .send()
            .await
            .map_err(|e| {
                Error::usage(
                    format!(
                        "blue's S3 bucket {bucket} (from {}) is not reachable: {}",
                        if cli.bucket.is_some() {
                            "--bucket"
                        } else {
                            "bucketName in pipeline-install-config"
                        },
                        crate::aws::describe_error(&e)
                    ),
                    "pass --bucket NAME",
                )
            })?;
        storage.bucket = Some(bucket);
    }
    if layers.contains(&Layer::Efs) {
        storage.efs_id = Some(blue_efs(client, aws, cli).await?);
    }
    Ok(storage)
}

async fn blue_db(
    client: &Client,
    aws: &Aws,
    cli: &Overrides,
    cm: &Option<ConfigMap>,
) -> Result<BlueDb> {
    let rds = aws.rds();
    let instances = crate::aws::all(
        "DescribeDBInstances",
        rds.describe_db_instances().into_paginator().items().send(),
    )
    .await?;
    let host = match cm_value(cm, "dbHost") {
        Some(h) => Some(h),
        None => secret_host(client).await?,
    };
    let found = match (&cli.db_instance, &host) {
        (Some(id), _) => instances
            .iter()
            .find(|i| i.db_instance_identifier() == Some(id.as_str()))
            .ok_or_else(|| {
                Error::usage(
                    format!(
                        "RDS instance {id} (from --db-instance) does not exist in {}",
                        aws.region()
                    ),
                    "pass the identifier of blue's instance, or --region",
                )
            })?,
        (None, Some(h)) => match instances
            .iter()
            .find(|i| i.endpoint().and_then(|e| e.address()) == Some(h.as_str()))
        {
            Some(i) => i,
            None => {
                if let Some(cluster) = aurora_cluster_with_endpoint(aws, h).await? {
                    return Err(aurora_unsupported(&format!(
                        "blue's database host {h} is an endpoint of the Aurora DB cluster {cluster}"
                    )));
                }
                return Err(Error::usage(
                    format!(
                        "no RDS instance in {} has the endpoint {h} (dbHost of {NAMESPACE}/{INSTALL_CONFIG})",
                        aws.region()
                    ),
                    "pass --db-instance ID",
                ));
            }
        },
        (None, None) => {
            return Err(Error::usage(
                format!(
                    "cannot find blue's database: no dbHost in {NAMESPACE}/{INSTALL_CONFIG} and no host in {NAMESPACE}/{DB_SECRET}"
                ),
                "pass --db-instance ID",
            ));
        }
    };
    let id = found
        .db_instance_identifier()
        .unwrap_or_default()
        .to_string();
    if let Some(cluster) = found.db_cluster_identifier() {
        return Err(aurora_unsupported(&format!(
            "blue's database {id} is a member of the Aurora DB cluster {cluster}"
        )));
    }
    let endpoint = found
        .endpoint()
        .and_then(|e| e.address())
        .unwrap_or_default()
        .to_string();
    Ok(BlueDb {
        secret: blue_db_secret(client, aws, &endpoint).await?,
        host: endpoint,
        engine: found.engine().unwrap_or_default().to_string(),
        port: found
            .endpoint()
            .and_then(|e| e.port())
            .or(found.db_instance_port().filter(|p| *p > 0))
            .unwrap_or(3306),
        class: found.db_instance_class().unwrap_or_default().to_string(),
        storage_type: found.storage_type().map(str::to_string),
        allocated_storage: found.allocated_storage(),
        iops: found.iops(),
        storage_throughput: found.storage_throughput(),
        multi_az: found.multi_az().unwrap_or(false),
        parameter_group: found
            .db_parameter_groups()
            .first()
            .and_then(|g| g.db_parameter_group_name())
            .filter(|n| !n.starts_with("default."))
            .map(str::to_string),
        option_group: found
            .option_group_memberships()
            .first()
            .and_then(|g| g.option_group_name())
            .filter(|n| !n.starts_with("default:"))
            .map(str::to_string),
        settings: DbSettings {
            // Green's own group replaces blue's (another VPC).
            security_groups: Vec::new(),
            pending_backup_retention: None,
            ..DbSettings::of(found)
        },
        id,
    })
}

/// The refusal of an Aurora database: `kf clone` snapshots and restores a DB instance; an
/// Aurora cluster member cannot be snapshotted alone (CreateDBSnapshot answers "The specified
/// instance is a member of a cluster ... use the CreateDBClusterSnapshot API instead").
fn aurora_unsupported(what: &str) -> Error {
    Error::usage(
        format!(
            "{what}: Aurora is not supported; kf clone copies an RDS DB instance (MySQL or \
             MariaDB), through a DB snapshot restored into green's VPC"
        ),
        "clone the Aurora cluster yourself (aws rds create-db-cluster-snapshot, then \
         restore-db-cluster-from-snapshot into green's VPC and add an instance), run \
         `kubectl kf clone --only bucket,efs` for the rest, and point green's \
         pipeline-install-config dbHost at the new cluster",
    )
}

/// An Aurora cluster whose writer, reader or custom endpoint is `host`. Only names the cause of
/// a host no instance has: when the clusters cannot be listed (no rds:DescribeDBClusters), none.
async fn aurora_cluster_with_endpoint(aws: &Aws, host: &str) -> Result<Option<String>> {
    let clusters = match crate::aws::all(
        "DescribeDBClusters",
        aws.rds()
            .describe_db_clusters()
            .into_paginator()
            .items()
            .send(),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::debug!("cannot list Aurora clusters: {e}");
            return Ok(None);
        }
    };
    Ok(clusters
        .iter()
        .find(|c| {
            c.endpoint() == Some(host)
                || c.reader_endpoint() == Some(host)
                || c.custom_endpoints().iter().any(|e| e == host)
        })
        .map(|c| c.db_cluster_identifier().unwrap_or_default().to_string()))
}

/// The Secrets Manager secret with blue's DB credentials: the object names of blue's
/// SecretProviderClasses, then the manifests' default name; the secret's `host` must be blue's.
async fn blue_db_secret(client: &Client, aws: &Aws, host: &str) -> Result<Option<String>> {
    let mut candidates = secret_provider_objects(client).await;
    candidates.push(DEFAULT_DB_SECRET.to_string());
    let sm = aws.secrets();
    for name in candidates {
        // Exact names only: a prefix match would take "rds-secret-old" for "rds-secret".
        let Ok(v) = sm.get_secret_value().secret_id(&name).send().await else {
            continue;
        };
        let value: serde_json::Value = v
            .secret_string()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        match value.get("host").and_then(|h| h.as_str()) {
            Some(h) if h == host => return Ok(Some(name)),
            Some(_) => continue,
            None if value.get("password").is_some() => return Ok(Some(name)),
            None => continue,
        }
    }
    Ok(None)
}

/// `objectName`s of the SecretProviderClasses in blue's kubeflow namespace (none if the CSI
/// secrets store is not installed).
async fn secret_provider_objects(client: &Client) -> Vec<String> {
    let gvk = GroupVersionKind::gvk(
        crate::secrets_store::GROUP,
        "v1",
        crate::secrets_store::KIND,
    );
    let ar = ApiResource::from_gvk(&gvk);
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), NAMESPACE, &ar);
    let Ok(list) = api.list(&ListParams::default()).await else {
        return Vec::new();
    };
    let mut names = Vec::new();
    for spc in list.items {
        let value = serde_json::to_value(&spc).unwrap_or_default();
        for n in crate::secrets_store::object_names(&value) {
            let n = crate::secrets_store::secret_name(&n).to_string();
            if !n.is_empty() && !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

async fn blue_efs(client: &Client, aws: &Aws, cli: &Overrides) -> Result<String> {
    let (id, source) = match &cli.efs_id {
        Some(id) => (id.clone(), "--efs-id".to_string()),
        None => {
            let api: Api<StorageClass> = Api::all(client.clone());
            let sc = api.get_opt(EFS_CLASS).await?.ok_or_else(|| {
                Error::usage(
                    format!(
                        "cannot find blue's EFS file system: blue has no StorageClass {EFS_CLASS}"
                    ),
                    "pass --efs-id FS_ID",
                )
            })?;
            let id = sc
                .parameters
                .and_then(|p| p.get("fileSystemId").cloned())
                .ok_or_else(|| {
                    Error::usage(
                        format!("StorageClass {EFS_CLASS} of blue has no fileSystemId"),
                        "pass --efs-id FS_ID",
                    )
                })?;
            (id, format!("StorageClass {EFS_CLASS}"))
        }
    };
    aws.efs()
        .describe_file_systems()
        .file_system_id(&id)
        .send()
        .await
        .map_err(|e| {
            Error::usage(
                format!(
                    "blue's EFS file system {id} (from {source}): {}",
                    crate::aws::describe_error(&e)
                ),
                "pass --efs-id FS_ID",
            )
        })?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn aurora_is_refused_as_bad_input_naming_what_is_supported_and_what_to_do() {
        let e =
            super::aurora_unsupported("blue's database x is a member of the Aurora DB cluster c");
        assert_eq!(e.exit_code(), 2);
        let text = e.to_string();
        for part in [
            "Aurora is not supported",
            "RDS DB instance",
            "--only bucket,efs",
            "cluster c",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
    }
}
