//! `kubectl kf migrate`: carries each user's Kubeflow objects and claims from blue to green
//! (issue 15). Profiles first, then, once the profile controller has made each namespace on
//! green, the objects users made in it, then every claim.
//!
//! [`plan`] decides (pure, unit-tested); observe and apply are not written yet.

pub mod plan;
