//! What Kubeflow reads on a cluster to find its database, bucket and file system: the
//! `kubeflow/pipeline-install-config` ConfigMap, the `mysql-secret` Secret and the `efs-sc`
//! StorageClass. Discovery (blue), deploy (green) and preflight (both) read them from here.

use k8s_openapi::api::core::v1::ConfigMap;
use kube::Client;
use kube::api::Api;

use crate::error::Result;
use crate::record::NAMESPACE;

pub const INSTALL_CONFIG: &str = "pipeline-install-config";
pub const DB_SECRET: &str = "mysql-secret";
pub const EFS_CLASS: &str = "efs-sc";

/// Blue's (or green's) `kubeflow/pipeline-install-config`, if there is one.
pub async fn install_config(client: &Client) -> Result<Option<ConfigMap>> {
    let api: Api<ConfigMap> = Api::namespaced(client.clone(), NAMESPACE);
    Ok(api.get_opt(INSTALL_CONFIG).await?)
}

/// A non-empty value of that ConfigMap.
pub fn cm_value(cm: &Option<ConfigMap>, key: &str) -> Option<String> {
    cm.as_ref()?
        .data
        .as_ref()?
        .get(key)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}
